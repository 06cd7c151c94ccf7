/// The server's table of clients: one row per nickname, each stamped with the version at which it last
/// changed, and an index of rows by version so "what changed after v" costs the changes, not the table.
struct Directory {
    private(set) var rows: [String: TableEntry] = [:]
    /// The newest version; every change takes the next one.
    private(set) var latest: UInt64 = 0
    /// (version, nick) in version order. An entry whose row has changed again since is stale and skipped;
    /// stale entries are compacted away when they outnumber the live ones.
    private var byVersion: [(version: UInt64, nick: String)] = []
    /// Every nickname in order, rebuilt lazily for paged listings.
    private var sortedNicks: [String] = []
    private var sortedNicksAreCurrent = true

    var count: Int { rows.count }

    subscript(nick: String) -> TableEntry? { rows[nick] }

    /// Sets `nick`'s row (address and presence) and stamps it with a new version; returns that version.
    @discardableResult
    mutating func set(
        _ nick: String, address: Address, candidates: [Address] = [], identityKey: [UInt8]? = nil, prekey: PublishedPrekey? = nil, online: Bool
    ) -> UInt64 {
        latest += 1
        if rows[nick] == nil { sortedNicksAreCurrent = false }
        var row = TableEntry(nick: nick, address: address, online: online, version: latest)
        if !candidates.isEmpty { row.candidates = candidates }
        if let identityKey { row.identityKey = identityKey }
        if let prekey { row.prekey = prekey }
        rows[nick] = row
        byVersion.append((latest, nick))
        if byVersion.count > 1_024, byVersion.count > 2 * rows.count { compact() }
        return latest
    }

    /// Removes `nick`'s row (the nickname expired). Clients that hold it keep it, offline, until they
    /// ask: the server then answers that nobody has the name.
    mutating func remove(_ nick: String) {
        guard rows.removeValue(forKey: nick) != nil else { return }
        sortedNicksAreCurrent = false
    }

    /// The rows changed after `version`, in version order.
    func changes(after version: UInt64) -> [TableEntry] {
        var low = 0
        var high = byVersion.count
        while low < high {
            let middle = (low + high) / 2
            if byVersion[middle].version <= version { low = middle + 1 } else { high = middle }
        }
        var result: [TableEntry] = []
        for (stamp, nick) in byVersion[low...] {
            if let row = rows[nick], row.version == stamp { result.append(row) }
        }
        return result
    }

    /// Up to `limit` rows whose nicknames start with `prefix` and sort after `after`, in nickname order,
    /// and whether more follow.
    mutating func page(prefix: String, after: String, limit: Int) -> (rows: [TableEntry], more: Bool) {
        if !sortedNicksAreCurrent {
            sortedNicks = rows.keys.sorted()
            sortedNicksAreCurrent = true
        }
        var low = 0
        var high = sortedNicks.count
        while low < high {
            let middle = (low + high) / 2
            if sortedNicks[middle] < prefix || (!after.isEmpty && sortedNicks[middle] <= after) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        var result: [TableEntry] = []
        var index = low
        while index < sortedNicks.count, sortedNicks[index].hasPrefix(prefix) {
            if result.count == limit { return (result, true) }
            if let row = rows[sortedNicks[index]] { result.append(row) }
            index += 1
        }
        return (result, false)
    }

    private mutating func compact() {
        byVersion.removeAll { rows[$0.nick]?.version != $0.version }
    }
}
