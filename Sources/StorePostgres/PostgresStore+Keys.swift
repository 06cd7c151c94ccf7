import ChatKitCore

/// Pinned keys, prekeys and nick use, in `chatkit_pins`: one row a nickname.
extension PostgresStore {
    public func pinnedKeys() throws(StoreError) -> [String: PinnedKey] {
        var keys: [String: PinnedKey] = [:]
        for row in try connection.execute("SELECT nick, key, last_used, prekey FROM chatkit_pins").rows {
            keys[try PostgresRows.text(row, 0)] = try Self.pinnedKey(row, from: 1)
        }
        return keys
    }

    public func pinnedKey(of nick: String) throws(StoreError) -> PinnedKey? {
        let result = try connection.execute(
            "SELECT key, last_used, prekey FROM chatkit_pins WHERE nick = $1", [.text(Self.stored(nick))])
        guard let row = result.rows.first else { return nil }
        return try Self.pinnedKey(row, from: 0)
    }

    /// The key, last use and prekey that a query returns from `column` on.
    private static func pinnedKey(_ row: [String?], from column: Int) throws(StoreError) -> PinnedKey {
        PinnedKey(
            key: try PostgresRows.bytes(row, column), lastUsedMicroseconds: try PostgresRows.integer(row, column + 1),
            prekey: try PostgresRows.optionalBytes(row, column + 2))
    }

    /// One query per thousand nicks, the nicks joined by the unit separator (no valid nickname holds a
    /// control character).
    public func pinnedKeys(of nicks: [String]) throws(StoreError) -> [String: PinnedKey] {
        let byStored = Dictionary(nicks.map { (Self.stored($0), $0) }, uniquingKeysWith: { first, _ in first })
        let stored = byStored.keys.filter { !$0.contains("\u{1F}") }.sorted()
        var pinned: [String: PinnedKey] = [:]
        for start in stride(from: 0, to: stored.count, by: 1_000) {
            let chunk = stored[start..<min(start + 1_000, stored.count)].joined(separator: "\u{1F}")
            let result = try connection.execute(
                "SELECT nick, key, last_used, prekey FROM chatkit_pins WHERE nick = ANY(string_to_array($1, chr(31)))", [.text(chunk)])
            for row in result.rows {
                guard let nick = byStored[try PostgresRows.text(row, 0)] else { continue }
                pinned[nick] = try Self.pinnedKey(row, from: 1)
            }
        }
        return pinned
    }

    public func pin(_ key: [UInt8], for nick: String) throws(StoreError) {
        _ = try connection.execute(
            "INSERT INTO chatkit_pins (nick, key) VALUES ($1, $2) ON CONFLICT (nick) DO UPDATE SET key = EXCLUDED.key",
            [.text(Self.stored(nick)), .bytes(key)])
    }

    /// One statement decides: the first claim inserts the row, every later one reads the key it found
    /// (`xmax = 0` only on a row this statement inserted), so two servers never pin one nick to two keys.
    public func claim(_ key: [UInt8], for nick: String, atMicroseconds microseconds: Int64) throws(StoreError) -> NickClaim {
        try Self.claimAnswer(connection.execute(Self.claimStatement, Self.claimParameters(key, nick, microseconds)))
    }

    /// The claims in one transaction: one commit, one flush, for a burst of new nicks.
    public func claim(_ claims: [(nick: String, key: [UInt8])], atMicroseconds microseconds: Int64) throws(StoreError) -> [NickClaim] {
        try connection.transaction { connection throws(StoreError) in
            var answers: [NickClaim] = []
            for claim in claims {
                answers.append(try Self.claimAnswer(connection.run(Self.claimStatement, Self.claimParameters(claim.key, claim.nick, microseconds))))
            }
            return answers
        }
    }

    private static let claimStatement = """
        INSERT INTO chatkit_pins (nick, key, last_used) VALUES ($1, $2, $3)
        ON CONFLICT (nick) DO UPDATE SET nick = chatkit_pins.nick
        RETURNING key, last_used, prekey, (xmax = 0)
        """

    private static func claimParameters(_ key: [UInt8], _ nick: String, _ microseconds: Int64) -> [PostgresValue] {
        [.text(stored(nick)), .bytes(key), .integer(microseconds)]
    }

    private static func claimAnswer(_ result: PostgresRows) throws(StoreError) -> NickClaim {
        guard let row = result.rows.first else { throw .ioFailure("PostgreSQL: a claim returned no row") }
        return NickClaim(pinned: try pinnedKey(row, from: 0), isNew: try PostgresRows.text(row, 3) == "t")
    }

    /// Best effort (a lost touch only makes the nick look older): the commit does not wait for the flush.
    public func touch(_ nick: String, atMicroseconds microseconds: Int64) throws(StoreError) {
        try write(durable: false) { connection throws(StoreError) in
            _ = try connection.run(
                "UPDATE chatkit_pins SET last_used = greatest(last_used, $2) WHERE nick = $1",
                [.text(Self.stored(nick)), .integer(microseconds)])
        }
    }

    /// Soft state, sent again with every registration: the commit does not wait for the flush.
    public func keepPrekey(_ prekey: [UInt8], for nick: String) throws(StoreError) {
        try write(durable: false) { connection throws(StoreError) in
            _ = try connection.run("UPDATE chatkit_pins SET prekey = $2 WHERE nick = $1", [.text(Self.stored(nick)), .bytes(prekey)])
        }
    }

    public func releaseKey(of nick: String) throws(StoreError) {
        _ = try connection.execute("DELETE FROM chatkit_pins WHERE nick = $1", [.text(Self.stored(nick))])
    }
}
