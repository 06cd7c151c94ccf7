import ChatKitCore
import Foundation
import ChatKitTesting
import Testing

/// Restarts with the real binary over real UDP: a killed client is welcomed back at once, a second copy
/// of a running client or server stops with one clear line.
@Suite("Restarts over real UDP", .serialized)
struct RestartOverUDPTests {
    @Test("a client killed with SIGKILL and started again on a new port is welcomed back at once, with its stored message")
    func killedClientComesBackAtOnce() throws {
        let folder = try TemporaryFolder()
        // A nick no other test runs meanwhile: a process of the same identity elsewhere makes this no restart.
        let (server, x, y) = try BinaryEndToEndTests.startServerAndClients(in: folder, xNick: "killed")
        let port = server.printed.first { $0.hasPrefix("server port number: ") }.map { String($0.dropFirst("server port number: ".count)) } ?? ""
        #expect(y.waitFor(2, linesContaining: "[Client table updated.]"))
        x.kill()
        #expect(x.waitForExit() != 0)
        y.type("send killed are you back?")
        #expect(y.waitFor(line: ">>> [Messages received by the server and saved.]"))
        let started = ContinuousClock.now
        let again = try RunningProcess(["-c", "killed", "127.0.0.1", port])
        #expect(again.waitFor(containing: "> are you back?", timeout: .seconds(3)))
        let waited = ContinuousClock.now - started
        #expect(waited < .seconds(2), "welcomed and shown its message after \(waited), not after 4 s of probes")
        #expect(again.printed.contains(">>> [Welcome back, you are re-registered.]"))
        for process in [again, y, server] { process.interrupt() }
        #expect(server.waitForExit() == 0)
    }

    @Test("the same person reaches the same server as ::1 after 127.0.0.1: one key per nick, welcomed back, not refused")
    func identityWorksAtAnyAddress() throws {
        let folder = try TemporaryFolder()
        let (server, x, y) = try BinaryEndToEndTests.startServerAndClients(in: folder)
        let port = server.printed.first { $0.hasPrefix("server port number: ") }.map { String($0.dropFirst("server port number: ".count)) } ?? ""
        x.interrupt()
        #expect(x.waitForExit() == 0)
        let again = try RunningProcess(["-c", "x", "::1", port])
        #expect(again.waitFor(line: ">>> [Welcome back, you are re-registered.]", timeout: .seconds(5)), "\(again.printed)")
        #expect(!again.printed.contains { $0.contains("by another key") })
        for process in [again, y, server] { process.interrupt() }
        #expect(server.waitForExit() == 0)
    }

    @Test("a second client for the same server and nick on this host stops at once: x is already running here")
    func secondClientRefused() throws {
        let folder = try TemporaryFolder()
        let (server, x, y) = try BinaryEndToEndTests.startServerAndClients(in: folder)
        let port = server.printed.first { $0.hasPrefix("server port number: ") }.map { String($0.dropFirst("server port number: ".count)) } ?? ""
        let second = try RunningProcess(["-c", "x", "127.0.0.1", port])
        #expect(second.waitForExit() == 1)
        #expect(second.printed == ["udpchat: x is already running here"])
        x.type("send y still me")
        #expect(y.waitFor(line: ">>> x: still me"), "the first x is untouched")
        for process in [x, y, server] { process.interrupt() }
        #expect(server.waitForExit() == 0)
    }

    @Test("a second server on the same data folder exits with status 1 and names the folder and --data-dir")
    func secondServerRefused() throws {
        let folder = try TemporaryFolder()
        let ports = try BinaryEndToEndTests.freePorts(2).map(String.init)
        let first = try RunningProcess(["-s", ports[0], "--data-dir", folder.path])
        #expect(first.waitFor(line: "server port number: \(ports[0])"))
        let second = try RunningProcess(["-s", ports[1], "--data-dir", folder.path])
        #expect(second.waitForExit() == 1)
        #expect(second.printed == ["udpchat: another server is using \(folder.path); stop it, or give this one its own folder with --data-dir"])
        first.interrupt()
        #expect(first.waitForExit() == 0)
        let third = try RunningProcess(["-s", ports[1], "--data-dir", folder.path])
        #expect(third.waitFor(line: "server port number: \(ports[1])"), "the folder is free again once the first has stopped")
        third.interrupt()
        #expect(third.waitForExit() == 0)
    }
}
