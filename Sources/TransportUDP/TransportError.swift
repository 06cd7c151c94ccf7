import Glibc

/// Why a UDP transport could not be set up.
public enum TransportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The socket could not be created.
    case socketFailed(String)
    /// The port could not be bound (in use, or not allowed).
    case bindFailed(port: UInt16, reason: String)
    /// The host is neither a numeric address nor a name that resolves.
    case unresolvableHost(String)

    public var description: String {
        switch self {
        case .socketFailed(let reason): "cannot create a UDP socket: \(reason)"
        case .bindFailed(let port, let reason): "cannot use UDP port \(port): \(reason)"
        case .unresolvableHost(let host): "cannot resolve host \(host)"
        }
    }

    static func systemReason(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }
}
