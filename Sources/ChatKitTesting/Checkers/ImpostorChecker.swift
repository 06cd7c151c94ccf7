import ChatKitCore

/// The takeover promise, checked over typed records: a second process started under a live holder's
/// nickname is never welcomed while the holder is alive, registered and reachable. A holder may rightly
/// lose its nickname when it was cut off lately, deregistered, gave up on the server, or the server
/// crashed (and forgot it) after the impostor started.
public struct ImpostorChecker: Sendable {
    /// A broken promise, named by its class.
    public enum Failure: Equatable, Sendable, CustomStringConvertible {
        /// An impostor was welcomed under the nickname of a holder that was alive and answering.
        case tookLiveHoldersNick(holder: String, impostor: Address)

        public var description: String {
            switch self {
            case .tookLiveHoldersNick(let holder, let impostor):
                "impostor: \(holder) was alive and answering, yet \(impostor) took its nickname"
            }
        }
    }

    /// What the scenario knows of the holder when its impostor is welcomed.
    public struct Holder: Sendable {
        public var name: String
        public var host: String
        public var alive: Bool
        public var deregistered: Bool
        public var gaveUpOnServer: Bool

        /// The holder's state, as the scenario sees it.
        public init(name: String, host: String, alive: Bool, deregistered: Bool, gaveUpOnServer: Bool) {
            self.name = name
            self.host = host
            self.alive = alive
            self.deregistered = deregistered
            self.gaveUpOnServer = gaveUpOnServer
        }
    }

    public private(set) var failures: [Failure] = []
    /// How many impostors were started, and how many took a live holder's nickname.
    public private(set) var attempts = 0
    public private(set) var nicksLost = 0
    /// Until when each host was cut off, lately: its holder may rightly lose a probe round meanwhile.
    private var cutOffUntil: [String: Instant] = [:]
    private var lastServerCrash: Instant?
    private var deregTypedAt: [String: Instant] = [:]

    /// A checker with nothing recorded.
    public init() {}

    /// An impostor was started.
    public mutating func impostorStarted() { attempts += 1 }

    /// `host` is cut off the network until `until`.
    public mutating func cutOff(_ host: String, until: Instant) { cutOffUntil[host] = until }

    /// The server crashed at `now`.
    public mutating func serverCrashed(at now: Instant) { lastServerCrash = now }

    /// The holder named `holder` was told to deregister at `now`.
    public mutating func deregTyped(by holder: String, at now: Instant) { deregTypedAt[holder] = now }

    /// The impostor at `impostor`, started at `started`, was welcomed at `now` under `holder`'s nickname.
    public mutating func welcomed(_ impostor: Address, startedAt started: Instant, holder: Holder, at now: Instant) {
        let reachable = holder.alive && !holder.deregistered
            && (cutOffUntil[holder.host].map { now - $0 > .seconds(5) } ?? true)
            && (lastServerCrash.map { $0 < started } ?? true) && (deregTypedAt[holder.name].map { $0 < started } ?? true)
        guard reachable, !holder.gaveUpOnServer else { return }
        nicksLost += 1
        failures.append(.tookLiveHoldersNick(holder: holder.name, impostor: impostor))
    }
}
