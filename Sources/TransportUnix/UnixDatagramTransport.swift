import ChatKitCore
import Foundation
import Glibc
import Synchronization

/// ChatKit over Unix-domain datagram sockets: chat between processes of one machine with no network.
///
/// This module is the example for writing a transport of your own: it uses nothing of ChatKitCore but
/// its public API (`Transport`, `Address`, `Datagram`, `WireLimits`). An address is a socket path in
/// `host`, with port 0. Every endpoint binds a path, so the datagrams it sends can be answered.
public final class UnixDatagramTransport: Transport, Sendable {
    /// Why a Unix-domain socket could not be set up.
    public enum SetupError: Error, Equatable, CustomStringConvertible {
        /// The path does not fit in a socket address (108 bytes on Linux).
        case pathTooLong(String)
        /// The socket could not be created or bound.
        case failed(String)

        public var description: String {
            switch self {
            case .pathTooLong(let path): "socket path too long: \(path)"
            case .failed(let reason): "cannot use Unix socket: \(reason)"
            }
        }
    }

    private let socket: Int32
    private let state = Mutex((closing: false, reading: false))

    /// The socket path this endpoint is bound to.
    public let localAddress: Address

    /// Binds a datagram socket at `path`, replacing a stale socket file left there.
    public init(path: String) throws(SetupError) {
        guard var address = Self.socketAddress(path) else { throw .pathTooLong(path) }
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw .failed(String(cString: strerror(errno))) }
        unlink(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw .failed(reason)
        }
        // A full receiver makes a Unix datagram send wait rather than drop: wait a little (a burst
        // drains quickly), never long (a dead peer must not stall the driver).
        var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var bufferSize: Int32 = 4 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufferSize, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufferSize, socklen_t(MemoryLayout<Int32>.size))
        socket = fd
        localAddress = Address(host: path, port: 0)
    }

    public func send(_ bytes: [UInt8], to destination: Address) {
        guard var address = Self.socketAddress(destination.host) else { return }
        _ = bytes.withUnsafeBytes { raw in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(socket, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL), $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        }
    }

    public func startReceiving(_ handler: @escaping @Sendable (Datagram) -> Void) {
        let start = state.withLock { state in
            guard !state.reading, !state.closing else { return false }
            state.reading = true
            return true
        }
        guard start else { return }
        let thread = Thread { [self] in receiveLoop(handler) }
        thread.name = "unix-receive"
        thread.start()
    }

    private func receiveLoop(_ handler: @Sendable (Datagram) -> Void) {
        var buffer = [UInt8](repeating: 0, count: WireLimits.maxDatagramBytes + 1)
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        while !state.withLock({ $0.closing }) {
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            var source = sockaddr_un()
            var length = socklen_t(MemoryLayout<sockaddr_un>.size)
            let count = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &source) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(socket, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT | MSG_TRUNC), $0, &length)
                    }
                }
            }
            // Oversize datagrams are dropped, like every transport does with them.
            guard count >= 0, count <= WireLimits.maxDatagramBytes else { continue }
            let path = withUnsafeBytes(of: &source.sun_path) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            handler(Datagram(bytes: Array(buffer[0..<count]), source: Address(host: path, port: 0)))
        }
        Glibc.close(socket)
    }

    /// Stops receiving, closes the socket and removes its file.
    public func close() {
        let closeNow = state.withLock { state in
            guard !state.closing else { return false }
            state.closing = true
            return !state.reading
        }
        if closeNow { Glibc.close(socket) }
        unlink(localAddress.host)
    }

    private static func socketAddress(_ path: String) -> sockaddr_un? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        return address
    }
}
