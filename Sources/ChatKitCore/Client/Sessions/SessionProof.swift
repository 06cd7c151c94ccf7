import ChatKitCrypto

/// What each side of a peer handshake carries inside its encrypted payload: its Ed25519 identity key and
/// that key's signature over the nick and the session's X25519 static key. So the Noise handshake, which
/// authenticates static keys, authenticates the person: only the holder of the identity key can sign.
struct SessionProof: Equatable {
    /// The 32-byte Ed25519 identity public key.
    var identityKey: [UInt8]
    /// The 64-byte signature over `signedBytes(nick:staticKey:)`.
    var signature: [UInt8]

    /// The encoded payload: the key, then the signature.
    var bytes: [UInt8] { identityKey + signature }

    /// The proof `identity` gives for using `staticKey` as `nick`.
    static func make(nick: String, staticKey: [UInt8], identity: IdentityKey) throws(CryptoError) -> SessionProof {
        SessionProof(identityKey: identity.publicKey, signature: try identity.sign(signedBytes(nick: nick, staticKey: staticKey)))
    }

    /// A payload read back; nil unless it is exactly a key and a signature.
    init?(decoding payload: [UInt8]) {
        guard payload.count == 96 else { return nil }
        self.init(identityKey: Array(payload[0..<32]), signature: Array(payload[32..<96]))
    }

    init(identityKey: [UInt8], signature: [UInt8]) {
        self.identityKey = identityKey
        self.signature = signature
    }

    /// Whether the signature is the identity key's, for `nick` and the static key the handshake proved.
    func isValid(nick: String, staticKey: [UInt8]) -> Bool {
        IdentityKey.verify(signature, of: Self.signedBytes(nick: nick, staticKey: staticKey), publicKey: identityKey)
    }

    /// What the identity key signs: a fixed context, the nick and the static key.
    static func signedBytes(nick: String, staticKey: [UInt8]) -> [UInt8] {
        Array("chatkit v10 session key".utf8) + [0] + Array(nick.utf8) + [0] + staticKey
    }

    /// The handshake's prologue: both nicks, initiator first, so each side proves whom it meant to reach.
    static func prologue(initiator: String, responder: String) -> [UInt8] {
        Array("chatkit v10 peer session".utf8) + [0] + Array(initiator.utf8) + [0] + Array(responder.utf8)
    }
}
