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
