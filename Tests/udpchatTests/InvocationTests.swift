import ChatKitCore
import Testing
@testable import udpchat

@Suite("Command line")
struct InvocationTests {
    @Test("the original program's forms and the long forms mean the same")
    func forms() throws {
        let server = try Invocation(arguments: ["-s", "6000", "--log-level", "debug", "--data-dir", "d"])
        #expect(server == .server(ServerOptions(port: 6000, dataDirectory: "d", mailboxLimit: 1_000, logLevel: .debug)))
        #expect(try Invocation(arguments: ["server", "--port", "6000", "--log-level", "debug", "--data-dir", "d"]) == server)
        let client = try Invocation(arguments: ["-c", "x", "127.0.0.1", "6000", "6061", "--no-color"])
        #expect(client == .client(ClientOptions(nick: "x", serverHost: "127.0.0.1", serverPort: 6000, clientPort: 6061, colors: false)))
        #expect(
            try Invocation(arguments: ["client", "--nick", "x", "--server", "127.0.0.1", "--server-port", "6000", "--port", "6061", "--no-color"])
                == client)
        let anyPort = ClientOptions(nick: "x", serverHost: "h", serverPort: 6000, clientPort: 0)
        #expect(try Invocation(arguments: ["-c", "x", "h", "6000"]) == .client(anyPort), "the client port is optional")
        #expect(try Invocation(arguments: ["-c", "x", "h", "6000", "0"]) == .client(anyPort), "0 means any free port")
        #expect(try Invocation(arguments: ["client", "--nick", "x", "--server", "h", "--server-port", "6000"]) == .client(anyPort))
        #expect(Invocation.defaultDataDirectory.hasSuffix("/udpchat") && Invocation.defaultDataDirectory.hasPrefix("/"),
            "the server's data does not depend on the working directory")
        var plain = anyPort
        plain.timestamps = false
        #expect(try Invocation(arguments: ["-c", "x", "h", "6000", "--no-timestamps"]) == .client(plain))
        let small = try Invocation(arguments: ["-s", "6000", "--whole-table-limit", "0"])
        #expect(small == .server(ServerOptions(port: 6000, wholeTableLimit: 0)))
    }

    @Test("wrong command lines name the problem", arguments: [
        ["server"], ["server", "--port", "80"], ["client", "--nick", "x"], ["-s", "6000", "--log-level", "loud"],
        ["-s", "6000", "--no-color"], ["-c", "x", "h", "6000", "6001", "--log-level", "info"], ["-s", "6000", "--frob"],
        ["-s", "6000", "--whole-table-limit", "-1"], ["-c", "x", "h", "6000", "6001", "--whole-table-limit", "9"],
        ["-s", "6000", "--advertise", "chat.example"], ["-s", "6000", "--database", "postgresql://db/chat", "--advertise", ""],
    ])
    func usageErrors(_ arguments: [String]) {
        #expect(throws: Invocation.UsageError.self) { try Invocation(arguments: arguments) }
    }

    @Test("--database and --advertise reach the server's options")
    func databaseOptions() throws {
        let invocation = try Invocation(arguments: ["-s", "6000", "--database", "postgresql://db/chat", "--advertise", "chat.example"])
        guard case .server(let options) = invocation else {
            Issue.record("not a server: \(invocation)")
            return
        }
        #expect(options.databaseURI == "postgresql://db/chat")
        #expect(options.advertisedHost == "chat.example")
    }
}
