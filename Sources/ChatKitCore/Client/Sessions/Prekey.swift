import ChatKitCrypto

/// One of the client's signed prekeys, private half included: the newest is published in the client's
/// row, and letters sealed to any kept one can be opened. Dropping an old one (after the message
/// expiry) is what makes a key stolen later open no old mail.
public struct Prekey: Equatable, Sendable {
    /// The prekey's id, as letters name it.
    public var id: UInt32
    /// The 32-byte X25519 private key.
    public let privateKey: [UInt8]
    /// When it was made, in microseconds since 1970 (UTC): for rotation and erasure.
    public var createdAtMicroseconds: Int64
    /// The key pair, made once: every letter opened with this prekey uses it.
    private let pair: X25519Key?

    /// Makes a prekey.
    public init(id: UInt32, privateKey: [UInt8], createdAtMicroseconds: Int64) {
        self.id = id
        self.privateKey = privateKey
        self.createdAtMicroseconds = createdAtMicroseconds
        pair = try? X25519Key(privateKey: privateKey)
    }

    /// The key pair.
    public func keyPair() throws(CryptoError) -> X25519Key {
        if let pair { return pair }
        return try X25519Key(privateKey: privateKey)
    }

    /// The prekey as the row publishes it, signed by `identity` for `nick`.
    public func published(nick: String, identity: IdentityKey) throws(CryptoError) -> PublishedPrekey {
        let publicKey = try keyPair().publicKey
        let signature = try identity.sign(PublishedPrekey.signedBytes(nick: nick, id: id, publicKey: publicKey))
        return PublishedPrekey(id: id, publicKey: publicKey, signature: signature)
    }
}
