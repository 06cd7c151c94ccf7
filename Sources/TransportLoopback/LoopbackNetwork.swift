import ChatKitCore
import Synchronization

/// An in-memory datagram network on a virtual clock, for deterministic tests.
///
/// Each delivery is a timer on the clock, so nothing arrives until the test advances time, and a
/// handler is never called from inside `send`. Datagrams that reach one endpoint at the same instant
/// arrive as one batch, as a real socket's reader would take them. Faults come from a seeded
/// `FaultPlan`, from an interceptor that decides the fate of chosen datagrams, and from taking hosts
/// down and up.
public final class LoopbackNetwork: Sendable {
    /// Counts of what happened to datagrams.
    public struct Statistics: Sendable, Equatable {
        public var sent = 0
        public var delivered = 0
        public var dropped = 0
        public var duplicated = 0
    }

    private struct State {
        var endpoints: [Address: LoopbackTransport] = [:]
        var down: Set<String> = []
        var partitions: [Set<String>] = []
        var faults = FaultPlan()
        var random: RandomSource
        var statistics = Statistics()
        var interceptor: (@Sendable (LoopbackPacket) -> DatagramFate)?
        /// Datagrams on their way, by where and when they arrive, with the host that sent each.
        var arriving: [Arrival: [(packet: LoopbackPacket, senderHost: String)]] = [:]
        /// Routers by public host, and the router each inside host sits behind.
        var routers: [String: NATRouter] = [:]
        var routerOfHost: [String: String] = [:]
    }

    private struct Arrival: Hashable {
        var destination: Address
        var at: Instant
    }

    /// The clock deliveries are scheduled on.
    public let clock: any DriverClock
    private let state: Mutex<State>

    /// A network on `clock` whose random faults come from `seed`.
    public init(clock: any DriverClock, seed: UInt64 = 1) {
        self.clock = clock
        self.state = Mutex(State(random: .seeded(seed)))
    }

    /// The random faults applied from now on.
    public var faults: FaultPlan {
        get { state.withLock { $0.faults } }
        set { state.withLock { $0.faults = newValue } }
    }

    /// A hook that decides the fate of each datagram before the fault plan does; nil removes it.
    public func intercept(_ interceptor: (@Sendable (LoopbackPacket) -> DatagramFate)?) {
        state.withLock { $0.interceptor = interceptor }
    }

    /// What has happened to datagrams so far.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Binds a new endpoint at `address`, replacing any endpoint bound there before.
    public func bind(_ address: Address) -> LoopbackTransport {
        let transport = LoopbackTransport(network: self, address: address)
        state.withLock { $0.endpoints[address] = transport }
        return transport
    }

    /// Takes a host (every port of it) off the network, or puts it back: datagrams to or from a host
    /// that is down are lost, as if it had crashed or lost its link.
    public func setHost(_ host: String, up: Bool) {
        state.withLock { state in
            if up { state.down.remove(host) } else { state.down.insert(host) }
        }
    }

    /// Splits the network: hosts in different groups cannot reach each other. An empty list heals it.
    public func partition(_ groups: [Set<String>]) {
        state.withLock { $0.partitions = groups }
    }

    /// Puts `insideHosts` behind a router whose public host is `publicHost`: datagrams they send to hosts
    /// outside leave from `publicHost` at a port the router chooses, and datagrams to `publicHost` reach
    /// them only as `behaviour` allows. Hosts behind one router reach each other directly; their private
    /// addresses are unreachable from anywhere else.
    public func addRouter(publicHost: String, insideHosts: Set<String>, behaviour: NATBehaviour) {
        state.withLock { state in
            state.routers[publicHost] = NATRouter(publicHost: publicHost, behaviour: behaviour)
            for host in insideHosts { state.routerOfHost[host] = publicHost }
        }
    }

    /// Where a datagram from `source` to `destination` really goes through the routers on its way: its
    /// source as the receiver sees it and the inside address it reaches; nil when a router drops it.
    private static func translate(
        _ source: Address, _ destination: Address, in state: inout State, now: Instant
    ) -> (source: Address, destination: Address)? {
        let sourceRouter = state.routerOfHost[source.host]
        let destinationRouter = state.routerOfHost[destination.host]
        if let sourceRouter, sourceRouter == destinationRouter { return (source, destination) }  // one LAN
        if destinationRouter != nil { return nil }  // a private address behind another router
        var from = source
        if let sourceRouter, var router = state.routers[sourceRouter] {
            if destination.host == sourceRouter, !router.behaviour.hairpinning { return nil }
            from = router.outbound(from: source, to: destination, now: now)
            state.routers[sourceRouter] = router
        }
        guard var router = state.routers[destination.host] else { return (from, destination) }
        let inside = router.inbound(from: from, toPort: destination.port, now: now)
        state.routers[destination.host] = router
        guard let inside else { return nil }
        return (from, inside)
    }

