// Embedding ChatKit: a server and two clients in one program, over Unix-domain sockets.
// Run it with `swift run EmbeddedChat`.
import ChatKitCore
import Foundation
import StoreMemory
import TransportUDP  // for SystemClock
import TransportUnix

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chatkit-\(getpid())").path
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
let serverAddress = Address(host: folder + "/server", port: 0)
let done = DispatchSemaphore(value: 0)

// The server: a transport, a store, a clock, a log. (8 lines)
let server = ServerDriver(
    machine: ServerMachine(), transport: try UnixDatagramTransport(path: serverAddress.host), store: MemoryStore(),
    clock: SystemClock(), log: ScriptedConsole { print("server: \($0)") })
server.start()

/// A client: a nickname, a transport, a console your program drives. (10 lines)
func startClient(_ nick: String) throws -> (driver: ClientDriver, console: ScriptedConsole) {
    let console = ScriptedConsole { line in
        print("\(nick) sees: \(line)")
        if line.contains("[Message received by <bob>.]") { done.signal() }
    }
    let client = ClientDriver(
        machine: ClientMachine(config: ClientConfig(nick: nick, server: serverAddress)),
        transport: try UnixDatagramTransport(path: folder + "/" + nick), console: console, clock: SystemClock(),
        onExit: { _ in })
    client.start()
    return (client, console)
}

let bob = try startClient("bob")
Thread.sleep(forTimeInterval: 0.2)
let alice = try startClient("alice")
Thread.sleep(forTimeInterval: 0.2)
alice.console.type("send bob Hello from an embedded client!")
let delivered = done.wait(timeout: .now() + 5) == .success
withExtendedLifetime((server, bob, alice)) {}
try? FileManager.default.removeItem(atPath: folder)
exit(delivered ? 0 : 1)
