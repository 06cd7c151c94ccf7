/// What a server has done since it started, for its summary at exit.
public struct ServerStatistics: Equatable, Sendable {
    /// Successful registrations, first or returning.
    public var registrations = 0
    /// Successful deregistrations.
    public var deregistrations = 0
    /// Offline messages stored durably.
    public var messagesStored = 0
    /// Stored messages delivered to their recipient and acknowledged.
    public var messagesDelivered = 0
    /// Chats relayed between clients that could not reach each other directly, and acknowledged.
    public var chatsRelayed = 0
    /// Punch orders sent, to help clients behind NATs reach each other directly.
    public var punchOrders = 0
    /// Datagrams dropped as invalid or unexpected.
    public var datagramsDropped = 0
    /// Packets the machine decided to send that the runtime could not encode (each logged).
    public var encodingFailures = 0

    /// Zero of everything.
    public init() {}
}
