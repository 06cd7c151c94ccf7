import ChatKitCore
import ChatKitTesting
import Foundation
import StoreFiles
import Testing
import TransportUDP

/// End-to-end sealing with the real binary over real UDP on 127.0.0.1: a process on a departed peer's
/// port, a chat forged in the clear from that peer's own address, and a stored message changed on the
/// server's disk.
extension AttacksOverUDPTests {
    /// A server and clients y then x, on ports of their own; returns them with the ports used.
    static func serverXY(in folder: TemporaryFolder) throws -> (server: RunningProcess, x: RunningProcess, y: RunningProcess, ports: [UInt16]) {
        let ports = try BinaryEndToEndTests.freePorts(3)
        let server = try RunningProcess(["-s", String(ports[0]), "--data-dir", folder.path])
        #expect(server.waitFor(line: "server port number: \(ports[0])"))
        let y = try RunningProcess(["-c", "y", "127.0.0.1", String(ports[0]), String(ports[2])])
        #expect(y.waitFor(line: ">>> [Welcome, You are registered.]"))
        let x = try RunningProcess(["-c", "x", "127.0.0.1", String(ports[0]), String(ports[1])])
        #expect(x.waitFor(line: ">>> [Welcome, You are registered.]"))
        #expect(x.waitFor(line: ">>> [Client table updated.]"))
        return (server, x, y, ports)
    }

    static func contains(_ bytes: [UInt8], _ text: String) -> Bool {
        Data(bytes).range(of: Data(text.utf8)) != nil
    }

    @Test("a process on y's freed port reads nothing of x's chats, and what it sends as y is shown by nobody")
    func squatterOverUDP() throws {
        let folder = try TemporaryFolder()
        let (server, x, y, ports) = try Self.serverXY(in: folder)
        x.type("send y hello")
        #expect(y.waitFor(line: ">>> x: hello"))
        #expect(x.waitFor(line: ">>> [Message received by <y>.]"))
        y.kill()  // gone without a word: the server still has y online at its port
        _ = y.waitForExit()

        let squatter = try UDPTransport(port: ports[2], host: "127.0.0.1")
        let overheard = Inbox<[UInt8]>()
        squatter.startReceiving { overheard.append($0.bytes) }
        x.type("send y the words after you left")
        #expect(x.waitFor(line: ">>> [No ACK from <y>, message sent to server.]"), "\(x.printed)")
        #expect(overheard.wait { !$0.isEmpty }, "x and the server still send to y's old port")
        #expect(!overheard.all.contains { Self.contains($0, "the words after you left") }, "only sealed bytes reach it")

        // From y's own address: a chat in the clear, then everything it overheard, replayed.
        let xAddress = Address(host: "127.0.0.1", port: ports[1])
        let forged = try Packet(id: 77, message: .chat(from: "y", text: "I am y, believe me")).encoded()
        squatter.send(forged, to: xAddress)
        for bytes in overheard.all { squatter.send(bytes, to: xAddress) }
        #expect(!x.waitFor(containing: "believe me", timeout: .seconds(1)))
        #expect(!x.printed.contains { $0.hasPrefix(">>> y: ") && !$0.hasSuffix("y: hello") })
        squatter.close()
        for process in [x, server] { process.interrupt() }
        #expect(server.waitForExit() == 0)
    }

    @Test("a stored message changed on the server's disk is not shown as y's: x is told in one line")
    func mailboxChangedOnDisk() throws {
        let folder = try TemporaryFolder()
        let (server, x, y, ports) = try Self.serverXY(in: folder)
        x.type("dereg x")
        #expect(x.waitFor(line: ">>> [You are Offline. Bye.]"))
        #expect(y.waitFor(2, linesContaining: "[Client table updated.]"))
        y.type("send x kept for you")
        #expect(y.waitFor(line: ">>> [Messages received by the server and saved.]"))
        server.interrupt()
        #expect(server.waitForExit() == 0)

        // The operator reads the mailbox (only a letter) and changes one character of it.
        let store = try FileStore(directory: folder.path)
        let stored = try store.messages(for: "x")
        #expect(stored.count == 1)
        #expect(!stored.contains { $0.text.contains("kept for you") }, "the disk holds only ciphertext")
        var changed = try #require(stored.first)
        var characters = Array(changed.text)
        characters[characters.count / 2] = characters[characters.count / 2] == "A" ? "B" : "A"
        changed.text = String(characters)
        try store.remove([changed.key], for: "x")
        _ = try store.save([changed], limits: MailboxLimits(perRecipient: 10))

        let again = try RunningProcess(["-s", String(ports[0]), "--data-dir", folder.path])
        #expect(again.waitFor(line: "server port number: \(ports[0])"))
        x.type("reg x")
        #expect(x.waitFor(line: ">>> [A message said to be from <y> does not prove it came from them; it is not shown.]"))
        #expect(!x.printed.contains { $0.contains("kept for you") })
        for process in [x, y, again] { process.interrupt() }
        #expect(again.waitForExit() == 0)
    }
}
