/// Chat acknowledgements held back while a batch of events is handled, so that a burst of chats from
/// one peer is answered with one datagram instead of one per chat.
struct HeldAcks {
    /// The held ids, by peer in the order of their first chat. Kept between batches, with its storage.
    private(set) var peers: [HeldAck] = []
    /// Each peer's place in `peers`, kept only once more peers than `scannedPeers` hold ACKs: a batch
    /// usually holds one or two, found faster by looking than by hashing nicks and addresses.
    private var places: [PeerEndpoint: Int] = [:]
    private static let scannedPeers = 8

    /// Holds the acknowledgement of chat `id` for `peer`.
    mutating func add(_ id: UInt64, for peer: PeerEndpoint) {
        if let place = place(of: peer) {
            peers[place].later.append(id)
            return
        }
        peers.append(HeldAck(peer: peer, first: id))
        guard peers.count > Self.scannedPeers else { return }
        if places.isEmpty {
            for (place, held) in peers.enumerated() { places[held.peer] = place }
        } else {
            places[peer] = peers.count - 1
        }
    }

    private func place(of peer: PeerEndpoint) -> Int? {
        peers.count > Self.scannedPeers ? places[peer] : peers.lastIndex { $0.peer == peer }
    }

    /// Whether nothing is held.
    var isEmpty: Bool { peers.isEmpty }

    /// Forgets every held acknowledgement, keeping the storage for the next batch.
    mutating func removeAll() {
        peers.removeAll(keepingCapacity: true)
        if !places.isEmpty { places.removeAll(keepingCapacity: true) }
    }
}

/// The chats of one peer to acknowledge: the first one's id, and any after it, without an array for the
/// usual single chat.
struct HeldAck {
    var peer: PeerEndpoint
    var first: UInt64
    var later: [UInt64] = []

    /// The one plain `chatAck` (the chat's own id) when a single chat is held, the usual batch; nil for more.
    var single: Packet? { later.isEmpty ? Self.plainAck(first) : nil }

    /// The acknowledgements to send: a plain `chatAck` for one chat, `chatAcks` (with an id from `newID`)
    /// for more, at most `WireLimits.maxAcksPerDatagram` ids each; a single id left over is a plain one.
    func packets(newID: () -> UInt64) -> [Packet] {
        if let single { return [single] }
        let ids = [first] + later
        var packets: [Packet] = []
        var start = 0
        while start < ids.count {
            let end = min(start + WireLimits.maxAcksPerDatagram, ids.count)
            packets.append(end - start == 1 ? Self.plainAck(ids[start]) : Packet(id: newID(), message: .chatAcks(ids: Array(ids[start..<end]))))
            start = end
        }
        return packets
    }

    /// The ACK of one chat: the chat's own id, `chatAck`.
    private static func plainAck(_ id: UInt64) -> Packet { Packet(id: id, message: .chatAck) }
}

/// A peer and the address its chat came from: where its ACK goes, sealed with its session.
struct PeerEndpoint: Hashable {
    var nick: String
    var address: Address
}
