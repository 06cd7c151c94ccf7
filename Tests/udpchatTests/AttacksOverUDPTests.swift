import ChatKitCore
import ChatKitCrypto
import Foundation
import ChatKitTesting
import Testing
import TransportUDP

/// The identity issue's attacks with the real binary over real UDP on 127.0.0.1: mailbox theft by
/// another key, a look-alike nickname, and a forged registration's reply size.
@Suite("Attacks over real UDP", .serialized)
struct AttacksOverUDPTests {
    @Test("mailbox theft: another key cannot register x and read its mail; a look-alike of x is refused too")
    func theftAndLookalike() throws {
        let folder = try TemporaryFolder()
        let (server, x, y) = try BinaryEndToEndTests.startServerAndClients(in: folder)
        let port = server.printed.first { $0.hasPrefix("server port number: ") }.map { String($0.dropFirst("server port number: ".count)) } ?? ""
        x.type("dereg x")
        #expect(x.waitFor(line: ">>> [You are Offline. Bye.]"))
        #expect(y.waitFor(2, linesContaining: "[Client table updated.]"))
        y.type("send x for x only")
        #expect(y.waitFor(line: ">>> [Messages received by the server and saved.]"))

        let thief = try RunningProcess(["-c", "x", "127.0.0.1", port, "--identity", folder.path + "/thief.key"])
        #expect(thief.waitForExit() == 1)
        #expect(thief.printed.contains(">>> [The server knows <x> by another key; this identity cannot register it.]"))
        #expect(!thief.printed.contains { $0.contains("for x only") })

        let lookalike = try RunningProcess(["-c", "\u{0445}", "127.0.0.1", port])
        #expect(lookalike.waitForExit() == 1)
        #expect(lookalike.printed.contains(">>> [The nickname <\u{0445}> looks like one someone else holds; choose another.]"))

        x.type("reg x")
        #expect(x.waitFor(containing: "> for x only"), "the real x still gets its mail")
        for process in [x, y, server] { process.interrupt() }
        #expect(server.waitForExit() == 0)
    }

    @Test("amplification: a registration from a socket that never answers gets one reply no bigger than itself")
    func forgedRegistration() throws {
        let folder = try TemporaryFolder()
        let port = try BinaryEndToEndTests.freePorts(1)[0]
        let server = try RunningProcess(["-s", String(port), "--data-dir", folder.path])
        #expect(server.waitFor(line: "server port number: \(port)"))
        let socket = try UDPTransport(port: 0, host: "127.0.0.1")
        let replies = Inbox<[UInt8]>()
        socket.startReceiving { replies.append($0.bytes) }
        let key = try IdentityKey.generate()
        let request = try Packet(id: 1, message: .register(nick: "victim", token: 0, proof: IdentityProof(publicKey: key.publicKey))).encoded()
        socket.send(request, to: Address(host: "127.0.0.1", port: port))
        #expect(replies.wait { !$0.isEmpty }, "the challenge")
        // Nothing more may follow: a table or a resend would come within a second (resends start at 500 ms).
        #expect(!replies.wait(timeout: .seconds(1)) { $0.count > 1 })
        let bytesIn = replies.all.reduce(0) { $0 + $1.count }
        #expect(bytesIn <= request.count, "\(bytesIn) bytes back for \(request.count)")
        socket.close()
        server.interrupt()
        #expect(server.waitForExit() == 0)
    }
}
