/// A round-trip time estimate as RFC 6298 keeps one for TCP: a smoothed mean and its variation, and a
/// retransmission timeout from them, between a floor and a cap. Feed it only exchanges that were not
/// retransmitted (Karn's rule), so an answer to a resend never skews it.
public struct RoundTripEstimator: Sendable, Equatable {
    /// SRTT: the smoothed round trip, once there is a sample.
    public private(set) var smoothed: Duration?
    /// RTTVAR: how much round trips vary around it.
    public private(set) var variation: Duration = .zero

    /// No sample yet.
    public init() {}

    /// Takes one measured round trip (RFC 6298 §2: α = 1/8, β = 1/4).
    public mutating func add(_ sample: Duration) {
        guard let current = smoothed else {
            smoothed = sample
            variation = sample / 2
            return
        }
        let difference = current > sample ? current - sample : sample - current
        variation = variation * 3 / 4 + difference / 4
        smoothed = current * 7 / 8 + sample / 8
    }

    /// The retransmission timeout, SRTT + 4·RTTVAR, within `floor`…`cap`; `fallback` before any sample.
    public func timeout(floor: Duration, cap: Duration, fallback: Duration) -> Duration {
        guard let smoothed else { return fallback }
        return min(cap, max(floor, smoothed + variation * 4))
    }

    /// The retransmission timeout, at least `floor`, once there is a sample; nil before.
    public func measuredTimeout(floor: Duration) -> Duration? {
        smoothed.map { max(floor, $0 + variation * 4) }
    }
}
