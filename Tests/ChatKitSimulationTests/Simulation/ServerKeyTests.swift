import ChatKitCore
import ChatKitCrypto
import ChatKitTesting
import Testing

/// The server's key, pinned by clients at their first welcome: the same server is taken back after a
/// restart, and another one answering at its address stops the client with one clear line.
@Suite("End to end: the server's key")
struct ServerKeyTests {
    @Test("a restarted server with the same key is taken back quietly; the pinned key is kept for the next start")
    func sameServerAfterRestart() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        let kept = sim["x"].console.notices.count
        sim.crashServer()
        sim.startServer()
        sim.run(for: .seconds(12))  // x's keepalive finds the new server, which registers it again
        #expect(!sim["x"].shown.dropFirst(kept).contains { if case .problem = $0 { true } else { false } })
        sim.type("x", "send y still here", settle: .milliseconds(300))
        #expect(sim["y"].shown.last == .chat(from: "x", text: "still here"))
    }

    @Test("another server at the pinned address stops the client: someone else answers there")
    func anotherServerAtTheAddress() throws {
        let sim = OriginalSessionTests.registered(["x"])
        sim.crashServer()
        var impostor = ServerConfig()
        impostor.identity = try IdentityKey(privateKey: [UInt8](repeating: 0x99, count: 32))
        sim.startServer(config: impostor)
        sim.run(for: .seconds(12))
        let warning = Notice.problem(
            "The server at \(sim.serverAddress) answers with another key than the one pinned at your first contact: someone else answers there. Not registering.")
        #expect(sim["x"].shown.contains(warning), "\(sim["x"].shown)")
        #expect(sim["x"].exitStatus == 1)
    }

    @Test("a client started with the server's key pinned takes its welcome; with another key pinned it stops")
    func pinnedAtStart() throws {
        let sim = Simulation()
        sim.startServer()
        let serverKey = sim.server?.serverPublicKey
        let trusting = sim.startClient("x", host: "127.0.0.1", port: 6061) { $0.pinnedServerKey = serverKey }
        sim.run(for: .milliseconds(200))
        #expect(trusting.shown.first == .registered)
        let wary = sim.startClient("y", host: "127.0.0.1", port: 6062) { $0.pinnedServerKey = [UInt8](repeating: 1, count: 32) }
        sim.run(for: .milliseconds(200))
        #expect(wary.exitStatus == 1)
        #expect(wary.shown.first.map { if case .problem = $0 { true } else { false } } == true)
    }
}
