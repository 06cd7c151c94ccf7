/// Splits a client table into datagram-sized snapshot parts, so a table of any size can be sent.
public enum TableChunker {
    /// Header, token, version, part, parts and entry count.
    static let chunkOverheadBytes = WireLimits.headerBytes + 8 + 8 + 2 + 2 + 2

    /// The entries grouped so that each group encodes into one datagram; at least one (empty) group.
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
}
