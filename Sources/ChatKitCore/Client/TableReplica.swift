/// The client's copy of the rows it holds: the whole table, or in on-demand mode its own row and the
/// rows it looked up.
///
/// A row replaces a held one only if it is newer (rows carry the version at which they changed), so
/// deltas and lookup answers may arrive in any order. `version` is what the client acknowledges: every
/// held row is current up to it. A delta moves it forward only if it starts at or before it.
struct TableReplica {
    /// What applying a delta did.
    struct Applied: Equatable {
        /// The table has changed since the last announcement and is now caught up: tell the user.
        var announce: Bool
        /// The replica holds everything the server had when it sent the delta.
        var caughtUp: Bool
    }

    private(set) var rows: [String: TableEntry] = [:]
    private(set) var version: UInt64 = 0
    private(set) var mode: TableMode = .whole
    private var unannounced = false
    /// Rows held from an earlier session: its versions mean nothing now (a restarted server counts from
    /// 1 again), so any row of the new session replaces them, and those the new session does not send
    /// by the time the table is caught up are gone.
    private var fromEarlierSession: Set<String> = []

    subscript(nick: String) -> TableEntry? { rows[nick] }

    /// Starts a new session, which numbers its versions afresh; its first table is always announced,
    /// as the original program announces the table at every registration.
    mutating func reset() {
        version = 0
        unannounced = true
        fromEarlierSession = Set(rows.keys)
    }

    /// Applies one delta for the client `own`.
    mutating func apply(_ delta: TableDelta, own: String) -> Applied {
        if delta.mode != mode {
            mode = delta.mode
            // Too many rows to hold them all: keep only our own; the others are looked up when needed.
            if mode == .onDemand { rows = rows.filter { $0.key == own } }
        }
        for row in delta.entries where learn(row) { unannounced = true }
        if delta.from <= version, delta.to > version { version = delta.to }
        let caughtUp = version >= delta.latest
        if caughtUp, !fromEarlierSession.isEmpty {
            for nick in fromEarlierSession { rows[nick] = nil }
            fromEarlierSession = []
        }
        let announce = caughtUp && unannounced
        if announce { unannounced = false }
        return Applied(announce: announce, caughtUp: caughtUp)
    }

    /// Takes `row` if it is newer than the one held; returns whether anything changed.
    @discardableResult
    mutating func learn(_ row: TableEntry) -> Bool {
        if let held = rows[row.nick], held.version >= row.version, !fromEarlierSession.contains(row.nick) { return false }
        fromEarlierSession.remove(row.nick)
        let changed = rows[row.nick].map { $0.address != row.address || $0.online != row.online } ?? true
        rows[row.nick] = row
        return changed
    }
}
