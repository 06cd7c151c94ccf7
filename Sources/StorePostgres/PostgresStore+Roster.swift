import ChatKitCore

/// The servers sharing the database, in `chatkit_servers`: each one's row is its listing and when it was
/// last heard from (its key is the row's identity, so a server that moves keeps one row).
extension PostgresStore: ServerRoster {
    public func announce(_ listing: ServerListing, atMicroseconds microseconds: Int64) throws(StoreError) {
        _ = try connection.execute(
            """
            INSERT INTO chatkit_servers (key, host, port, heard) VALUES ($1, $2, $3, $4)
            ON CONFLICT (key) DO UPDATE SET host = EXCLUDED.host, port = EXCLUDED.port, heard = EXCLUDED.heard
            """,
            [.bytes(listing.key), .text(listing.host), .integer(Int64(listing.port)), .integer(microseconds)])
    }

    public func servers(heardSinceMicroseconds microseconds: Int64) throws(StoreError) -> [ServerListing] {
        let result = try connection.execute(
            "SELECT key, host, port FROM chatkit_servers WHERE heard >= $1 ORDER BY port, host, key", [.integer(microseconds)])
        var servers: [ServerListing] = []
        for row in result.rows {
            guard let port = UInt16(exactly: try PostgresRows.integer(row, 2)) else { continue }
            servers.append(ServerListing(host: try PostgresRows.text(row, 1), port: port, key: try PostgresRows.bytes(row, 0)))
        }
        return servers
    }

    public func publish(_ row: PresenceRow) throws(StoreError) {
        try publish([row])
    }

    /// The rows in one transaction, with one notification. Presence is soft state, published again at the
    /// next registration: it need not wait for a flush.
    public func publish(_ rows: [PresenceRow]) throws(StoreError) {
        guard !rows.isEmpty else { return }
        try write(holding: PostgresSchema.presenceLock, notifies: true, durable: false) { connection throws(StoreError) in
            for row in rows { try Self.publish(row, on: connection) }
        }
    }

    private static func publish(_ row: PresenceRow, on connection: PostgresConnection) throws(StoreError) {
        let candidates = row.candidates.map { "\($0.host)|\($0.port)" }.joined(separator: ",")
        _ = try connection.run(
            """
            INSERT INTO chatkit_presence (nick, server_key, host, port, candidates, online, seq)
            VALUES ($1, $2, $3, $4, $5, $6, nextval('chatkit_presence_seq'))
            ON CONFLICT (nick) DO UPDATE SET server_key = EXCLUDED.server_key, host = EXCLUDED.host, port = EXCLUDED.port,
                candidates = EXCLUDED.candidates, online = EXCLUDED.online, seq = EXCLUDED.seq
            WHERE EXCLUDED.online OR chatkit_presence.server_key = EXCLUDED.server_key
            """,
            [
                .text(stored(row.nick)), .bytes(row.serverKey), .text(row.address.host), .integer(Int64(row.address.port)),
                .text(candidates), .text(row.online ? "true" : "false"),
            ])
    }

    public func forward(_ forward: ServerForward) throws(StoreError) {
        let packet: [UInt8]
        do {
            packet = try forward.packet.encoded()
        } catch {
            throw .ioFailure("a forwarded packet could not be encoded: \(error)")
        }
        try write(holding: PostgresSchema.presenceLock, notifies: true, durable: false) { connection throws(StoreError) in
            _ = try connection.run(
                "INSERT INTO chatkit_forwards (to_key, nick, packet, from_key) VALUES ($1, $2, $3, $4)",
                [.bytes(forward.serverKey), .text(Self.stored(forward.nick)), .bytes(packet), .bytes(forward.origin)])
        }
    }

    /// Listens on the group's channel (a connection and a thread of its own): every commit that changes
    /// presence, mail or forwards calls `onChange`, so the group's news crosses servers at once.
    public func watchChanges(_ onChange: @escaping @Sendable () -> Void) throws(StoreError) {
        let started = try PostgresListener(conninfo, channel: channel)
        listener.withLock { current in
            current?.stop()
            current = started
        }
        started.start(onChange)
    }

    public func news(after cursor: GroupCursor, for serverKey: [UInt8]) throws(StoreError) -> (news: GroupNews, cursor: GroupCursor) {
        var next = cursor
        var news = GroupNews()
        let presence = try connection.execute(
            "SELECT nick, server_key, host, port, candidates, online, seq FROM chatkit_presence WHERE seq > $1 ORDER BY seq",
            [.integer(cursor.presence)])
        for row in presence.rows {
            guard let port = UInt16(exactly: try PostgresRows.integer(row, 3)) else { continue }
            let candidates = try PostgresRows.text(row, 4).split(separator: ",").compactMap { entry -> Address? in
                let parts = entry.split(separator: "|")
                guard parts.count == 2, let port = UInt16(parts[1]) else { return nil }
                return Address(host: String(parts[0]), port: port)
            }
            news.presence.append(PresenceRow(
                nick: try PostgresRows.text(row, 0), address: Address(host: try PostgresRows.text(row, 2), port: port),
                candidates: candidates, online: try PostgresRows.text(row, 5) == "t", serverKey: try PostgresRows.bytes(row, 1)))
            next.presence = max(next.presence, try PostgresRows.integer(row, 6))
        }
        let mail = try connection.execute(
            "SELECT recipient, max(seq) FROM chatkit_messages WHERE seq > $1 GROUP BY recipient ORDER BY 2", [.integer(cursor.mail)])
        for row in mail.rows {
            news.mailFor.append(try PostgresRows.text(row, 0))
            next.mail = max(next.mail, try PostgresRows.integer(row, 1))
        }
        let forwards = try connection.execute(
            "DELETE FROM chatkit_forwards WHERE to_key = $1 RETURNING seq, nick, packet, from_key", [.bytes(serverKey)])
        // Taken once: a server removes what was left for it as it reads it; oldest first.
        var taken: [(sequence: Int64, nick: String, packet: [UInt8], origin: [UInt8])] = []
        for row in forwards.rows {
            taken.append(
                (try PostgresRows.integer(row, 0), try PostgresRows.text(row, 1), try PostgresRows.bytes(row, 2), try PostgresRows.bytes(row, 3)))
        }
        for entry in taken.sorted(by: { $0.sequence < $1.sequence }) {
            do {
                news.forwards.append(
                    ServerForward(serverKey: serverKey, nick: entry.nick, packet: try Packet(decoding: entry.packet), origin: entry.origin))
            } catch {
                continue  // written by a server of another version: nothing this one can send
            }
        }
        return (news, next)
    }
}
