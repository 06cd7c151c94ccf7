/// Where a client of another server of the group is: its row as that server publishes it in the shared
/// store, so every server's clients see it (and chat with it directly).
public struct PresenceRow: Equatable, Sendable {
    /// The client's nickname.
    public var nick: String
    /// The address its server sees it at.
    public var address: Address
    /// Its host candidates, for peers behind the same router.
    public var candidates: [Address]
    /// Whether it is online there.
    public var online: Bool
    /// The key of the server it is registered at: a row of a server no longer heard counts as offline.
    public var serverKey: [UInt8]

    /// Makes a presence row.
    public init(nick: String, address: Address, candidates: [Address] = [], online: Bool, serverKey: [UInt8]) {
        self.nick = nick
        self.address = address
        self.candidates = candidates
        self.online = online
        self.serverKey = serverKey
    }
}

/// A packet one server of a group asks another to send to one of its clients, with that client's token
/// filled in there (a punch order for a client of another server).
public struct ServerForward: Equatable, Sendable {
    /// The key of the server the client is registered at.
    public var serverKey: [UInt8]
    /// The client to send it to (for a relay's acknowledgement coming back: the client that showed it).
    public var nick: String
    /// The packet, its token left 0 for the receiving server to fill.
    public var packet: Packet
    /// The key of the server that left it, which hears of a relayed chat's acknowledgement.
    public var origin: [UInt8]

    /// Makes a forward.
    public init(serverKey: [UInt8], nick: String, packet: Packet, origin: [UInt8] = []) {
        self.serverKey = serverKey
        self.nick = nick
        self.packet = packet
        self.origin = origin
    }
}

/// What a server read from the group's store since it last asked: the rows that changed, the
/// recipients for whom mail was stored (by any server), and the packets other servers forwarded to it.
public struct GroupNews: Equatable, Sendable {
    /// Presence rows changed since the last read, oldest first.
    public var presence: [PresenceRow]
    /// Nicknames with new stored mail since the last read.
    public var mailFor: [String]
    /// Packets for this server's clients, oldest first.
    public var forwards: [ServerForward]

    /// Makes the news.
    public init(presence: [PresenceRow] = [], mailFor: [String] = [], forwards: [ServerForward] = []) {
        self.presence = presence
        self.mailFor = mailFor
        self.forwards = forwards
    }
}
