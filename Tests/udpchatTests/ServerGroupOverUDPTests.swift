import ChatKitTesting
import Foundation
import Testing

/// Three real `udpchat` servers on one throwaway PostgreSQL database, and real clients, over UDP on
/// 127.0.0.1: clients of two servers chatting, a server killed with SIGKILL in mid-conversation, its clients moving on, mail it saved
/// delivered once through another, a nick pinned at one server refused at another, and the killed
/// server joining again. Skipped, with one line, where no PostgreSQL can be started.
@Suite(
    "Several servers over UDP, one PostgreSQL", .serialized,
    .enabled(if: PostgresCluster.isAvailable, Comment(rawValue: PostgresCluster.skipNote)))
struct ServerGroupOverUDPTests {
    @Test("chats across servers; a SIGKILL in mid-conversation: clients move on, saved mail is delivered once, a live nick is kept, the server joins again")
    func killOneOfThree() throws {
        let database = try PostgresCluster.shared.get().freshDatabase()
        let ports = try BinaryEndToEndTests.freePorts(7).map(String.init)
        let folders = try (0..<3).map { _ in try TemporaryFolder() }
        func startServer(_ index: Int) throws -> RunningProcess {
            let server = try RunningProcess(["-s", ports[index], "--data-dir", folders[index].path, "--database", database])
            #expect(server.waitFor(line: "server port number: \(ports[index])"))
            return server
        }
        var servers = try (0..<3).map(startServer)
        // Quick keepalives, so an idle client notices the silence within seconds.
        let x = try RunningProcess(["-c", "x", "127.0.0.1", ports[0], ports[3], "--keepalive", "1"])
        #expect(x.waitFor(line: ">>> [Welcome, You are registered.]"))
        let y = try RunningProcess(["-c", "y", "127.0.0.1", ports[0], ports[4], "--keepalive", "1"])
        #expect(y.waitFor(line: ">>> [Welcome, You are registered.]"))
        #expect(servers[0].waitFor(containing: "2 other server(s) share the database"))
        // z registers at the second server; x, at the first, sees it within an announce and chats with it.
        let z = try RunningProcess(["-c", "z", "127.0.0.1", ports[1], ports[6], "--keepalive", "1"])
        #expect(z.waitFor(line: ">>> [Welcome, You are registered.]"))
        #expect(x.waitFor(3, linesContaining: "[Client table updated.]"))
        x.type("send z across the servers")
        #expect(z.waitFor(line: ">>> x: across the servers"))
        #expect(x.waitFor(line: ">>> [Message received by <z>.]"))

        // A conversation at the first server, then a message it saves for y, offline.
        x.type("send y hello")
        #expect(y.waitFor(line: ">>> x: hello"))
        #expect(x.waitFor(line: ">>> [Message received by <y>.]"))
        y.type("dereg y")
        #expect(y.waitFor(line: ">>> [You are Offline. Bye.]"))
        #expect(x.waitFor(4, linesContaining: "[Client table updated.]"))
        x.type("send y kept by the first server")
        #expect(x.waitFor(line: ">>> [Messages received by the server and saved.]"))

        // SIGKILL: y, coming back, finds it silent and registers at the next server (the roster lists them
        // by port), with its mail.
        servers[0].kill()
        y.type("reg y")
        let moves = [1, 2].map { ">>> [Server not responding; now using 127.0.0.1:\(ports[$0]).]" }
        #expect(y.waitFor(containing: "[Server not responding; now using 127.0.0.1:", timeout: .seconds(20)), "\(y.printed)")
        let next = moves.firstIndex { y.printed.contains($0) }.map { $0 + 1 } ?? 1
        #expect(y.waitFor(line: ">>> [Welcome back, you are re-registered.]"))
        #expect(y.waitFor(containing: "> kept by the first server"))
        // x, idle, notices the silence through its keepalives and moves to the same one.
        #expect(x.waitFor(line: moves[next - 1], timeout: .seconds(20)), "\(x.printed)")
        x.type("send y on the next server")
        #expect(y.waitFor(line: ">>> x: on the next server"))
        #expect(y.printed.filter { $0.hasSuffix("> kept by the first server") }.count == 1)

        // A second process of x (the same key) at the other server waits while x's own server probes x,
        // and is refused: x answers.
        let other = 3 - next
        let second = try RunningProcess(["-c", "x", "127.0.0.1", ports[other], ports[5]])
        #expect(second.waitFor(line: ">>> [The nickname <x> is already in use by another online client.]"), "\(second.printed)")
        #expect(second.waitForExit() == 1)

        // x's nick is pinned in the database: another key cannot take it at the other server.
        let otherKey = folders[other].path + "/another.key"
        let taker = try RunningProcess(["-c", "x", "127.0.0.1", ports[other], ports[5], "--identity", otherKey])
        #expect(taker.waitFor(line: ">>> [The server knows <x> by another key; this identity cannot register it.]"))
        #expect(taker.waitForExit() == 1)

        // The killed server starts again on its data and the database, and serves.
        servers[0] = try startServer(0)
        #expect(servers[0].waitFor(containing: "2 other server(s) share the database"))
        let w = try RunningProcess(["-c", "w", "127.0.0.1", ports[0], ports[5]])
        #expect(w.waitFor(line: ">>> [Welcome, You are registered.]"))

        for client in [x, y, z, w] { client.interrupt() }
        for client in [x, y, z, w] { #expect(client.waitForExit() == 0, "\(client.printed.suffix(6))") }
        for server in servers {
            server.interrupt()
            #expect(server.waitForExit() == 0)
        }
        withExtendedLifetime(folders) {}
    }

    @Test("a database that cannot be reached, or a URI that is not one, is one clear line and exit status 1")
    func unreachableDatabase() throws {
        let folder = try TemporaryFolder()
        let port = String(try BinaryEndToEndTests.freePorts(1)[0])
        for uri in ["postgresql://nobody@127.0.0.1:1/nothing", "not a uri at all"] {
            let server = try RunningProcess(["-s", port, "--data-dir", folder.path, "--database", uri])
            #expect(server.waitForExit() == 1, "\(server.printed)")
            #expect(server.printed.count == 1 && server.printed.first?.hasPrefix("udpchat: storage failed: PostgreSQL: ") == true, "\(server.printed)")
        }
    }
}
