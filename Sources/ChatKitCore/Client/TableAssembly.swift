/// Collects the parts of one table snapshot until all have arrived.
///
/// Parts of an older version than the one being collected are ignored; a newer version starts over.
struct TableAssembly {
    private var version: UInt64 = 0
    private var parts: UInt16 = 0
    private var received: [UInt16: [TableEntry]] = [:]

    /// Adds a part; returns the whole table when this part completes its snapshot.
    mutating func add(_ chunk: TableChunk) -> [TableEntry]? {
        if chunk.version > version || chunk.parts != parts {
            guard chunk.version >= version else { return nil }
            version = chunk.version
            parts = chunk.parts
            received = [:]
        } else if chunk.version < version {
            return nil
        }
        received[chunk.part] = chunk.entries
        guard received.count == Int(parts) else { return nil }
        let entries = (0..<parts).flatMap { received[$0] ?? [] }
        received = [:]
        return entries
    }
}
