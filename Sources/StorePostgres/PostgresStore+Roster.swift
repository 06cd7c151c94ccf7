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
}
