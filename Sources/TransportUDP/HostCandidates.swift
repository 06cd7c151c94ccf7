import ChatKitCore
import Glibc

extension UDPTransport {
    /// This machine's local-network IPv4 addresses (RFC 1918 and the like, not loopback) with the
    /// transport's port: the host candidates a client tells the server, so peers behind the same router
    /// reach it without hairpinning. A transport bound to one address offers only that one.
    public var hostCandidates: [Address] {
        let port = localAddress.port
        if localAddress.host != "::", localAddress.host != "0.0.0.0" {
            return localAddress.isLocalNetwork && !localAddress.host.hasPrefix("127.") ? [localAddress] : []
        }
        var first: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&first) == 0 else { return [] }
        defer { freeifaddrs(first) }
        var candidates: [Address] = []
        var cursor = first
        while let entry = cursor {
            cursor = entry.pointee.ifa_next
            guard let socketAddress = entry.pointee.ifa_addr, Int32(socketAddress.pointee.sa_family) == AF_INET,
                entry.pointee.ifa_flags & UInt32(IFF_UP) != 0, entry.pointee.ifa_flags & UInt32(IFF_LOOPBACK) == 0
            else { continue }
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { raw in
                raw.copyMemory(from: UnsafeRawBufferPointer(start: socketAddress, count: MemoryLayout<sockaddr_in>.size))
            }
            guard let address = SocketAddress.address(of: storage), address.isLocalNetwork else { continue }
            let candidate = Address(host: address.host, port: port)
            if !candidates.contains(candidate) { candidates.append(candidate) }
        }
        return Array(candidates.prefix(Address.maxCandidates))
    }
}