    func unbind(_ transport: LoopbackTransport) {
        state.withLock { state in
            if state.endpoints[transport.localAddress] === transport {
                state.endpoints[transport.localAddress] = nil
            }
        }
    }

    /// Sends a datagram that claims to come from `source`, bound or not: a forged datagram, as an
    /// attacker on the path could send. It meets the same faults and delays as any other.
    public func inject(_ bytes: [UInt8], from source: Address, to destination: Address) {
        route(bytes, from: source, to: destination)
    }

    func route(_ bytes: [UInt8], from source: Address, to destination: Address) {
        let sent = LoopbackPacket(source: source, destination: destination, bytes: bytes)
        let interceptor = state.withLock { $0.interceptor }
        let fate = interceptor?(sent) ?? .normal
        let now = clock.now
        let (delays, packet): ([Duration], LoopbackPacket) = state.withLock { state in
            state.statistics.sent += 1
            guard let (from, to) = Self.translate(source, destination, in: &state, now: now) else {
                state.statistics.dropped += 1
                return ([], sent)
            }
            let packet = LoopbackPacket(source: from, destination: to, bytes: bytes)
            // Like a real transport, nothing over the wire limit is delivered.
            if fate == .drop || bytes.count > WireLimits.maxDatagramBytes || !Self.canReach(source.host, to.host, in: state) {
                state.statistics.dropped += 1
                return ([], packet)
            }
            var copies = 1
            switch fate {
            case .copies(let count): copies = max(0, count)
            case .normal:
                if Self.chance(state.faults.lossRate, &state.random) {
                    state.statistics.dropped += 1
                    return ([], packet)
                }
                if Self.chance(state.faults.duplicateRate, &state.random) { copies = 2 }
            case .drop, .delay: break
            }
            if copies > 1 { state.statistics.duplicated += copies - 1 }
            let extra: Duration = if case .delay(let delay) = fate { delay } else { .zero }
            let delays = (0..<copies).map { _ in
                state.faults.latency + extra + Self.randomDelay(upTo: state.faults.jitter, &state.random)
            }
            return (delays, packet)
        }
        for delay in delays {
            let arrival = Arrival(destination: packet.destination, at: now + delay)
            let first = state.withLock { state in
                defer { state.arriving[arrival, default: []].append((packet, source.host)) }
                return state.arriving[arrival] == nil
            }
            if first {
                _ = clock.schedule(at: arrival.at) { [weak self] in self?.deliver(arrival) }
            }
        }
    }

    private func deliver(_ arrival: Arrival) {
        let (endpoint, datagrams): (LoopbackTransport?, [Datagram]) = state.withLock { state in
            let packets = state.arriving.removeValue(forKey: arrival) ?? []
            let endpoint = state.endpoints[arrival.destination]
            var datagrams: [Datagram] = []
            for (packet, senderHost) in packets {
                if endpoint != nil, Self.canReach(senderHost, arrival.destination.host, in: state) {
                    datagrams.append(Datagram(bytes: packet.bytes, source: packet.source))
                } else {
                    state.statistics.dropped += 1
                }
            }
            guard let endpoint, !datagrams.isEmpty else { return (nil, []) }
            state.statistics.delivered += datagrams.count
            return (endpoint, datagrams)
        }
        endpoint?.receive(datagrams)
    }

    private static func canReach(_ source: String, _ destination: String, in state: State) -> Bool {
        if state.down.contains(source) || state.down.contains(destination) { return false }
        if state.partitions.isEmpty { return true }
        return state.partitions.contains { $0.contains(source) && $0.contains(destination) }
    }

    private static func chance(_ probability: Double, _ random: inout RandomSource) -> Bool {
        guard probability > 0 else { return false }
        return Double(random.next() >> 11) / Double(1 << 53) < probability
    }

    private static func randomDelay(upTo limit: Duration, _ random: inout RandomSource) -> Duration {
        let nanoseconds = limit.wholeNanoseconds
        guard nanoseconds > 0 else { return .zero }
        return .nanoseconds(Int64(random.next() % UInt64(nanoseconds + 1)))
    }
}
