import ChatKitCore
import Foundation
import Glibc

/// The floor ChatKit is compared with: plain UDP between two blocking sockets of this process.
enum RawFloor {
    /// A blocking UDP socket bound to an ephemeral port on 127.0.0.1, and that port.
    static func socket() -> (Int32, UInt16) {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        // Room for a whole table snapshot even when one poll loop serves thousands of sockets (as root,
        // beyond the system's default cap).
        var size: Int32 = 8 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    static func send(_ fd: Int32, _ bytes: [UInt8], to port: UInt16) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = bytes.withUnsafeBytes { raw in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, raw.baseAddress, raw.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    /// Round trips of a 40-byte datagram to an echoing socket served by a thread of its own.
    static func pingPong(iterations: Int) -> Samples {
        let (client, _) = socket()
        let (echo, echoPort) = socket()
        let echoThread = Thread {
            var buffer = [UInt8](repeating: 0, count: 2048)
            var source = sockaddr_storage()
            while true {
                var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let count = buffer.withUnsafeMutableBytes { raw in
                    withUnsafeMutablePointer(to: &source) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(echo, raw.baseAddress, raw.count, 0, $0, &length) }
                    }
                }
                if count <= 1 { break }
                _ = buffer.withUnsafeBytes { raw in
                    withUnsafePointer(to: &source) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(echo, raw.baseAddress, count, 0, $0, length) }
                    }
                }
            }
        }
        echoThread.start()
        var samples = Samples()
        var buffer = [UInt8](repeating: 0, count: 2048)
        let payload = [UInt8](repeating: 7, count: 40)
        for index in 0..<(iterations + 200) {
            let start = ContinuousClock.now
            send(client, payload, to: echoPort)
            _ = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if index >= 200 { samples.add(ContinuousClock.now - start) }  // the first 200 warm up
        }
        send(client, [0], to: echoPort)
        close(client)
        return samples
    }

    /// Datagrams per second one socket delivers to another when the sender goes flat out.
    static func oneWayRate(count: Int) -> Double {
        let (sender, _) = socket()
        let (receiver, receiverPort) = socket()
        let received = Waiter()
        let finished = Waiter()
        let receiverThread = Thread {
            var buffer = [UInt8](repeating: 0, count: 2048)
            var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(receiver, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            while buffer.withUnsafeMutableBytes({ recv(receiver, $0.baseAddress, $0.count, 0) }) > 0 {
                received.increment()
            }
            finished.increment()
        }
        receiverThread.start()
        let payload = [UInt8](repeating: 7, count: 40)
        let start = ContinuousClock.now
        for _ in 0..<count { send(sender, payload, to: receiverPort) }
        finished.wait(for: 1)
        let elapsed = ContinuousClock.now - start - .milliseconds(200)
        close(sender)
        close(receiver)
        return Double(received.value) / elapsed.seconds
    }
}

extension RawFloor {
    /// A round trip to a ChatKit server at `port` from socket `fd`: a keepalive from no session,
    /// answered "unknown session". The network's round trip plus one handling by the server.
    static func serverRoundTrip(_ fd: Int32, port: UInt16, id: UInt64) -> Duration? {
        guard let bytes = try? Packet(id: id, message: .keepalive(token: 1, tableVersion: 0)).encoded() else { return nil }
        var buffer = [UInt8](repeating: 0, count: 2048)
        let start = ContinuousClock.now
        send(fd, bytes, to: port)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count > 0 ? ContinuousClock.now - start : nil
    }
}
