import CUDPBatch
import ChatKitCore
import Glibc

/// Sends datagrams that are ready together with as few `sendmmsg` calls as possible.
enum SendBatch {
    /// At most this many datagrams per call (the kernel takes up to 1,024).
    static let maxPerCall = 64

    /// Sends `datagrams` on `socket` in order; returns how many the kernel refused.
    static func send(_ datagrams: ArraySlice<OutgoingDatagram>, on socket: Int32, family: Int32) -> Int {
        var failed = 0
        var start = datagrams.startIndex
        while start < datagrams.endIndex {
            let end = min(start + maxPerCall, datagrams.endIndex)
            failed += sendChunk(datagrams[start..<end], on: socket, family: family)
            start = end
        }
        return failed
    }

    /// One call's worth: the payloads copied into one buffer, addresses converted once per destination.
    private static func sendChunk(_ chunk: ArraySlice<OutgoingDatagram>, on socket: Int32, family: Int32) -> Int {
        let count = chunk.count
        let payloadBytes = chunk.reduce(0) { $0 + $1.bytes.count }
        let payloads = UnsafeMutableRawPointer.allocate(byteCount: max(payloadBytes, 1), alignment: 16)
        let vectors = UnsafeMutablePointer<iovec>.allocate(capacity: count)
        let destinations = UnsafeMutablePointer<sockaddr_storage>.allocate(capacity: count)
        let headers = UnsafeMutablePointer<chatkit_mmsghdr>.allocate(capacity: count)
        defer {
            payloads.deallocate()
            vectors.deallocate()
            destinations.deallocate()
            headers.deallocate()
        }
        var failed = 0
        var filled = 0
        var offset = 0
        var lastDestination: (address: Address, socket: sockaddr_storage)?
        for datagram in chunk {
            let socketAddress: sockaddr_storage
            if let last = lastDestination, last.address == datagram.destination {
                socketAddress = last.socket
            } else if let made = SocketAddress.make(datagram.destination, family: family) {
                socketAddress = made
                lastDestination = (datagram.destination, made)
            } else {
                failed += 1
                continue
            }
            datagram.bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(start: payloads + offset, count: $0.count).copyMemory(from: $0) }
            vectors[filled] = iovec(iov_base: payloads + offset, iov_len: datagram.bytes.count)
            destinations[filled] = socketAddress
            headers[filled] = chatkit_mmsghdr()
            headers[filled].header.msg_name = UnsafeMutableRawPointer(destinations + filled)
            headers[filled].header.msg_namelen = SocketAddress.length(of: family)
            headers[filled].header.msg_iov = vectors + filled
            headers[filled].header.msg_iovlen = 1
            offset += datagram.bytes.count
            filled += 1
        }
        var sent = 0
        while sent < filled {
            let result = chatkit_sendmmsg(socket, headers + sent, UInt32(filled - sent), Int32(MSG_NOSIGNAL))
            if result > 0 {
                sent += Int(result)
            } else if result < 0, errno == EINTR {
                continue
            } else {
                failed += 1  // the first unsent datagram is the one refused; go on with the rest
                sent += 1
            }
        }
        return failed
    }
}
