/// How this client reaches each peer: directly at an address that answered (an ACK, a chat, or a punch
/// that carried our nonce), or through the server's relay when direct tries failed. Paths in use are
/// kept open with a `punch` every `refreshInterval`, below common NAT UDP timeouts. A peer on the relay
/// is offered a punch again every `relayFor`, in the background: if one comes back, chats go direct.
struct PeerPaths {
    /// What the paths ask the machine to do.
    enum Directive: Equatable {
        /// Punch toward `nick` at `address`, to keep the router's mapping for an active conversation open.
        case refresh(nick: String, at: Address)
    }

    enum Path: Equatable {
        case direct(Address)
        case relay
    }

    struct Peer {
        var path: Path
        /// When a chat last went to or came from the peer: paths idle longer are not kept open.
        var lastUsed: Instant
        /// When to punch again to keep the path open; nil while the conversation is idle.
        var nextRefresh: Instant?
        /// On the relay: when direct was last tried.
        var lastDirectTry: Instant?
        /// The deadline of the peer's one live entry in `refreshes`. A refresh pushed later (every ACK
        /// pushes it) only moves `nextRefresh`; the entry, when it falls due, is queued again for it.
        var queuedRefresh: Instant?

        /// The peer answered directly from `address` at `now`; returns whether the refresh it pushes to
        /// `deadline` needs a new entry in the queue.
        mutating func answered(from address: Address, now: Instant, refreshAt deadline: Instant) -> Bool {
            path = .direct(address)
            lastUsed = now
            lastDirectTry = nil
            return refresh(at: deadline)
        }

        /// Sets the next refresh; returns whether it needs a new entry in the queue (none falls due by then).
        mutating func refresh(at deadline: Instant) -> Bool {
            nextRefresh = deadline
            if let queuedRefresh, queuedRefresh <= deadline { return false }
            queuedRefresh = deadline
            return true
        }
    }

    let refreshInterval: Duration
    /// How long a conversation counts as active, so its path is kept open.
    let activeFor: Duration
    /// How often a peer on the relay is offered a punch again, to move to a direct path.
    let relayFor: Duration

    private(set) var peers: [String: Peer] = [:]
    /// The nonces of our punch requests, and whom each was for (the latest 64).
    private var nonces: [UInt64: String] = [:]
    private var nonceOrder: [UInt64] = []
    /// Where the server said each peer would punch from: chats from there are the peer's.
    private var expected: [String: Set<Address>] = [:]
    /// Refresh deadlines in order, at most one live entry per peer (`Peer.queuedRefresh`); stale ones are
    /// skipped when popped.
    private var refreshes = KeyedDeadlineQueue<String>()

    init(refreshInterval: Duration, activeFor: Duration, relayFor: Duration) {
        self.refreshInterval = refreshInterval
        self.activeFor = activeFor
        self.relayFor = relayFor
    }

    /// The address that last answered for `nick`, if the path is direct.
    func direct(to nick: String) -> Address? {
        if case .direct(let address)? = peers[nick]?.path { return address }
        return nil
    }

    /// The direct address for `nick` if the conversation is still active (its path was kept open); after a
    /// pause a router may have closed it, so a new chat punches again.
    func activeDirect(to nick: String, now: Instant) -> Address? {
        guard let peer = peers[nick], now - peer.lastUsed <= activeFor else { return nil }
        return direct(to: nick)
    }

    /// Whether chats to `nick` go through the relay: only the relay has reached it since a direct path.
    func usesRelay(_ nick: String) -> Bool {
        peers[nick]?.path == .relay
    }

    /// Whether it is time to offer `nick`, reached through the relay, a direct path again (and if so, it
    /// counts as tried now).
    mutating func shouldTryDirect(_ nick: String, now: Instant) -> Bool {
        guard let peer = peers[nick], peer.path == .relay else { return false }
        if let last = peer.lastDirectTry, now - last < relayFor { return false }
        peers[nick]?.lastDirectTry = now
        return true
    }

