import ChatKitCore
import ChatKitCrypto
import Glibc

/// A client's private key on disk: the 32 raw bytes, in a file only its owner can read (mode 0600),
/// created through a temporary file and a rename the first time it is needed.
public enum IdentityFile {
    /// Where `udpchat` keeps the key of `nick`, under `directory`: one per person and nickname, so the same
    /// identity registers whatever address or port the server is reached by.
    public static func path(in directory: String, nick: String) -> String? {
        MailboxFileName.encode(nick, suffix: ".key").map { directory + "/" + $0 }
    }

    /// The key files an older `udpchat` kept for `nick`, one per server address, under `directory`: the
    /// one for `server` first (the key that server pinned), then the others, sorted.
    public static func legacyPaths(in directory: String, server: Address, nick: String) -> [String] {
        guard let own = MailboxFileName.encode(server: server, nick: nick, suffix: ".key"),
            let tail = MailboxFileName.encode(" " + nick, suffix: ".key"),
            let names = try? PosixFiles.fileNames(in: directory)
        else { return [] }
        let others = names.filter { $0 != own && $0.hasSuffix(tail) && $0.count > tail.count }.sorted()
        return ((names.contains(own) ? [own] : []) + others).map { directory + "/" + $0 }
    }

    /// The key in `path`, made and saved first if there is none. The first time, the key an older
    /// `udpchat` kept in the first of `legacy` is adopted (copied, mode 0600), so a nick pinned with it
    /// keeps working.
    public static func loadOrCreate(_ path: String, migratingFrom legacy: [String] = []) throws(StoreError) -> IdentityKey {
        if let key = try load(path) { return key }
        for old in legacy {
            guard let key = try load(old) else { continue }
            try save(key, to: path)
            return key
        }
        let key: IdentityKey
        do {
            key = try IdentityKey.generate()
        } catch {
            throw .ioFailure("\(error)")
        }
        try save(key, to: path)
        return key
    }

    /// The key in `path`; nil when there is no such file.
    private static func load(_ path: String) throws(StoreError) -> IdentityKey? {
        guard let bytes = try PosixFiles.readFile(path) else { return nil }
        guard bytes.count == 32, let key = try? IdentityKey(privateKey: bytes) else {
            throw .ioFailure("\(path) is not a ChatKit key (32 bytes)")
        }
        return key
    }

    private static func save(_ key: IdentityKey, to path: String) throws(StoreError) {
        if let slash = path.lastIndex(of: "/") { try PosixFiles.makeDirectories(String(path[..<slash])) }
        try PosixFiles.replaceFile(path, with: key.privateKey)  // mode 0600
    }
}
