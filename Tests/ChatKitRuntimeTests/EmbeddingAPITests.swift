import ChatKitCore
import ChatKitRuntime
import ChatKitTesting
import StoreMemory
import Testing
import TransportUDP

/// The typed embedding API (`ChatServer`, `ChatClient`): one conversation, run in memory on the loopback
/// network and live on real UDP, as Hummingbird runs one test body both ways.
@Suite("Embedding API")
struct EmbeddingAPITests {
    /// Where a conversation runs: how to make the server's and clients' transports, and the clock.
    struct World: Sendable {
        var clock: any DriverClock
        var serverTransport: @Sendable () throws -> (any Transport, Address)
        var clientTransport: @Sendable (String) throws -> any Transport
    }

    static func inMemory() -> (World, VirtualClock) {
        let clock = VirtualClock()
        let network = LoopbackNetwork(clock: clock)
        let server = Address(host: "server", port: 6000)
        let world = World(
            clock: clock, serverTransport: { (network.bind(server), server) },
            clientTransport: { nick in network.bind(Address(host: "host-\(nick)", port: 6061)) })
        return (world, clock)
    }

    static func live() -> World {
        World(
            clock: SystemClock(),
            serverTransport: {
                let transport = try UDPTransport(port: 0, host: "127.0.0.1")
                return (transport, Address(host: "127.0.0.1", port: transport.localAddress.port))
            },
            clientTransport: { _ in try UDPTransport(port: 0, host: "127.0.0.1") })
    }

    /// Bob and Alice register; Alice sends Bob a message; Bob quits, Alice is cancelled; the server is
    /// cancelled. Every step is a typed command or notice.
    static func conversation(in world: World) async throws {
        let (serverTransport, serverAddress) = try world.serverTransport()
        let log = RecordingServerLog()
        let server = ChatServer(transport: serverTransport, store: MemoryStore(), clock: world.clock, log: log)
        let serving = Task { await server.run() }
        func client(_ nick: String) throws -> ChatClient {
            ChatClient(config: ClientConfig(nick: nick, server: serverAddress), transport: try world.clientTransport(nick), clock: world.clock)
        }
        let bob = try client("bob")
        var bobNotices = bob.notices.makeAsyncIterator()
        let bobRuns = Task { await bob.run() }
        #expect(await bobNotices.next() == .connecting(to: serverAddress))
        #expect(await bobNotices.next() == .registered)
        #expect(await bobNotices.next() == .tableUpdated)
        let alice = try client("alice")
        var aliceNotices = alice.notices.makeAsyncIterator()
        let aliceRuns = Task { await alice.run() }
        #expect(await aliceNotices.next() == .connecting(to: serverAddress))
        #expect(await aliceNotices.next() == .registered)
        #expect(await aliceNotices.next() == .tableUpdated)
        #expect(await bobNotices.next() == .tableUpdated)
        #expect(await bobNotices.next() == .presence(joined: ["alice"], left: []), "an embedder gets the terminal's notices too")

        alice.perform(.send(to: "bob", text: "hi"))
        #expect(await bobNotices.next() == .chat(from: "alice", text: "hi"))
        #expect(await aliceNotices.next() == .delivered(to: "bob"))
        #expect(alice.table.map(\.nick) == ["alice", "bob"])

        bob.perform(.quit)
        #expect(await bobNotices.next() == .exiting)
        #expect(await bobNotices.next() == nil, "the stream ends when the client exits")
        #expect(await bobRuns.value == 0)
        aliceRuns.cancel()
        #expect(await aliceRuns.value == 0, "cancelling stops the client as Ctrl-C would")
        serving.cancel()
        await serving.value
        let registered = log.events.filter { if case .registered = $0 { true } else { false } }
        #expect(registered.count == 2, "the log's events are typed: no line is parsed")
    }

    @Test("in memory: the loopback network, with the virtual clock moved along meanwhile")
    func inMemoryConversation() async throws {
        let (world, clock) = Self.inMemory()
        let pump = Task.detached {
            while !Task.isCancelled {
                clock.advance(by: .milliseconds(1))
                await Task.yield()
            }
        }
        defer { pump.cancel() }
        try await Self.conversation(in: world)
    }

    @Test("live: real UDP on 127.0.0.1 with the system clock")
    func liveConversation() async throws {
        try await Self.conversation(in: Self.live())
    }
}
