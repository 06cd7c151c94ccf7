import ChatKitCore
import Glibc

/// Pinned keys beside the mailboxes: one `<nick>.key` file per nickname (the 32-byte key, then the
/// nickname in UTF-8), each written whole (`PosixFiles.replaceFile`). The file's modification time is
/// when the nickname was last used.
extension FileStore {
    /// The suffix of key files.
    static let keySuffix = ".key"

    /// The suffix of prekey files: the nick's latest signed prekey (100 bytes), beside its key file.
    static let prekeySuffix = ".prekey"

    public func pinnedKeys() throws(StoreError) -> [String: PinnedKey] {
        var keys: [String: PinnedKey] = [:]
        for name in try PosixFiles.fileNames(in: directory) where name.hasSuffix(Self.keySuffix) {
            let path = directory + "/" + name
            guard let bytes = try PosixFiles.readFile(path), bytes.count > 32 else { continue }
            let prekeyPath = String(path.dropLast(Self.keySuffix.count)) + Self.prekeySuffix
            let prekey = try PosixFiles.readFile(prekeyPath).flatMap { $0.count == 100 ? $0 : nil }
            keys[String(decoding: bytes.dropFirst(32), as: UTF8.self)] = PinnedKey(
                key: Array(bytes.prefix(32)), lastUsedMicroseconds: PosixFiles.modificationMicroseconds(path) ?? 0, prekey: prekey)
        }
        return keys
    }

    public func keepPrekey(_ prekey: [UInt8], for nick: String) throws(StoreError) {
        try PosixFiles.replaceFile(String(try keyPath(for: nick).dropLast(Self.keySuffix.count)) + Self.prekeySuffix, with: prekey)
    }

    public func touch(_ nick: String, atMicroseconds microseconds: Int64) throws(StoreError) {
        try PosixFiles.setModificationTime(try keyPath(for: nick), microseconds: microseconds)
    }

    public func forget(_ nick: String) throws(StoreError) {
        try remove(Set(try messages(for: nick).map(\.key)), for: nick)
        try releaseKey(of: nick)
    }

    public func pin(_ key: [UInt8], for nick: String) throws(StoreError) {
        try PosixFiles.replaceFile(try keyPath(for: nick), with: key + Array(nick.utf8))
        try PosixFiles.syncDirectory(directory)
    }

    public func releaseKey(of nick: String) throws(StoreError) {
        try PosixFiles.remove(String(try keyPath(for: nick).dropLast(Self.keySuffix.count)) + Self.prekeySuffix)
        try PosixFiles.remove(try keyPath(for: nick))
        try PosixFiles.syncDirectory(directory)
    }

    private func keyPath(for nick: String) throws(StoreError) -> String {
        guard let name = MailboxFileName.encode(nick, suffix: Self.keySuffix) else { throw .unstorableRecipient(nick) }
        return directory + "/" + name
    }
}
