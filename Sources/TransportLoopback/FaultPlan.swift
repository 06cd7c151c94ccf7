import ChatKitCore

/// What the loopback network does to datagrams: random loss, duplication and delay, applied with a
/// seeded generator so a run can be replayed.
public struct FaultPlan: Sendable {
    /// The chance, from 0 to 1, that a datagram is lost.
    public var lossRate = 0.0
    /// The chance, from 0 to 1, that a datagram is delivered twice.
    public var duplicateRate = 0.0
    /// The one-way delay every datagram takes.
    public var latency: Duration = .milliseconds(1)
    /// Extra random delay, from zero up to this; datagrams overtake each other when it is non-zero.
    public var jitter: Duration = .zero

    /// A perfect network with a 1 ms one-way delay.
    public init() {}

    /// A network that loses, duplicates and reorders datagrams.
    public init(lossRate: Double, duplicateRate: Double = 0, latency: Duration = .milliseconds(1), jitter: Duration = .zero) {
        self.lossRate = lossRate
        self.duplicateRate = duplicateRate
        self.latency = latency
        self.jitter = jitter
    }
}

/// What happens to one datagram, as decided by a test's own interceptor.
public enum DatagramFate: Sendable, Equatable {
    /// Let the fault plan decide.
    case normal
    /// Lose it.
    case drop
    /// Deliver it after this extra delay.
    case delay(Duration)
    /// Deliver it this many times.
    case copies(Int)
}

/// A datagram in flight on the loopback network, as shown to interceptors.
public struct LoopbackPacket: Sendable {
    /// Who sent it.
    public var source: Address
    /// Where it goes.
    public var destination: Address
    /// The payload.
    public var bytes: [UInt8]
}
