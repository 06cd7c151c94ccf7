import ChatKitCrypto

/// A client's signed prekey as the server publishes it in the client's row (X3DH's signed prekey): an
/// X25519 public key, its id, and the identity key's signature over both and the nick. Senders seal
/// stored and relayed messages to it, so the server can read none of them.
public struct PublishedPrekey: Equatable, Hashable, Sendable {
    /// Which of the client's prekeys this is (the client keeps older ones until no message can need them).
    public var id: UInt32
    /// The 32-byte X25519 public key.
    public var publicKey: [UInt8]
    /// The 64-byte Ed25519 signature of `signedBytes(nick:id:publicKey:)` by the client's identity key.
    public var signature: [UInt8]

    /// The encoded size: id, key, signature.
    public static let encodedBytes = 4 + 32 + 64

    /// Makes a published prekey.
    public init(id: UInt32, publicKey: [UInt8], signature: [UInt8]) {
        self.id = id
        self.publicKey = publicKey
        self.signature = signature
    }

    /// The prekey read back from its 100 bytes; nil for anything else.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.encodedBytes else { return nil }
        id = bytes[0..<4].reduce(0) { $0 << 8 | UInt32($1) }
        publicKey = Array(bytes[4..<36])
        signature = Array(bytes[36..<100])
    }

    /// The id big-endian, the key, the signature.
    public var bytes: [UInt8] {
        [UInt8(id >> 24), UInt8(truncatingIfNeeded: id >> 16), UInt8(truncatingIfNeeded: id >> 8), UInt8(truncatingIfNeeded: id)]
            + publicKey + signature
    }

    /// Whether `identityKey` signed this prekey for `nick`.
    public func isValid(nick: String, identityKey: [UInt8]) -> Bool {
        IdentityKey.verify(signature, of: Self.signedBytes(nick: nick, id: id, publicKey: publicKey), publicKey: identityKey)
    }

    /// What the identity key signs: a fixed context, the nick, the id and the key.
    public static func signedBytes(nick: String, id: UInt32, publicKey: [UInt8]) -> [UInt8] {
        Array("chatkit v10 prekey".utf8) + [0] + Array(nick.utf8) + [0]
            + [UInt8(id >> 24), UInt8(truncatingIfNeeded: id >> 16), UInt8(truncatingIfNeeded: id >> 8), UInt8(truncatingIfNeeded: id)]
            + publicKey
    }
}

extension TableEntry {
    /// The extension item type of the signed prekey (version 10).
    static let prekeyItem: UInt8 = 3

    /// The client's signed prekey, from the row's extension block (nil: none, or malformed).
    public var prekey: PublishedPrekey? {
        get { item(Self.prekeyItem).flatMap(PublishedPrekey.init(bytes:)) }
        set { setItem(Self.prekeyItem, newValue?.bytes) }
    }

    /// The row as table deltas and `who` pages carry it: without its prekey, which only a lookup (made
    /// when a message must be sealed) carries, so pushing the table to everyone stays small.
    public var listed: TableEntry {
        guard item(Self.prekeyItem) != nil else { return self }
        var row = self
        row.prekey = nil
        return row
    }
}
