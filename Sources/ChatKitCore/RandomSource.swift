/// Where a state machine gets random numbers: the system's generator in production, a seeded one in
/// simulations so every run can be replayed.
public enum RandomSource: Sendable {
    /// A cryptographic generator: libcrypto's, which the operating system seeds, drawn in blocks
    /// (`RandomPool`).
    case system
    /// A deterministic SplitMix64 sequence from the given state.
    case seeded(UInt64)

    /// The next random 64-bit value.
    public mutating func next() -> UInt64 {
        switch self {
        case .system:
            return RandomPool.next()
        case .seeded(let state):
            let advanced = state &+ 0x9E37_79B9_7F4A_7C15
            self = .seeded(advanced)
            var mixed = advanced
            mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            return mixed ^ (mixed >> 31)
        }
    }

    /// `count` random bytes (whole 64-bit values, little-endian, cut to `count`): key seeds and secrets.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < count { withUnsafeBytes(of: next()) { bytes += $0 } }
        return Array(bytes.prefix(max(0, count)))
    }

    /// The next random value that is not zero (zero means "no token" on the wire).
    public mutating func nextNonZero() -> UInt64 {
        while true {
            let value = next()
            if value != 0 { return value }
        }
    }
}
