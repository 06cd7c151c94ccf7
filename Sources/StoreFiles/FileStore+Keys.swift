import ChatKitCore
import Glibc

/// Pinned keys beside the mailboxes: one `<nick>.key` file per nickname (the 32-byte key, then the
/// nickname in UTF-8), each written whole (`PosixFiles.replaceFile`).
extension FileStore {
    /// The suffix of key files.
    static let keySuffix = ".key"

    public func pinnedKeys() throws(StoreError) -> [String: [UInt8]] {
        var keys: [String: [UInt8]] = [:]
        for name in try PosixFiles.fileNames(in: directory) where name.hasSuffix(Self.keySuffix) {
            guard let bytes = try PosixFiles.readFile(directory + "/" + name), bytes.count > 32 else { continue }
            keys[String(decoding: bytes.dropFirst(32), as: UTF8.self)] = Array(bytes.prefix(32))
        }
        return keys
    }

    public func pin(_ key: [UInt8], for nick: String) throws(StoreError) {
        try PosixFiles.replaceFile(try keyPath(for: nick), with: key + Array(nick.utf8))
        try PosixFiles.syncDirectory(directory)
    }

    public func releaseKey(of nick: String) throws(StoreError) {
        try PosixFiles.remove(try keyPath(for: nick))
        try PosixFiles.syncDirectory(directory)
    }

    private func keyPath(for nick: String) throws(StoreError) -> String {
        guard let name = MailboxFileName.encode(nick, suffix: Self.keySuffix) else { throw .unstorableRecipient(nick) }
        return directory + "/" + name
    }
}
