import ChatKitCore
import ChatKitTesting
import StorePostgres
import Testing

/// The group's roster in PostgreSQL, as two servers' connections see it: who is alive, whose clients are
/// where, and packets left for one server's client.
@Suite("PostgreSQL store: the servers' roster", .enabled(if: PostgresCluster.isAvailable, Comment(rawValue: PostgresCluster.skipNote)))
struct PostgresRosterTests {
    static let (keyA, keyB) = ([UInt8](repeating: 0xA, count: 32), [UInt8](repeating: 0xB, count: 32))

    @Test("servers heard lately are listed; presence and forwards are read once, in order, by the right server")
    func roster() throws {
        let uri = try PostgresCluster.shared.get().uri
        let schema = PostgresCluster.freshSchema()
        let (a, b) = (try PostgresStore(connecting: uri, schema: schema), try PostgresStore(connecting: uri, schema: schema))
        try a.announce(ServerListing(host: "", port: 6000, key: Self.keyA), atMicroseconds: 100)
        try b.announce(ServerListing(host: "", port: 6001, key: Self.keyB), atMicroseconds: 200)
        #expect(try a.servers(heardSinceMicroseconds: 150).map(\.port) == [6001])
        #expect(try a.servers(heardSinceMicroseconds: 0).map(\.port) == [6000, 6001])

        let at = Address(host: "127.0.0.1", port: 7000)
        try a.publish(PresenceRow(nick: "x", address: at, candidates: [Address(host: "10.0.0.7", port: 7000)], online: true, serverKey: Self.keyA))
        // x moved to b; a's later "offline" must not undo b's "online".
        try b.publish(PresenceRow(nick: "x", address: at, online: true, serverKey: Self.keyB))
        try a.publish(PresenceRow(nick: "x", address: at, online: false, serverKey: Self.keyA))
        let order = Packet(id: 9, message: .punchOrder(token: 0, peer: "y", nonce: 7, candidates: [at]))
        try a.forward(ServerForward(serverKey: Self.keyB, nick: "x", packet: order))

        let (first, cursor) = try b.news(after: GroupCursor(), for: Self.keyB)
        #expect(first.presence.last == PresenceRow(nick: "x", address: at, online: true, serverKey: Self.keyB))
        #expect(first.forwards == [ServerForward(serverKey: Self.keyB, nick: "x", packet: order)])
        let (again, _) = try b.news(after: cursor, for: Self.keyB)
        #expect(again == GroupNews(), "read once")
        #expect(try a.news(after: GroupCursor(), for: Self.keyA).news.forwards.isEmpty, "forwards go to their server only")
    }

    @Test("a server watching the group hears of another's commit")
    func watchHearsCommits() throws {
        let uri = try PostgresCluster.shared.get().uri
        let schema = PostgresCluster.freshSchema()
        let (a, b) = (try PostgresStore(connecting: uri, schema: schema), try PostgresStore(connecting: uri, schema: schema))
        let told = Inbox<Bool>()
        try a.watchChanges { told.append(true) }
        try b.publish(PresenceRow(nick: "x", address: Address(host: "127.0.0.1", port: 7000), online: true, serverKey: Self.keyB))
        #expect(told.wait { !$0.isEmpty }, "a heard of b's publish")
    }
}
