import ChatKitCore

/// The peers' identity keys a client pinned, on disk: one folder per own nick, one file per peer (its
/// 32-byte key, 1 if the user marked it verified or else 0, then the peer's nick in UTF-8), each replaced
/// whole through a rename, so a crash leaves the old pin or the new one.
public struct PinnedKeysFolder: Sendable {
    /// The folder of this nick's pins.
    public let path: String

    /// The pins of `nick` under `directory` (`udpchat`: the user's data folder's `pins`); nil when no
    /// folder name can be made for the nick.
    public init?(in directory: String, nick: String) {
        guard let name = MailboxFileName.encode(nick, suffix: "") else { return nil }
        path = directory + "/" + name
    }

    /// Every pin kept; files that are not pins are skipped (a torn file cannot exist: pins are renamed in).
    public func load() -> [PeerKeyPin] {
        guard let names = try? PosixFiles.fileNames(in: path) else { return [] }
        return names.compactMap { name -> PeerKeyPin? in
            guard name.hasSuffix(".pin"), let bytes = try? PosixFiles.readFile(path + "/" + name),
                bytes.count > 33, let nick = String(validating: bytes[33...], as: UTF8.self)
            else { return nil }
            return PeerKeyPin(nick: nick, publicKey: Array(bytes.prefix(32)), verified: bytes[32] == 1)
        }
    }

    /// Keeps `pin`, replacing the peer's earlier one.
    public func save(_ pin: PeerKeyPin) throws(StoreError) {
        guard let name = MailboxFileName.encode(pin.nick, suffix: ".pin"), pin.publicKey.count == 32 else {
            throw .ioFailure("no pin file can be named for \(pin.nick)")
        }
        try PosixFiles.makeDirectories(path)
        try PosixFiles.replaceFile(path + "/" + name, with: pin.publicKey + [pin.verified ? 1 : 0] + Array(pin.nick.utf8))
    }
}
