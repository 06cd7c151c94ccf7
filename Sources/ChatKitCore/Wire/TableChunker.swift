/// Splits table changes into datagram-sized deltas, so a table of any size can be sent.
public enum TableChunker {
    /// Header, token, from, to and latest versions, mode and entry count.
    static let deltaOverheadBytes = WireLimits.headerBytes + 8 + 8 + 8 + 8 + 1 + 2

    /// The deltas that take a holder's table from `from` to `latest`, one datagram each.
    ///
    /// `rows` are the rows changed after `from`, in the order of their versions. Each delta ends at the
    /// version of its last row, and the last one at `latest`, so a client applies them one after another
    /// and a lost one is a gap the next resend fills. No rows but `from < latest` gives one empty delta.
    public static func deltas(
        of rows: [TableEntry], from: UInt64, latest: UInt64, mode: TableMode = .whole, token: UInt64
    ) -> [TableDelta] {
        guard from < latest else { return [] }
        let budget = WireLimits.maxDatagramBytes - deltaOverheadBytes
        var deltas: [TableDelta] = []
        var start = from
        var entries: [TableEntry] = []
        var used = 0
        for row in rows {
            if used + row.encodedBytes > budget, let last = entries.last, last.version > start {
                deltas.append(TableDelta(token: token, from: start, to: last.version, latest: latest, mode: mode, entries: entries))
                start = last.version
                entries = []
                used = 0
            }
            entries.append(row)
            used += row.encodedBytes
        }
        deltas.append(TableDelta(token: token, from: start, to: latest, latest: latest, mode: mode, entries: entries))
        return deltas
    }
}
