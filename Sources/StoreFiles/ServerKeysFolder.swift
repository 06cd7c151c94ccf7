import ChatKitCore

/// The servers' keys a client pinned, on disk: one file per server address (its 32-byte Ed25519 key),
/// replaced whole through a rename. The key pinned at an address is the one its next welcomes must carry.
public struct ServerKeysFolder: Sendable {
    /// The folder (`udpchat`: the user's data folder's `servers`).
    public let path: String

    /// The pins under `directory`.
    public init(in directory: String) { path = directory }

    /// The key pinned for `server`, if any (a file that is not 32 bytes is none).
    public func key(for server: Address) -> [UInt8]? {
        guard let name = MailboxFileName.encode("\(server.host):\(server.port)", suffix: ".key"),
            let bytes = try? PosixFiles.readFile(path + "/" + name), bytes.count == 32
        else { return nil }
        return bytes
    }

    /// The other servers of `server`'s group, as kept from its last list (none if nothing readable).
    public func group(of server: Address) -> [ServerListing] {
        guard let name = MailboxFileName.encode("\(server.host):\(server.port)", suffix: ".group"),
            let bytes = try? PosixFiles.readFile(path + "/" + name)
        else { return [] }
        return ServerListing.list(from: bytes) ?? []
    }

    /// Keeps the other servers of `server`'s group, for a start when `server` is down.
    public func saveGroup(_ group: [ServerListing], of server: Address) throws(StoreError) {
        guard let name = MailboxFileName.encode("\(server.host):\(server.port)", suffix: ".group") else {
            throw .ioFailure("no group file can be named for the server at \(server)")
        }
        try PosixFiles.makeDirectories(path)
        try PosixFiles.replaceFile(path + "/" + name, with: ServerListing.bytes(of: group))
    }

    /// Pins `key` for `server`.
    public func save(_ key: [UInt8], for server: Address) throws(StoreError) {
        guard let name = MailboxFileName.encode("\(server.host):\(server.port)", suffix: ".key"), key.count == 32 else {
            throw .ioFailure("no key file can be named for the server at \(server)")
        }
        try PosixFiles.makeDirectories(path)
        try PosixFiles.replaceFile(path + "/" + name, with: key)
    }
}
