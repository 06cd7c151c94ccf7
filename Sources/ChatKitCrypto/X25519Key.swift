import CCrypto

/// An X25519 key pair (RFC 7748) from libcrypto: the Diffie-Hellman half of a peer session, both the
/// per-process static key and each handshake's ephemeral one. The private key is 32 raw bytes.
public struct X25519Key: Sendable, Equatable {
    /// The 32-byte private key.
    public let privateKey: [UInt8]
    /// The 32-byte public key.
    public let publicKey: [UInt8]
    /// libcrypto's key object, made once: each agreement then costs one scalar multiplication, not two.
    private let key: PKey

    /// The key pair of 32 private bytes (from a random source; any 32 bytes are a valid key).
    public init(privateKey: [UInt8]) throws(CryptoError) {
        guard privateKey.count == 32 else { throw CryptoError("an X25519 private key has 32 bytes, not \(privateKey.count)") }
        key = try PKey(privateKey: privateKey, type: EVP_PKEY_X25519)
        self.privateKey = privateKey
        self.publicKey = try key.publicKey()
    }

    /// Two key pairs are equal when their keys are.
    public static func == (lhs: X25519Key, rhs: X25519Key) -> Bool {
        lhs.privateKey == rhs.privateKey && lhs.publicKey == rhs.publicKey
    }

    /// The shared secret with `peerPublicKey`. Fails for a malformed key or one of small order (an
    /// all-zero result), which libcrypto refuses, so a forged key cannot force a known secret.
    public func sharedSecret(with peerPublicKey: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard peerPublicKey.count == 32 else { throw CryptoError("an X25519 public key has 32 bytes") }
        guard let peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nil, peerPublicKey, 32) else {
            throw CryptoError("EVP_PKEY_new_raw_public_key(X25519)")
        }
        defer { EVP_PKEY_free(peer) }
        guard let context = EVP_PKEY_CTX_new(key.pointer, nil) else { throw CryptoError("EVP_PKEY_CTX_new") }
        defer { EVP_PKEY_CTX_free(context) }
        var length = 32
        var secret = [UInt8](repeating: 0, count: 32)
        guard EVP_PKEY_derive_init(context) == 1, EVP_PKEY_derive_set_peer(context, peer) == 1,
            EVP_PKEY_derive(context, &secret, &length) == 1, length == 32
        else { throw CryptoError("EVP_PKEY_derive(X25519)") }
        return secret
    }
}
