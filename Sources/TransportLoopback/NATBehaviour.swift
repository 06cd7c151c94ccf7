/// How a simulated router translates and filters, in RFC 4787's terms: the classic NAT behaviours a
/// chat client meets at home, at work and on mobile networks.
public struct NATBehaviour: Sendable, Equatable {
    /// Which outbound datagrams share one public port.
    public enum Mapping: Sendable, Equatable {
        /// One public port per inside address, whatever the destination (most home routers).
        case endpointIndependent
        /// A new public port per destination address and port: a symmetric NAT.
        case addressAndPortDependent
    }

    /// Which inbound datagrams a binding lets in.
    public enum Filtering: Sendable, Equatable {
        /// Anyone's ("full cone").
        case endpointIndependent
        /// Those from an address the inside host has sent to ("restricted cone").
        case addressDependent
        /// Those from an address and port the inside host has sent to ("port-restricted"; Linux masquerade).
        case addressAndPortDependent
    }

    /// Which outbound datagrams share a public port.
    public var mapping: Mapping
    /// Which inbound datagrams are let in.
    public var filtering: Filtering
    /// Whether an inside host can reach another inside host at the router's public address.
    public var hairpinning: Bool
    /// How long a binding lives without outbound traffic.
    public var bindingTimeout: Duration
    /// Whether the public port is the inside port when it is free (Linux masquerade keeps ports).
    public var preservesPorts: Bool
    /// Whether an unsolicited datagram from outside is kept as a flow (Linux conntrack on a router with
    /// no wan input filter): an inside host that then sends to that sender from the same port clashes
    /// with it, and its datagrams leave from another port.
    public var keepsUnsolicitedFlows: Bool

    /// Makes a behaviour.
    public init(
        mapping: Mapping, filtering: Filtering, hairpinning: Bool = false, bindingTimeout: Duration = .seconds(30),
        preservesPorts: Bool = true, keepsUnsolicitedFlows: Bool = false
    ) {
        self.mapping = mapping
        self.filtering = filtering
        self.hairpinning = hairpinning
        self.bindingTimeout = bindingTimeout
        self.preservesPorts = preservesPorts
        self.keepsUnsolicitedFlows = keepsUnsolicitedFlows
    }

    /// A home router as Linux masquerade is: port-preserving, endpoint-independent mapping,
    /// address-and-port-dependent filtering, no hairpinning, 30 s bindings.
    public static let homeRouter = NATBehaviour(mapping: .endpointIndependent, filtering: .addressAndPortDependent)
    /// Linux masquerade with no input filter on the wan: unsolicited datagrams become conntrack flows, so
    /// a punch toward a peer whose datagram arrived first leaves from another port (found by
    /// IntegrationTests/nat-test.sh).
    public static let masqueradeWithoutInputFilter = NATBehaviour(
        mapping: .endpointIndependent, filtering: .addressAndPortDependent, keepsUnsolicitedFlows: true)
    /// A full-cone router: anyone may send to a binding once it exists.
    public static let fullCone = NATBehaviour(mapping: .endpointIndependent, filtering: .endpointIndependent)
    /// A restricted-cone router: those the inside host sent to, on any port.
    public static let restrictedCone = NATBehaviour(mapping: .endpointIndependent, filtering: .addressDependent)
    /// A symmetric NAT (carrier-grade and some corporate routers): a new random port per destination.
    public static let symmetric = NATBehaviour(
        mapping: .addressAndPortDependent, filtering: .addressAndPortDependent, preservesPorts: false)
}
