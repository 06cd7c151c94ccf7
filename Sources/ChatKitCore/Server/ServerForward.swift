/// A packet one server of a group asks another to send to one of its clients, with that client's token
/// filled in there: a punch order or a relayed chat for a client of another server, or a relayed chat's
/// acknowledgement going back to the server that relayed it.
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
