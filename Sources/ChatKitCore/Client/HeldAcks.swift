/// Chat acknowledgements held back while a batch of events is handled, so that a burst of chats from
/// one peer is answered with one datagram instead of one per chat.
struct HeldAcks {
    /// The held ids, by peer in the order of their first chat.
    private var held: [(peer: PeerEndpoint, ids: [UInt64])] = []
    /// Each peer's place in `held`, kept only once more peers than `scannedPeers` hold ACKs: a batch
    /// usually holds one or two, found faster by looking than by hashing nicks and addresses.
    private var places: [PeerEndpoint: Int] = [:]
    private static let scannedPeers = 8

    /// Holds the acknowledgement of chat `id` for `peer`.
    mutating func add(_ id: UInt64, for peer: PeerEndpoint) {
        if let place = place(of: peer) {
            held[place].ids.append(id)
            return
        }
        held.append((peer, [id]))
        guard held.count > Self.scannedPeers else { return }
        if places.isEmpty {
            for (place, entry) in held.enumerated() { places[entry.peer] = place }
        } else {
            places[peer] = held.count - 1
        }
    }

    private func place(of peer: PeerEndpoint) -> Int? {
        held.count > Self.scannedPeers ? places[peer] : held.lastIndex { $0.peer == peer }
    }

    /// Whether nothing is held.
    var isEmpty: Bool { held.isEmpty }

    /// Every held acknowledgement, by peer in the order of their first chat, and forgets them.
    mutating func takeAll() -> [(peer: PeerEndpoint, ids: [UInt64])] {
        if !places.isEmpty { places = [:] }
        defer { held = [] }
        return held
    }
}

/// A peer and the address its chat came from: where its ACK goes, sealed with its session.
struct PeerEndpoint: Hashable {
    var nick: String
    var address: Address
}
