/// Where a datagram comes from or goes to, as a transport understands it.
///
/// For UDP `host` is a numeric IPv4 or IPv6 address; the loopback network uses any name. Addresses
/// travel on the wire inside client tables, so they are plain text plus a port, not socket structures.
public struct Address: Hashable, Sendable, CustomStringConvertible {
    /// A numeric IP address, or a transport-specific name.
    public var host: String
    /// The port; transports without ports use 0.
    public var port: UInt16

    /// Makes an address from a host and port.
    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// `127.0.0.1:6000`, `[::1]:6000` for IPv6, or just the path for a Unix-domain socket.
    public var description: String {
        if port == 0, host.hasPrefix("/") { return host }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

extension Array where Element == Address {
    /// The addresses in order, each once (a peer's addresses may name one twice: its observed address
    /// and a candidate, or a candidate repeated).
    var distinct: [Address] {
        reduce(into: []) { list, address in
            if !list.contains(address) { list.append(address) }
        }
    }
}
