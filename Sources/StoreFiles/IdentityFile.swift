import ChatKitCore
import ChatKitCrypto
import Glibc

/// A client's private key on disk: the 32 raw bytes, in a file only its owner can read (mode 0600),
/// created through a temporary file and a rename the first time it is needed.
public enum IdentityFile {
    /// Where `udpchat` keeps the key of `nick` for `server`, under `directory`.
    public static func path(in directory: String, server: Address, nick: String) -> String? {
        MailboxFileName.encode(server: server, nick: nick, suffix: ".key").map { directory + "/" + $0 }
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
        try PosixFiles.replaceFile(path, with: key.privateKey)  // mode 0600
        return key
    }
}
