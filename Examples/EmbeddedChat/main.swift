// Embedding ChatKit: a server and two clients in one program, over Unix-domain sockets, with the typed
// API. Commands go in as `ClientCommand` values and notices come out as `Notice` values: no text is typed
// or parsed. Run it with `swift run EmbeddedChat`.
import ChatKitCore
import ChatKitCrypto
import ChatKitRuntime
import Foundation
import StoreMemory
import TransportUnix

// Before anything else uses libcrypto: the drivers' threads may still use it as the program exits.
CryptoLibrary.keepUntilExit()

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chatkit-\(getpid())").path
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
let serverAddress = Address(host: folder + "/server", port: 0)

/// The server's events, printed as they happen; a real program might count them or forward them.
final class PrintedLog: ServerLog {
    func record(_ event: ServerLogEvent) {
        print("server: \(event)")
    }
}

// The server: a transport, a store and a log. It serves until its task is cancelled.
let server = ChatServer(transport: try UnixDatagramTransport(path: serverAddress.host), store: MemoryStore(), log: PrintedLog())
let serving = Task { await server.run() }

// A client: a nickname, the server's address and a transport of its own.
func makeClient(_ nick: String) throws -> ChatClient {
    ChatClient(
        config: ClientConfig(nick: nick, server: serverAddress), transport: try UnixDatagramTransport(path: folder + "/" + nick))
}

/// Reads `nick`'s notices until one satisfies `done`; false if the client exited first.
func readNotices(of nick: String, _ notices: inout AsyncStream<Notice>.Iterator, until done: (Notice) -> Bool) async -> Bool {
    while let notice = await notices.next() {
        print("\(nick) sees: \(notice.text)")
        if done(notice) { return true }
    }
    return false
}

/// Bob and Alice register, Alice sends Bob a message, both leave; true if Bob heard it and Alice knew.
func converse() async throws -> Bool {
    let bob = try makeClient("bob")
    var bobNotices = bob.notices.makeAsyncIterator()
    let bobRuns = Task { await bob.run() }
    _ = await readNotices(of: "bob", &bobNotices) { $0 == .tableUpdated }

    let alice = try makeClient("alice")
    var aliceNotices = alice.notices.makeAsyncIterator()
    let aliceRuns = Task { await alice.run() }
    _ = await readNotices(of: "alice", &aliceNotices) { $0 == .tableUpdated }

    alice.perform(.send(to: "bob", text: "Hello from an embedded client!"))
    let heard = await readNotices(of: "bob", &bobNotices) { $0 == .chat(from: "alice", text: "Hello from an embedded client!") }
    let delivered = await readNotices(of: "alice", &aliceNotices) { $0 == .delivered(to: "bob") }

    alice.perform(.quit)
    bob.perform(.quit)
    print("alice exits with \(await aliceRuns.value), bob with \(await bobRuns.value)")
    // Each client's goodbye is one datagram on its way as it exits: give the server a moment to read
    // them, so the summary counts both as offline.
    for _ in 0..<100 where server.table.contains(where: \.online) { try await Task.sleep(for: .milliseconds(10)) }
    serving.cancel()
    await serving.value
    print(server.summary)
    return heard && delivered
}

let conversed = try await converse()
try? FileManager.default.removeItem(atPath: folder)
exit(conversed ? 0 : 1)
