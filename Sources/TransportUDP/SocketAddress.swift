import ChatKitCore
import Glibc

/// Conversions between `Address` and the socket address structures of IPv4 and IPv6.
enum SocketAddress {
    /// The socket address for `address` on a socket of `family`, or nil if the host is not a numeric
    /// address of that family. On an IPv6 socket, IPv4 addresses become IPv4-mapped IPv6 addresses.
    static func make(_ address: Address, family: Int32) -> sockaddr_storage? {
        var ipv4 = in_addr()
        var ipv6 = in6_addr()
        if family == AF_INET, inet_pton(AF_INET, address.host, &ipv4) == 1 {
            var socketAddress = sockaddr_in()
            socketAddress.sin_family = sa_family_t(AF_INET)
            socketAddress.sin_port = address.port.bigEndian
            socketAddress.sin_addr = ipv4
            return storage(holding: socketAddress)
        }
        guard family == AF_INET6 else { return nil }
        if inet_pton(AF_INET6, address.host, &ipv6) != 1 {
            guard inet_pton(AF_INET, address.host, &ipv4) == 1, inet_pton(AF_INET6, "::ffff:\(address.host)", &ipv6) == 1
            else { return nil }
        }
        var socketAddress = sockaddr_in6()
        socketAddress.sin6_family = sa_family_t(AF_INET6)
        socketAddress.sin6_port = address.port.bigEndian
        socketAddress.sin6_addr = ipv6
        return storage(holding: socketAddress)
    }

    /// A `sockaddr_storage` whose first bytes are `socketAddress`.
    private static func storage<Specific>(holding socketAddress: Specific) -> sockaddr_storage {
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: socketAddress, as: Specific.self) }
        return storage
    }

    /// The `Address` of a socket address; IPv4-mapped IPv6 addresses are shown as plain IPv4.
    static func address(of storage: sockaddr_storage) -> Address? {
        withUnsafeBytes(of: storage) { raw -> Address? in
            switch Int32(storage.ss_family) {
            case AF_INET:
                var socketAddress = raw.load(as: sockaddr_in.self)
                guard let host = text(AF_INET, &socketAddress.sin_addr, length: Int(INET_ADDRSTRLEN)) else { return nil }
                return Address(host: host, port: UInt16(bigEndian: socketAddress.sin_port))
            case AF_INET6:
                var socketAddress = raw.load(as: sockaddr_in6.self)
                guard var host = text(AF_INET6, &socketAddress.sin6_addr, length: Int(INET6_ADDRSTRLEN)) else { return nil }
                if host.hasPrefix("::ffff:"), host.contains(".") { host.removeFirst("::ffff:".count) }
                return Address(host: host, port: UInt16(bigEndian: socketAddress.sin6_port))
            default:
                return nil
            }
        }
    }

    private static func text<Raw>(_ family: Int32, _ raw: inout Raw, length: Int) -> String? {
        var buffer = [CChar](repeating: 0, count: length + 1)
        let ok = buffer.withUnsafeMutableBufferPointer { out in
            withUnsafeBytes(of: &raw) { inet_ntop(family, $0.baseAddress, out.baseAddress, socklen_t(length)) != nil }
        }
        guard ok else { return nil }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The numeric form of `host`: itself when it is already numeric, else the first address it resolves to.
    static func numericHost(_ host: String) -> String? {
        var ipv4 = in_addr()
        var ipv6 = in6_addr()
        if inet_pton(AF_INET, host, &ipv4) == 1 || inet_pton(AF_INET6, host, &ipv6) == 1 { return host }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &results) == 0, let first = results else { return nil }
        defer { freeaddrinfo(results) }
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { raw in
            raw.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        }
        return address(of: storage)?.host
    }

    static func length(of family: Int32) -> socklen_t {
        socklen_t(family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
    }
}
