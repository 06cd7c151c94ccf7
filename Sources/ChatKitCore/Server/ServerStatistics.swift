/// How much of each kind of line the server log shows.
public enum LogLevel: String, Comparable, Sendable, CaseIterable {
    /// Nothing but start-up and the summary at exit.
    case quiet
    /// One line per event a person cares about: registrations, saves, refusals, clients marked offline.
    case info
    /// Also every dropped datagram, probe and delivery.
    case debug

    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rank < rhs.rank }
}

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
