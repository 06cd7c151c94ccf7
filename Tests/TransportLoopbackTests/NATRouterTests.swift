import ChatKitCore
import Testing
@testable import TransportLoopback

/// The simulated routers behind the loopback network's NAT faults.
@Suite("NAT router")
struct NATRouterTests {
    static let t0 = Instant.zero

    @Test("a router: port-preserving, filtered per remote and per port, bindings time out, symmetric maps per destination")
    func natRouter() {
        let inside = Address(host: "10.1.0.2", port: 6061)
        let server = Address(host: "198.51.100.1", port: 6000)
        let peer = Address(host: "203.0.113.2", port: 6062)
        var home = NATRouter(publicHost: "203.0.113.1", behaviour: .homeRouter)
        #expect(home.outbound(from: inside, to: server, now: Self.t0) == Address(host: "203.0.113.1", port: 6061))
        #expect(home.inbound(from: server, toPort: 6061, now: Self.t0) == inside)
        #expect(home.inbound(from: peer, toPort: 6061, now: Self.t0) == nil, "not contacted")
        #expect(home.inbound(from: server, toPort: 6061, now: Self.t0 + .seconds(31)) == nil, "timed out")
        var symmetric = NATRouter(publicHost: "203.0.113.3", behaviour: .symmetric)
        let first = symmetric.outbound(from: inside, to: server, now: Self.t0)
        let second = symmetric.outbound(from: inside, to: peer, now: Self.t0)
        #expect(first.port != second.port && first.port != inside.port)
    }
}
