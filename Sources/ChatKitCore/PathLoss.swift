/// How lossy a path looks, from the last few exchanges on it: each either answered on its first send or
/// not. A path where a quarter or more needed a second send is lossy once something came back on it,
/// and its requests go out twice (a path that never answered is dead, not lossy: echoes would not help).
public struct PathLoss: Sendable, Equatable {
    /// How many recent exchanges are remembered.
    public static let window = 8
    /// The last `window` outcomes, newest in the lowest bit (1: lost), so a client keeps no array.
    private var lostBits: UInt8 = 0
    private var recorded: UInt8 = 0
    /// Whether anything was ever answered on this path.
    public private(set) var hasAnswered = false

    /// No exchange yet: not lossy.
    public init() {}

    /// One exchange ended: `lost` when its first send went unanswered.
    public mutating func record(lost: Bool) {
        lostBits = lostBits << 1 | (lost ? 1 : 0)
        recorded = min(recorded + 1, UInt8(Self.window))
    }

    /// Something came back on the path: it is alive.
    public mutating func answered() {
        hasAnswered = true
    }

    /// Whether a quarter or more of the recent exchanges lost their first send, on a path that answers.
    public var isLossy: Bool {
        hasAnswered && recorded > 0 && lostBits.nonzeroBitCount * 4 >= Int(recorded)
    }
}
