/// Chat acknowledgements held back while a batch of events is handled, so that a burst of chats from
/// one peer is answered with one datagram instead of one per chat.
struct HeldAcks {
    private var peers: [PeerEndpoint] = []
    private var ids: [PeerEndpoint: [UInt64]] = [:]

    /// Holds the acknowledgement of chat `id` for `peer`.
    mutating func add(_ id: UInt64, for peer: PeerEndpoint) {
        if ids[peer] == nil { peers.append(peer) }
        ids[peer, default: []].append(id)
    }

    /// Whether nothing is held.
    var isEmpty: Bool { peers.isEmpty }

    /// Every held acknowledgement, by peer in the order of their first chat, and forgets them (keeping the
    /// storage for the next batch).
    mutating func takeAll() -> [(peer: PeerEndpoint, ids: [UInt64])] {
        defer {
            peers.removeAll(keepingCapacity: true)
            ids.removeAll(keepingCapacity: true)
        }
        return peers.map { ($0, ids[$0] ?? []) }
    }
}

/// A peer and the address its chat came from: where its ACK goes, sealed with its session.
struct PeerEndpoint: Hashable {
    var nick: String
    var address: Address
}
