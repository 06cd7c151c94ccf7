/// Newcomers at this server waiting for another server of the group to probe the holder of their
/// nickname there: the holder's server answers "in use" if the holder answers, else it marks the holder
/// offline, and the newcomer's next retry gets the nickname.
struct GroupTakeovers {
    /// A newcomer waiting for the verdict of the server with key `holderServer`.
    struct Waiting: Equatable {
        var requestID: UInt64
        var requester: Address
        var holderServer: [UInt8]
        var askedAt: Instant
    }

    /// What a registration of a nickname held at another server comes to.
    enum Step: Equatable {
        /// Ask the holder's server to probe (again): nothing is asked for this nickname, or the last
        /// question went unanswered for `answerWait`.
        case ask
        /// A question is out: keep the newcomer waiting.
        case wait
        /// Another newcomer waits for this nickname already: this one is refused, as at one server.
        case busy
    }

    /// How long an asked server gets to answer before it is asked again: a whole round of probes (20
    /// of at most 200 ms) and the news's way back.
    static let answerWait: Duration = .seconds(6)
    private(set) var waiting: [String: Waiting] = [:]

    /// The newcomer at `requester` registers `nick`, whose holder is online at the server `holderServer`.
    mutating func registering(_ nick: String, requestID: UInt64, requester: Address, holderServer: [UInt8], now: Instant) -> Step {
        if let current = waiting[nick], now - current.askedAt < Self.answerWait {
            if current.requester != requester { return .busy }
            if current.holderServer == holderServer { return .wait }
        }
        waiting[nick] = Waiting(requestID: requestID, requester: requester, holderServer: holderServer, askedAt: now)
        return .ask
    }

    /// The holder's server answered request `requestID` for `nick`: the holder is alive. The newcomer it
    /// waited for, if still waiting.
    mutating func holderAnswered(_ nick: String, requestID: UInt64) -> Waiting? {
        guard let current = waiting[nick], current.requestID == requestID else { return nil }
        waiting[nick] = nil
        return current
    }

    /// `nick` was registered here (or forgotten): no newcomer waits for it any more.
    mutating func ended(_ nick: String) {
        waiting[nick] = nil
    }
}
