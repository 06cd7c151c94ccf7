import ChatKitCore
import ChatKitCrypto
import Glibc

/// A client's private key on disk: the 32 raw bytes, in a file only its owner can read (mode 0600),
/// created through a temporary file and a rename the first time it is needed.
public enum IdentityFile {
    /// Where `udpchat` keeps the key of `nick` for `server`, under `directory`.
    public static func path(in directory: String, server: Address, nick: String) -> String? {
        MailboxFileName.encode("\(server.host):\(server.port) \(nick)").map {
            directory + "/" + $0.dropLast(MailboxFileName.suffix.count) + ".key"
        }
    }

    /// The key in `path`, made and saved first if there is none.
    public static func loadOrCreate(_ path: String) throws(StoreError) -> IdentityKey {
        if let bytes = try PosixFiles.readFile(path) {
            guard bytes.count == 32, let key = try? IdentityKey(privateKey: bytes) else {
                throw .ioFailure("\(path) is not a ChatKit key (32 bytes)")
            }
            return key
        }
        let key: IdentityKey
        do {
            key = try IdentityKey.generate()
        } catch {
            throw .ioFailure("\(error)")
        }
        if let slash = path.lastIndex(of: "/") { try PosixFiles.makeDirectories(String(path[..<slash])) }
        let temporary = path + ".tmp"
        let fd = try PosixFiles.openFile(temporary, O_WRONLY | O_CREAT | O_TRUNC)  // mode 0600
        defer { _ = close(fd) }
        try PosixFiles.writeAll(fd, key.privateKey, path: temporary)
        try PosixFiles.sync(fd, path: temporary)
        try PosixFiles.rename(temporary, path)
        return key
    }
}
