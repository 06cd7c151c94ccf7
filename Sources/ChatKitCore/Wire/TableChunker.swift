/// Splits a client table into datagram-sized snapshot parts, so a table of any size can be sent.
public enum TableChunker {
    /// Header, token, version, part, parts and entry count.
    static let chunkOverheadBytes = WireLimits.headerBytes + 8 + 8 + 2 + 2 + 2

    /// Header, token, from and to versions, and entry count.
    static let deltaOverheadBytes = WireLimits.headerBytes + 8 + 8 + 8 + 2

    /// The entries grouped so that each group encodes into one snapshot datagram; at least one (empty) group.
    public static func split(_ entries: [TableEntry]) -> [[TableEntry]] {
        let budget = WireLimits.maxDatagramBytes - chunkOverheadBytes
        var groups: [[TableEntry]] = []
        var current: [TableEntry] = []
        var used = 0
        for entry in entries {
            let size = entry.encodedBytes
            if used + size > budget, !current.isEmpty {
                groups.append(current)
                current = []
                used = 0
            }
            current.append(entry)
            used += size
        }
        if !current.isEmpty || groups.isEmpty { groups.append(current) }
        return groups
    }

    /// The snapshot of `entries` at `version`, addressed to the holder of `token`, one chunk per datagram.
    public static func chunks(of entries: [TableEntry], version: UInt64, token: UInt64) -> [TableChunk] {
        let groups = split(entries)
        let parts = UInt16(clamping: groups.count)
        return groups.prefix(Int(UInt16.max)).enumerated().map { index, group in
            TableChunk(token: token, version: version, part: UInt16(index), parts: parts, entries: group)
        }
    }

    /// The deltas that take a table from version `from` to the last change's version, one datagram each.
    ///
    /// `changes` are (version, row) pairs in version order, all after `from`; each delta covers a
    /// contiguous run of versions, so a client applies them one after another.
    public static func deltas(of changes: [(version: UInt64, entry: TableEntry)], from: UInt64, token: UInt64) -> [TableDelta] {
        let budget = WireLimits.maxDatagramBytes - deltaOverheadBytes
        var deltas: [TableDelta] = []
        var start = from
        var entries: [TableEntry] = []
        var positions: [String: Int] = [:]
        var used = 0
        var last = from
        for (version, entry) in changes {
            if let position = positions[entry.nick] {
                entries[position] = entry  // the same row again within this delta: keep its latest state
            } else {
                if used + entry.encodedBytes > budget, !entries.isEmpty {
                    deltas.append(TableDelta(token: token, from: start, to: last, entries: entries))
                    start = last
                    entries = []
                    positions = [:]
                    used = 0
                }
                positions[entry.nick] = entries.count
                entries.append(entry)
                used += entry.encodedBytes
            }
            last = version
        }
        if !entries.isEmpty { deltas.append(TableDelta(token: token, from: start, to: last, entries: entries)) }
        return deltas
    }
}
