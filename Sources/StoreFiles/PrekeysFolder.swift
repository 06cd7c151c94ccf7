import ChatKitCore
import ChatKitCrypto

/// A client's prekeys on disk: one folder per nick, one file per prekey (its 32-byte private key, then
/// when it was made, 8 bytes big-endian microseconds), mode 0600, each written whole through a rename.
/// At each start the newest is replaced once a week old, and those older than the message expiry plus
/// that week are erased: a key stolen later opens no mail older than that.
public struct PrekeysFolder: Sendable {
    /// How old the newest prekey may be before a new one is made (X3DH's signed prekey, weekly).
    public static let rotateAfterMicroseconds: Int64 = 7 * 86_400 * 1_000_000

    /// The folder of this nick's prekeys.
    public let path: String

    /// The prekeys of `nick` under `directory` (`udpchat`: the data folder's `prekeys`); nil when no
    /// folder name can be made for the nick.
    public init?(in directory: String, nick: String) {
        guard let name = MailboxFileName.encode(nick, suffix: "") else { return nil }
        path = directory + "/" + name
    }

    /// The prekeys to use now, newest first: those kept, less the ones older than `keepFor` (erased from
    /// disk), and a new one first if the newest is a week old or there is none.
    public func current(nowMicroseconds now: Int64, keepForMicroseconds keepFor: Int64) throws(StoreError) -> [Prekey] {
        var kept: [Prekey] = []
        for name in (try? PosixFiles.fileNames(in: path)) ?? [] where name.hasSuffix(".prekey") {
            let file = path + "/" + name
            guard let bytes = try PosixFiles.readFile(file), bytes.count == 40,
                let id = UInt32(name.dropLast(".prekey".count), radix: 16)
            else { continue }
            let created = bytes[32..<40].reduce(Int64(0)) { $0 << 8 | Int64($1) }
            if now - created > keepFor {
                try PosixFiles.remove(file)
            } else {
                kept.append(Prekey(id: id, privateKey: Array(bytes.prefix(32)), createdAtMicroseconds: created))
            }
        }
        kept.sort { $0.createdAtMicroseconds > $1.createdAtMicroseconds }
        if let newest = kept.first, now - newest.createdAtMicroseconds < Self.rotateAfterMicroseconds { return kept }
        let fresh: Prekey
        do {
            let random = try SecureRandom.bytes(36)
            let id = random[32..<36].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            fresh = Prekey(id: kept.contains { $0.id == id } ? id &+ 1 : id, privateKey: Array(random.prefix(32)), createdAtMicroseconds: now)
        } catch {
            throw .ioFailure("\(error)")
        }
        try PosixFiles.makeDirectories(path)
        let created = (0..<8).map { UInt8(truncatingIfNeeded: now >> (56 - 8 * Int64($0))) }
        try PosixFiles.replaceFile(path + "/" + String(fresh.id, radix: 16) + ".prekey", with: fresh.privateKey + created)
        return [fresh] + kept
    }
}
