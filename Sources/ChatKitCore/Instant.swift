/// A point on a monotonic clock, in nanoseconds since an arbitrary origin.
///
/// Timeouts are measured with instants; the wall clock is used only to timestamp stored messages.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Nanoseconds since the clock's origin.
    public var nanoseconds: Int64

    /// Makes an instant from nanoseconds since the clock's origin.
    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// The clock's origin.
    public static let zero = Instant(nanoseconds: 0)

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// The instant `duration` later.
    public static func + (lhs: Instant, rhs: Duration) -> Instant {
        Instant(nanoseconds: lhs.nanoseconds &+ rhs.wholeNanoseconds)
    }

    /// The time from `rhs` to `lhs`.
    public static func - (lhs: Instant, rhs: Instant) -> Duration {
        .nanoseconds(lhs.nanoseconds &- rhs.nanoseconds)
    }

    public var description: String { "t+\(Double(nanoseconds) / 1e9)s" }

    /// The earlier of two deadlines, either of which may be unset: the machines fold their parts'
    /// deadlines with it after every batch, before the batch's datagrams go out, so it makes no array.
    public static func earliest(_ first: Instant?, _ second: Instant?) -> Instant? {
        guard let first else { return second }
        guard let second else { return first }
        return second < first ? second : first
    }

    /// The earliest of the deadlines that are set, if any, in one pass, without the filtered array that
    /// `compactMap { $0 }.min()` would make (a variadic list is an array still: hot paths use the pair).
    public static func earliest(of deadlines: Instant?...) -> Instant? {
        var earliest: Instant?
        for case let deadline? in deadlines where earliest.map({ deadline < $0 }) ?? true { earliest = deadline }
        return earliest
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating at the bounds of `Int64`.
    public var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled &+ attoseconds / 1_000_000_000
    }

    /// The duration in seconds, as a floating-point number.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
