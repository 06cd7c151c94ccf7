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
        /// With an announcement: who came online and who went offline since the last one (not at the
        /// first table of a session, which is everyone).
        var joined: [String] = []
        var left: [String] = []
    }

    private(set) var rows: [String: TableEntry] = [:]
    /// Counts changes to the set of nicknames held (a row added or dropped), so that the machine can tell
    /// when to announce them without keeping a copy of them per client.
    private(set) var nicknamesVersion: UInt64 = 0
    private(set) var version: UInt64 = 0
    private(set) var mode: TableMode = .whole
    /// Whether the replica holds everything the server had at its latest delta of this session.
    private(set) var isCaughtUp = false
    private var unannounced = false
    /// The first table the client ever holds is announced without saying who joined: that would be
    /// everyone. A later session's first table says who joined or left since the rows held before.
    private var firstOfSession = true
    private var joined: Set<String> = []
    private var left: Set<String> = []
    /// When rows went offline while held, so `who` can say when a client was last seen.
    private(set) var offlineSince: [String: Instant] = [:]
    /// Rows held from an earlier session: its versions mean nothing now (a restarted server counts from
    /// 1 again), so any row of the new session replaces them, and those the new session does not send
    /// by the time the table is caught up are gone.
    private var fromEarlierSession: Set<String> = []

    subscript(nick: String) -> TableEntry? { rows[nick] }

    /// Starts a new session, which numbers its versions afresh; its first table is always announced,
    /// as the original program announces the table at every registration. Presence is told against the
    /// rows held before (after a server restart, say: who is gone and who came), unless there were none.
    mutating func reset() {
        version = 0
        isCaughtUp = false
        unannounced = true
        firstOfSession = rows.isEmpty
        fromEarlierSession = Set(rows.keys)
    }

    /// Applies one delta for the client `own`, at time `now`.
    mutating func apply(_ delta: TableDelta, own: String, now: Instant = .zero) -> Applied {
        if delta.mode != mode {
            mode = delta.mode
            // Too many rows to hold them all: keep only our own; the others are looked up when needed.
            if mode == .onDemand {
                let kept = rows.filter { $0.key == own }
                if kept.count != rows.count { nicknamesVersion += 1 }
                rows = kept
            }
        }
        for row in delta.entries where learn(row, now: now, tracksPresence: true) {
            unannounced = true
        }
        if delta.from <= version, delta.to > version { version = delta.to }
        let caughtUp = version >= delta.latest
        isCaughtUp = caughtUp
        if caughtUp, !fromEarlierSession.isEmpty {
            for nick in fromEarlierSession where rows.removeValue(forKey: nick) != nil { nicknamesVersion += 1 }
            fromEarlierSession = []
        }
        let announce = caughtUp && unannounced
        var applied = Applied(announce: announce, caughtUp: caughtUp)
        if announce {
            unannounced = false
            if !firstOfSession {
                applied.joined = joined.subtracting([own]).sorted()
                applied.left = left.subtracting([own]).sorted()
            }
            firstOfSession = false
            joined = []
            left = []
        }
        return applied
    }

    /// Takes `row` if it is newer than the one held; returns whether anything changed. A change that
    /// arrives in a delta (`tracksPresence`) counts towards who joined or left; a looked-up row does not.
    @discardableResult
    mutating func learn(_ row: TableEntry, now: Instant = .zero, tracksPresence: Bool = false) -> Bool {
        if let held = rows[row.nick], held.version >= row.version, !fromEarlierSession.contains(row.nick) { return false }
        fromEarlierSession.remove(row.nick)
        let before = rows[row.nick]
        let changed = before.map { $0.address != row.address || $0.online != row.online } ?? true
        rows[row.nick] = row
        if before == nil { nicknamesVersion += 1 }
        if !tracksPresence {
            if !row.online, before?.online == true { offlineSince[row.nick] = now }
        } else if row.online, before?.online != true {
            joined.insert(row.nick)
            left.remove(row.nick)
            offlineSince[row.nick] = nil
        } else if !row.online, before?.online == true {
            left.insert(row.nick)
            joined.remove(row.nick)
            offlineSince[row.nick] = now
        }
        return changed
    }
}
