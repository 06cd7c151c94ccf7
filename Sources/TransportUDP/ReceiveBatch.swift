import CUDPBatch
import ChatKitCore
import Glibc

/// Room for receiving up to `capacity` datagrams with one `recvmmsg` call, allocated once and reused for
/// every call, so the reader thread allocates nothing per datagram but the datagram's own bytes.
///
/// Owned by the reader thread alone.
final class ReceiveBatch {
    /// Slots of one byte more than the wire limit, so an oversize datagram shows up as too long.
    private static let slotBytes = WireLimits.maxDatagramBytes + 1
    let capacity: Int
    private let payloads: UnsafeMutableRawPointer
    private let vectors: UnsafeMutablePointer<iovec>
    private let sources: UnsafeMutablePointer<sockaddr_storage>
    private let headers: UnsafeMutablePointer<chatkit_mmsghdr>
    /// The last sender seen and its `Address`: peers send many datagrams in a row, and turning a socket
    /// address into text is the costly part of receiving.
    private var lastSource = sockaddr_storage()
    private var lastSourceLength: socklen_t = 0
    private var lastAddress: Address?

    init(capacity: Int) {
        self.capacity = capacity
        payloads = .allocate(byteCount: capacity * Self.slotBytes, alignment: 16)
        vectors = .allocate(capacity: capacity)
        sources = .allocate(capacity: capacity)
        headers = .allocate(capacity: capacity)
        for index in 0..<capacity {
            vectors[index] = iovec(iov_base: payloads + index * Self.slotBytes, iov_len: Self.slotBytes)
            sources[index] = sockaddr_storage()
            headers[index] = chatkit_mmsghdr()
            headers[index].header.msg_iov = vectors + index
            headers[index].header.msg_iovlen = 1
            headers[index].header.msg_name = UnsafeMutableRawPointer(sources + index)
        }
    }

    deinit {
        payloads.deallocate()
        vectors.deallocate()
        sources.deallocate()
        headers.deallocate()
    }

    /// Blocks until a datagram arrives, then takes the others already waiting; returns how many slots were
    /// filled, or -1 with `errno` set (EINTR, or the socket shut down).
    func receive(on socket: Int32) -> Int {
        for index in 0..<capacity {
            headers[index].header.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
            headers[index].header.msg_flags = 0
            headers[index].length = 0
        }
        return Int(chatkit_recvmmsg(socket, headers, UInt32(capacity), chatkit_msg_waitforone))
    }

    /// True when slot `index` holds a datagram over the wire limit (cut short by the kernel).
    func isOversize(_ index: Int) -> Bool {
        Int(headers[index].length) > WireLimits.maxDatagramBytes || headers[index].header.msg_flags & Int32(MSG_TRUNC) != 0
    }

    /// The datagram in slot `index`, or nil if its sender's address cannot be read.
    func datagram(_ index: Int) -> Datagram? {
        guard let source = address(of: index) else { return nil }
        let bytes = [UInt8](UnsafeRawBufferPointer(start: payloads + index * Self.slotBytes, count: Int(headers[index].length)))
        return Datagram(bytes: bytes, source: source)
    }

    private func address(of index: Int) -> Address? {
        let length = headers[index].header.msg_namelen
        if let lastAddress, length == lastSourceLength, memcmp(sources + index, &lastSource, Int(length)) == 0 {
            return lastAddress
        }
        lastAddress = SocketAddress.address(of: sources[index])
        lastSource = sources[index]
        lastSourceLength = length
        return lastAddress
    }
}
