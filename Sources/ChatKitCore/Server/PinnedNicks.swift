/// The nicknames the server has pinned keys to: each one's key, when it was last used (so unused ones
/// expire), and an index by `NicknameComparison.key`, so no two clients hold nicknames that look alike.
struct PinnedNicks {
    private(set) var keys: [String: [UInt8]] = [:]
    private var lastUsed: [String: Int64] = [:]
    /// The nickname holding each look-alike key; the first pinned wins.
    private var holderByLook: [String: String] = [:]

    subscript(nick: String) -> [UInt8]? { keys[nick] }

    var count: Int { keys.count }

    /// The pinned nickname that `nick` looks like, if it is not `nick` itself.
    func lookalike(of nick: String) -> String? {
        guard let holder = holderByLook[NicknameComparison.key(nick)], holder != nick else { return nil }
        return holder
    }

    /// Pins `key` to `nick`, used now.
    mutating func pin(_ nick: String, key: [UInt8], atMicroseconds now: Int64) {
        keys[nick] = key
        lastUsed[nick] = now
        let look = NicknameComparison.key(nick)
        if holderByLook[look] == nil { holderByLook[look] = nick }
    }

    /// `nick` was used now.
    mutating func touch(_ nick: String, atMicroseconds now: Int64) {
        if keys[nick] != nil { lastUsed[nick] = now }
    }

    /// Forgets `nick` and its key; a look-alike may be pinned again.
    mutating func forget(_ nick: String) {
        keys[nick] = nil
        lastUsed[nick] = nil
        let look = NicknameComparison.key(nick)
        if holderByLook[look] == nick { holderByLook[look] = nil }
    }

    /// The nicknames last used before `cutoff`, sorted.
    func unused(before cutoff: Int64) -> [String] {
        lastUsed.filter { $0.value < cutoff }.map(\.key).sorted()
    }

    /// Adds what an earlier run pinned (keys already here win). Nicknames are indexed in sorted order,
    /// so of two look-alikes pinned before the check existed, the same one is found every time.
    mutating func restore(_ pinned: [String: PinnedKey]) {
        for nick in pinned.keys.sorted() where keys[nick] == nil {
            guard let entry = pinned[nick] else { continue }
            pin(nick, key: entry.key, atMicroseconds: entry.lastUsedMicroseconds)
        }
    }
}
