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
    /// Datagrams dropped as invalid or unexpected.
    public var datagramsDropped = 0

    /// Zero of everything.
    public init() {}
}