    /// "direct" or "via server", for `who`; nil when no path is known.
    func describe(_ nick: String) -> String? {
        switch peers[nick]?.path {
        case .direct?: "direct"
        case .relay?: "via server"
        case nil: nil
        }
    }

    /// `nick` answered from `address`: the path is direct, there. Traffic just crossed both routers, so
    /// the next refresh is a whole interval away: a lively conversation needs no punches to stay open.
    mutating func learnDirect(_ nick: String, at address: Address, now: Instant) {
        let deadline = now + refreshInterval
        // Changed in place: one lookup per ACK.
        if peers[nick, default: Peer(path: .direct(address), lastUsed: now)].answered(from: address, now: now, refreshAt: deadline) {
            refreshes.schedule(nick, at: deadline)
        }
    }

    /// Only the relay reached `nick`.
    mutating func learnRelay(_ nick: String, now: Instant) {
        peers[nick] = Peer(path: .relay, lastUsed: now, nextRefresh: nil, lastDirectTry: now)
    }

    /// A chat went to or came from `nick` now.
    mutating func used(_ nick: String, now: Instant) {
        guard let index = peers.index(forKey: nick) else { return }
        peers.values[index].lastUsed = now
        guard peers.values[index].nextRefresh == nil, case .direct = peers.values[index].path else { return }
        queueRefresh(nick, at: index, now + refreshInterval)
    }

    /// Sets the refresh of the peer at `index`, queueing an entry only if none falls due by then.
    private mutating func queueRefresh(_ nick: String, at index: [String: Peer].Index, _ deadline: Instant) {
        if peers.values[index].refresh(at: deadline) { refreshes.schedule(nick, at: deadline) }
    }

    /// `nick` is gone (the server stored our chat): what we knew of its path no longer holds.
    mutating func forget(_ nick: String) {
        peers[nick] = nil
        expected[nick] = nil
    }

    /// Remembers the nonce of a punch request for `nick`.
    mutating func remember(nonce: UInt64, for nick: String) {
        nonces[nonce] = nick
        nonceOrder.append(nonce)
        if nonceOrder.count > 64 { nonces[nonceOrder.removeFirst()] = nil }
    }

    /// Whether `nonce` is one of ours for `nick` (a punch that proves itself).
    func isOurs(nonce: UInt64, for nick: String) -> Bool {
        nonce != 0 && nonces[nonce] == nick
    }

    /// The server says `nick` will punch from these addresses.
    mutating func expect(_ nick: String, from addresses: [Address]) {
        expected[nick, default: []].formUnion(addresses)
        if expected.count > 1_024 { expected = [nick: Set(addresses)] }
    }

    /// Whether a chat from `nick` at `address` is believable on the server's word (a punch order).
    func isExpected(_ nick: String, at address: Address) -> Bool {
        expected[nick]?.contains(address) == true
    }

    /// The earliest refresh queued (it may be stale, and then an early tick finds nothing due).
    var nextRefresh: Instant? { refreshes.earliest }

    /// The direct paths to refresh now (active ones; idle ones are left to close), in deadline order.
    mutating func refreshDue(_ now: Instant) -> [Directive] {
        var due: [Directive] = []
        for (deadline, nick) in refreshes.popDue(now) {
            guard let index = peers.index(forKey: nick), peers.values[index].queuedRefresh == deadline else { continue }
            peers.values[index].queuedRefresh = nil
            let peer = peers.values[index]
            guard let next = peer.nextRefresh, case .direct(let address) = peer.path else { continue }
            if next > now {
                // Pushed later since it was queued (an ACK came): the same one entry waits for the new deadline.
                queueRefresh(nick, at: index, next)
                continue
            }
            if now - peer.lastUsed > activeFor {
                peers.values[index].nextRefresh = nil
                continue
            }
            queueRefresh(nick, at: index, now + refreshInterval)
            due.append(.refresh(nick: nick, at: address))
        }
        return due
    }
}
