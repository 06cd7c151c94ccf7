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
