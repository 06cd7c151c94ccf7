/// The sizes of messages on the wire, for rules that compare what comes in with what goes out.
extension Message {
    /// The bytes of this message's datagram (header included); `Int.max` when it cannot be encoded.
    public var datagramBytes: Int {
        do {
            return try Packet(id: 0, message: self).encoded().count
        } catch {
            return .max
        }
    }

    /// The padding that makes `asker`'s punch request toward `peer` as big as the biggest punch order it
    /// can cause: the asker's nick, the address the server sees (at most an IPv6 text) and `candidates`
    /// (as many as a server keeps by default). The server sends no order bigger than the request.
    public static func punchRequestPadding(asker: String, peer: String, candidates: [Address]) -> Int {
        let observed = Address(host: String(repeating: "f", count: 45), port: 0)
        let order = Message.punchOrder(token: 0, peer: asker, nonce: 0, candidates: [observed] + candidates.prefix(4))
        let request = Message.punchRequest(token: 0, peer: peer, nonce: 0)
        return max(0, order.datagramBytes - request.datagramBytes)
    }
}
