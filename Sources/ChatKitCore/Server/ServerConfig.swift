/// How a server behaves: its timing rules and where its randomness comes from.
public struct ServerConfig: Sendable {
    /// The pause between tries of delivering a batch of stored messages.
    public var deliveryRetryInterval: Duration = .milliseconds(500)
    /// How many times a batch is sent before the server stops trying until the next registration.
    public var deliveryAttempts = 5
    /// Where session tokens come from: the system generator in production, seeded in simulations.
    public var random: RandomSource = .system
    /// How many recently saved message keys are remembered so a retried save is answered, not redone.
    public var rememberedSaves = 100_000
    /// The most messages stored for one recipient; saves beyond it are answered "mailbox full".
    public var mailboxLimit = 1_000
    /// How long an online client may stay silent (no keepalive, no request) before it is marked offline.
    /// A few keepalive intervals, so one or two lost keepalives do not matter.
    public var clientTimeout: Duration = .seconds(35)
    /// How often the server looks for silent clients.
    public var sweepInterval: Duration = .seconds(5)
    /// How long table changes are gathered before they go out as deltas. Zero still gathers everything
    /// handled at the same instant (a burst of datagrams read together), and keeps a newcomer's table
    /// entry ahead of its first chat.
    public var tableFlushDelay: Duration = .zero
    /// How many probes a holder that seems online gets before it is taken for dead (its nickname goes
    /// to a newcomer, or a peer's "no ACK" marks it offline). At 30% loss each way a probe round trip
    /// fails 51% of the time, so a live holder loses its nickname once in 0.51⁻²⁰ ≈ 700,000 attempts.
    public var probeAttempts = 20
    /// The pause between probes; a probed holder is taken for dead after `probeAttempts` of these.
    public var probeInterval: Duration = .milliseconds(200)
    /// Up to this many rows every client holds the whole table, as the seed does; above it, clients hold
    /// only their own row and the rows they look up, and `who` asks the server.
    public var wholeTableLimit = 256

    /// The seed's timing with system randomness.
    public init() {}
}

/// What happens to a server: datagrams, clock ticks and the results of the storage work it asked for.
public enum ServerEvent: Equatable, Sendable {
    /// A datagram arrived.
    case datagram(Datagram)
    /// The machine's `nextDeadline` has passed.
    case tick
    /// A `save` effect finished.
    case saved(StoredMessage, StoreOutcome)
    /// A `load` effect finished.
    case loaded(recipient: String, Result<[StoredMessage], StoreError>)
}

/// What became of one message the server asked to store.
public enum StoreOutcome: Equatable, Sendable {
    /// Durably stored (or it already was).
    case stored
    /// Not stored: the recipient's mailbox is at its limit.
    case mailboxFull
    /// Not stored: the store failed.
    case failed(StoreError)
}

/// What a server asks its driver to do.
public enum ServerEffect: Equatable, Sendable {
    /// Send a datagram.
    case send([UInt8], to: Address)
    /// Store a message durably, within the mailbox limit, then report `.saved`. Saves emitted together
    /// may share one flush.
    case save(StoredMessage, mailboxLimit: Int)
    /// Read a recipient's stored messages, then report `.loaded`.
    case load(recipient: String)
    /// Delete acknowledged messages; failures only mean they may be delivered again.
    case remove(Set<MessageKey>, recipient: String)
    /// Write one line to the server log, if the log shows lines of `level`.
    case log(String, level: LogLevel)
}
