import ChatKitCore

/// One simulated router: the hosts behind it, its public host, and its bindings. A value the network
/// keeps and changes under its lock.
struct NATRouter {
    struct MappingKey: Hashable {
        var inside: Address
        /// The destination, for address-and-port-dependent mapping; nil when the mapping is shared.
        var remote: Address?
    }

    struct Binding {
        var publicPort: UInt16
        /// Every remote the inside host sent to through this binding, and when it last did: as conntrack
        /// does, each remote's way in closes `bindingTimeout` after the last datagram out to it.
        var contacted: [Address: Instant] = [:]
        var lastOutbound: Instant
    }

    let publicHost: String
    let behaviour: NATBehaviour
    private var bindings: [MappingKey: Binding] = [:]
    private var keyByPort: [UInt16: MappingKey] = [:]
    /// Unsolicited datagrams kept as flows (`keepsUnsolicitedFlows`): sender and public port, and when.
    private var unsolicited: [Flow: Instant] = [:]

    struct Flow: Hashable {
        var remote: Address
        var publicPort: UInt16
    }
    private var nextPort: UInt16 = 40_000

    init(publicHost: String, behaviour: NATBehaviour) {
        self.publicHost = publicHost
        self.behaviour = behaviour
    }

    /// Whether something last refreshed at `since` is still alive at `now` (bindings, per-remote ways in
    /// and unsolicited flows all live `bindingTimeout`).
    private func isLive(since: Instant, now: Instant) -> Bool {
        now - since <= behaviour.bindingTimeout
    }

    /// The public address `inside` sends to `remote` from, making or refreshing the binding.
    mutating func outbound(from inside: Address, to remote: Address, now: Instant) -> Address {
        var key = MappingKey(inside: inside, remote: behaviour.mapping == .endpointIndependent ? nil : remote)
        // A flow of its own for this remote, when the shared port clashes with an unsolicited flow from it.
        let own = MappingKey(inside: inside, remote: remote)
        if let binding = bindings[own], isLive(since: binding.lastOutbound, now: now) {
            key = own
        } else if let shared = bindings[key], clashes(remote, shared.publicPort, now: now) {
            key = own
        } else if bindings[key] == nil, clashes(remote, inside.port, now: now) {
            key = own
        }
        if var binding = bindings[key], isLive(since: binding.lastOutbound, now: now) {
            binding.contacted[remote] = now
            binding.lastOutbound = now
            bindings[key] = binding
            return Address(host: publicHost, port: binding.publicPort)
        }
        if let stale = bindings[key] { keyByPort[stale.publicPort] = nil }
        let port = freePort(preferring: key.remote != nil && clashes(remote, inside.port, now: now) ? 0 : inside.port, now: now)
        bindings[key] = Binding(publicPort: port, contacted: [remote: now], lastOutbound: now)
        keyByPort[port] = key
        return Address(host: publicHost, port: port)
    }

    /// Whether sending to `remote` from public port `port` would clash with an unsolicited flow.
    private func clashes(_ remote: Address, _ port: UInt16, now: Instant) -> Bool {
        guard let at = unsolicited[Flow(remote: remote, publicPort: port)] else { return false }
        return isLive(since: at, now: now)
    }

    /// The inside address a datagram from `remote` to public port `port` goes to, if a live binding
    /// exists and its filter lets `remote` in. A datagram turned away is kept as a flow when the router
    /// keeps unsolicited flows.
    mutating func inbound(from remote: Address, toPort port: UInt16, now: Instant) -> Address? {
        let inside = admitted(from: remote, toPort: port, now: now)
        if inside == nil, behaviour.keepsUnsolicitedFlows { unsolicited[Flow(remote: remote, publicPort: port)] = now }
        return inside
    }

    private func admitted(from remote: Address, toPort port: UInt16, now: Instant) -> Address? {
        guard let key = keyByPort[port], let binding = bindings[key], isLive(since: binding.lastOutbound, now: now) else {
            return nil
        }
        switch behaviour.filtering {
        case .endpointIndependent:
            return key.inside
        case .addressDependent:
            return binding.contacted.contains { $0.key.host == remote.host && isLive(since: $0.value, now: now) } ? key.inside : nil
        case .addressAndPortDependent:
            guard let last = binding.contacted[remote], isLive(since: last, now: now) else { return nil }
            return key.inside
        }
    }

    /// The inside port when the router keeps ports and it is free (or its binding expired), else the next
    /// free one from 40000.
    private mutating func freePort(preferring wanted: UInt16, now: Instant) -> UInt16 {
        func isFree(_ port: UInt16) -> Bool {
            guard let key = keyByPort[port], let binding = bindings[key] else { return true }
            return !isLive(since: binding.lastOutbound, now: now)
        }
        if behaviour.preservesPorts, wanted != 0, isFree(wanted) {
            releaseStale(wanted)
            return wanted
        }
        for _ in 0..<25_000 {
            let port = nextPort
            nextPort = nextPort >= 64_999 ? 40_000 : nextPort + 1
            if isFree(port) {
                releaseStale(port)
                return port
            }
        }
        return nextPort
    }

    private mutating func releaseStale(_ port: UInt16) {
        if let key = keyByPort.removeValue(forKey: port) { bindings[key] = nil }
    }
}
