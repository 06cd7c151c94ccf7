import CUDPBatch
import ChatKitCore
import Foundation
import Glibc
import Synchronization

/// Real UDP sockets, IPv4 and IPv6.
///
/// By default the socket is dual-stack (`::` with IPv6-only off), so one port serves IPv4 and IPv6
/// peers; where IPv6 is unavailable it falls back to IPv4. A reader thread receives with `recvmmsg` into
/// buffers reused for every call and hands each batch to the handler; datagrams over the wire limit are
/// dropped and counted. Batches of sends go out with `sendmmsg`.
public final class UDPTransport: Transport, Sendable {
    /// Counts of what went wrong, for the server's summary and for tests.
    public struct Statistics: Sendable, Equatable {
        /// Sends the kernel refused (unreachable network, bad address, full buffer).
        public var failedSends = 0
        /// Received datagrams over `WireLimits.maxDatagramBytes`, dropped unread.
        public var oversizeDatagrams = 0
    }

    private struct State {
        var closing = false
        var readerRunning = false
        var statistics = Statistics()
    }

    private let socket: Int32
    private let family: Int32
    private let state = Mutex(State())

    /// The address the socket is bound to (the wildcard address unless a host was given).
    public let localAddress: Address

    /// Binds a UDP socket to `port` (0 picks a free one) on `host`, or on every local address if nil.
    public init(port: UInt16, host: String? = nil) throws(TransportError) {
        var lastReason = "no address family available"
        let families: [Int32]
        if let host {
            guard let numeric = SocketAddress.numericHost(host) else { throw .unresolvableHost(host) }
            families = [numeric.contains(":") ? AF_INET6 : AF_INET]
            (socket, family) = try Self.bind(port: port, host: numeric, families: families, lastReason: &lastReason)
        } else {
            families = [AF_INET6, AF_INET]
            (socket, family) = try Self.bind(port: port, host: nil, families: families, lastReason: &lastReason)
        }
        localAddress = Self.boundAddress(of: socket) ?? Address(host: host ?? "::", port: port)
    }

    private static func boundAddress(of socket: Int32) -> Address? {
        var bound = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return result == 0 ? SocketAddress.address(of: bound) : nil
    }

    private static func bind(
        port: UInt16, host: String?, families: [Int32], lastReason: inout String
    ) throws(TransportError) -> (Int32, Int32) {
        for family in families {
            let fd = Glibc.socket(family, Int32(SOCK_DGRAM.rawValue), 0)
            guard fd >= 0 else {
                lastReason = TransportError.systemReason()
                continue
            }
            // Room for bursts: 4 MiB each way (root may exceed the system's default cap).
            var bufferSize: Int32 = 4 << 20
            for option in [SO_RCVBUFFORCE, SO_RCVBUF, SO_SNDBUFFORCE, SO_SNDBUF] {
                setsockopt(fd, SOL_SOCKET, option, &bufferSize, socklen_t(MemoryLayout<Int32>.size))
            }
            if family == AF_INET6 {
                var off: Int32 = 0
                setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &off, socklen_t(MemoryLayout<Int32>.size))
            }
            let wildcard = family == AF_INET6 ? "::" : "0.0.0.0"
            guard var address = SocketAddress.make(Address(host: host ?? wildcard, port: port), family: family) else {
                Glibc.close(fd)
                continue
            }
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.bind(fd, $0, SocketAddress.length(of: family))
                }
            }
            if result == 0 { return (fd, family) }
            let failure = errno  // read before close(), which may change it
            lastReason = TransportError.systemReason(failure)
            Glibc.close(fd)
            if failure == EADDRINUSE || failure == EACCES { break }
        }
        throw .bindFailed(port: port, reason: lastReason)
    }

    /// The host's numeric address, resolving names such as `localhost`; nil when it does not resolve.
    public static func numericHost(_ host: String) -> String? {
        SocketAddress.numericHost(host)
    }

    /// What has gone wrong so far.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    public func send(_ bytes: [UInt8], to destination: Address) {
        guard var address = SocketAddress.make(destination, family: family) else {
            state.withLock { $0.statistics.failedSends += 1 }
            return
        }
        let sent = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(socket, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), $0, SocketAddress.length(of: family))
                }
            }
        }
        if sent < 0 { state.withLock { $0.statistics.failedSends += 1 } }
    }

    /// Sends the datagrams with `sendmmsg`, up to 64 per system call.
    public func send(_ datagrams: [OutgoingDatagram]) {
        if datagrams.count == 1, let only = datagrams.first { return send(only.bytes, to: only.destination) }
        let failed = SendBatch.send(datagrams[...], on: socket, family: family)
        if failed > 0 { state.withLock { $0.statistics.failedSends += failed } }
    }

    public func startReceiving(_ handler: @escaping @Sendable (Datagram) -> Void) {
        startReceivingBatches { batch in batch.forEach(handler) }
    }

    /// Delivers everything readable at each wake-up (up to 64 datagrams) as one batch.
    public func startReceivingBatches(_ handler: @escaping @Sendable ([Datagram]) -> Void) {
        let start = state.withLock { state in
            guard !state.readerRunning, !state.closing else { return false }
            state.readerRunning = true
            return true
        }
        guard start else { return }
        let thread = Thread { [self] in receiveLoop(handler) }
        thread.name = "udp-receive"
        thread.start()
    }

    private static let maxBatch = 64

    /// Blocks in `recvmmsg` until a datagram arrives and takes up to 63 more already waiting, in one
    /// system call. `close` wakes it with `shutdown`.
    private func receiveLoop(_ handler: @Sendable ([Datagram]) -> Void) {
        let slots = ReceiveBatch(capacity: Self.maxBatch)
        var batch: [Datagram] = []
        batch.reserveCapacity(Self.maxBatch)
        while !state.withLock({ $0.closing }) {
            let count = slots.receive(on: socket)
            if state.withLock({ $0.closing }) { break }
            guard count > 0 else { continue }  // EINTR
            var oversize = 0
            for index in 0..<count {
                if slots.isOversize(index) {
                    oversize += 1
                } else if let datagram = slots.datagram(index) {
                    batch.append(datagram)
                }
            }
            if oversize > 0 { state.withLock { $0.statistics.oversizeDatagrams += oversize } }
            if !batch.isEmpty {
                handler(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        Glibc.close(socket)
        state.withLock { $0.readerRunning = false }
    }

    /// True while the reader thread is running; false again soon after `close`.
    public var isReceiving: Bool { state.withLock { $0.readerRunning } }

    /// Stops the reader thread and closes the socket.
    public func close() {
        let (first, readerRunning) = state.withLock { state in
            defer { state.closing = true }
            return (!state.closing, state.readerRunning)
        }
        guard first else { return }
        if readerRunning {
            shutdown(socket, Int32(SHUT_RDWR))  // wakes the reader blocked in recvmmsg; it closes the socket
        } else {
            Glibc.close(socket)
        }
    }
}
