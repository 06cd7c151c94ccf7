import ChatKitCore
import ChatKitTesting
import Testing

/// A user's new process on the same host, whose lock was free, takes its nick back at once; anyone
/// else still waits for the holder's probes.
@Suite("Restarts: the same host's new process is welcomed at once")
struct RestartRulesTests {
    static let old = Address(host: "10.0.0.1", port: 6061)
    static let restartedHere = Address(host: "10.0.0.1", port: 40_123)
    static let elsewhere = Address(host: "10.0.0.9", port: 6061)

    static func outcome(_ replies: [(Packet, Address)]) -> RegisterOutcome? {
        for (packet, _) in replies {
            if case .registerReply(let outcome, _, _, _) = packet.message { return outcome }
        }
        return nil
    }

    @Test("restarted on the same host: welcomed back at once, at the new port, with no probe of the dead session")
    func sameHostAtOnce() {
        var server = ServerHarness()
        _ = server.register("x", at: Self.old, id: 1)
        let replies = server.asks(for: "x", id: 2, from: Self.restartedHere, restarted: true)
        #expect(Self.outcome(replies) == .reRegistered)
        #expect(!replies.contains { if case .probe = $0.0.message { true } else { false } })
        #expect(server.machine.tableByNick["x"]?.address == Self.restartedHere)
    }

    @Test("without the flag, or from another host, the holder is probed first")
    func otherwiseProbed() {
        for (address, restarted) in [(Self.restartedHere, false), (Self.elsewhere, true)] {
            var server = ServerHarness()
            _ = server.register("x", at: Self.old, id: 1)
            let replies = server.asks(for: "x", id: 2, from: address, restarted: restarted)
            #expect(Self.outcome(replies) == .checking, "\(address) restarted \(restarted)")
            #expect(replies.contains { if case .probe = $0.0.message { $0.1 == Self.old } else { false } })
            #expect(server.machine.tableByNick["x"]?.address == Self.old)
        }
    }

    @Test("the flag gives nothing without the key: another key from the same host is refused")
    func needsTheKey() {
        var server = ServerHarness()
        _ = server.register("x", at: Self.old, id: 1)
        server.keys["x"] = nil  // a different key
        #expect(Self.outcome(server.asks(for: "x", id: 2, from: Self.restartedHere, restarted: true)) == .keyMismatch)
        #expect(server.machine.tableByNick["x"]?.address == Self.old)
    }
}
