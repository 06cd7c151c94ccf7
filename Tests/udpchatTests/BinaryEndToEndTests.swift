import ChatKitCore
import Foundation
import ChatKitTesting
import Testing
import TransportUDP

/// The real `udpchat` binary over real UDP on 127.0.0.1: a server and two clients.
@Suite("udpchat end to end", .serialized)
struct BinaryEndToEndTests {
    /// Ports the kernel just handed out as free (ephemeral ports are all above 1024).
    static func freePorts(_ count: Int) throws -> [UInt16] {
        let sockets = try (0..<count).map { _ in try UDPTransport(port: 0, host: "127.0.0.1") }
        defer { sockets.forEach { $0.close() } }
        return sockets.map(\.localAddress.port)
    }

    /// A server on files in `folder`, then y, then x, each registered.
    /// A server and two registered clients, y and x (named `xNick` where a test needs a nick no other test
    /// runs at the same time: every test's clients share one data folder, so one x is one person).
    static func startServerAndClients(in folder: TemporaryFolder, xNick: String = "x") throws -> (server: RunningProcess, x: RunningProcess, y: RunningProcess) {
        let ports = try freePorts(3).map(String.init)
        let server = try RunningProcess(["-s", ports[0], "--data-dir", folder.path])
        #expect(server.waitFor(line: "server port number: \(ports[0])"))
        let y = try RunningProcess(["-c", "y", "127.0.0.1", ports[0], ports[2]])
        #expect(y.waitFor(line: ">>> [Welcome, You are registered.]"))
        let x = try RunningProcess(["-c", xNick, "127.0.0.1", ports[0], ports[1]])
        #expect(x.waitFor(line: ">>> [Welcome, You are registered.]") || x.waitFor(line: ">>> [Welcome back, you are re-registered.]"))
        return (server, x, y)
    }

    @Test("a message and its ACK through the real binary, then offline storage and [exiting]")
    func messageAndAck() throws {
        let folder = try TemporaryFolder()
        let (server, x, y) = try Self.startServerAndClients(in: folder)

        // y learns of x; then x sends straight to y.
        #expect(x.waitFor(line: ">>> [Client table updated.]"))
        x.type("send y hello")
        #expect(y.waitFor(line: ">>> x: hello"))
        #expect(x.waitFor(line: ">>> [Message received by <y>.]"))

        // y goes offline; x's message is saved by the server; y comes back and gets it.
        y.type("dereg y")
        #expect(y.waitFor(line: ">>> [You are Offline. Bye.]"))
        #expect(x.waitFor(2, linesContaining: "[Client table updated.]"))
        x.type("send y offline?")
        #expect(x.waitFor(line: ">>> <y> is offline, message sent to server."))
        #expect(x.waitFor(line: ">>> [Messages received by the server and saved.]"))
        y.type("reg y")
        #expect(y.waitFor(line: ">>> [Welcome back, you are re-registered.]"))
        #expect(y.waitFor(line: ">>> [You have messages.]"))
        #expect(y.waitFor(containing: "> offline?"))
        #expect(y.printed.contains { $0.hasPrefix(">>> x: <") && $0.hasSuffix("> offline?") })

        // End of input and Ctrl-C both leave with [exiting] and status 0.
        x.endInput()
        #expect(x.waitForExit() == 0)
        #expect(x.printed.last == "[exiting]")
        y.interrupt()
        #expect(y.waitForExit() == 0)
        #expect(y.printed.last == "[exiting]")
        server.interrupt()
        #expect(server.waitForExit() == 0)
    }

    @Test("five hundred sends piped in at once stream through, each with its own ACK line, and the client exits")
    func pipedInput() throws {
        let folder = try TemporaryFolder()
        let (server, x, y) = try Self.startServerAndClients(in: folder)
        #expect(y.waitFor(2, linesContaining: "[Client table updated.]"))

        // One write, as `udpchat -c … < messages.txt` delivers it, then the end of input.
        x.type((1...500).map { "send y piped \($0)" }.joined(separator: "\n"))
        x.endInput()
        #expect(x.waitForExit(timeout: .seconds(20)) == 0)
        let received = x.printed.filter { $0 == ">>> [Message received by <y>.]" }.count
        let stored = x.printed.filter { $0 == ">>> [Messages received by the server and saved.]" }.count
        #expect(received + stored == 500)
        #expect(y.waitFor(received, linesContaining: "x: piped "))
        y.interrupt()
        server.interrupt()
        #expect(y.waitForExit() == 0)
        #expect(server.waitForExit() == 0)
    }

    @Test("wrong arguments print the usage and exit 64; --help exits 0")
    func usage() throws {
        for arguments in [[], ["-s"], ["-s", "80"], ["-s", "70000"], ["-c", "x", "127.0.0.1"], ["-c", "x", "127.0.0.1", "6000", "80"], ["-c", "a b", "127.0.0.1", "6000", "6001"], ["--bogus"],
            ["-c", "x", "127.0.0.1", "6000", "6001", "--data-dir", "d"], ["-s", "6000", "--keepalive", "5"],
            ["-s", "6000", "--mailbox-limit", "0"], ["-s", "6000", "--data-dir"]] {
            let run = try RunningProcess(arguments)
            #expect(run.waitForExit() == 64, "udpchat \(arguments.joined(separator: " "))")
            #expect(run.printed.contains { $0.hasPrefix("usage: udpchat -s <server-port>") })
        }
        let help = try RunningProcess(["--help"])
        #expect(help.waitForExit() == 0)
        #expect(help.printed.first == "usage: udpchat -s <server-port> [--data-dir <dir>] [--database <uri> [--advertise <host>]] [--log-level quiet|info|debug] [--release-nick <nick>] [limits, below]")
    }

    @Test("a client whose server never answers gives up after 8 s of silence with status 1")
    func serverNotResponding() throws {
        let ports = try Self.freePorts(2).map(String.init)
        let x = try RunningProcess(["-c", "x", "127.0.0.1", ports[0], ports[1]])
        #expect(x.waitForExit() == 1)
        #expect(x.printed == [">>> [Server not responding]", ">>> [Exiting]"])
    }
}
