import CCrypto

/// An Ed25519 key pair (RFC 8032) from the system's libcrypto: the identity that will protect a nick and
/// its mailbox. The private key is 32 raw bytes, kept by the caller (a 0600 file for `udpchat`).
public struct IdentityKey: Sendable {
    /// The 32-byte private key (the RFC 8032 seed).
    public let privateKey: [UInt8]
    /// The 32-byte public key.
    public let publicKey: [UInt8]
    /// libcrypto's key object, made once: each signature then costs one scalar multiplication, not two.
    private let key: PKey

    /// A fresh key pair from libcrypto's random generator.
    public static func generate() throws(CryptoError) -> IdentityKey {
        try IdentityKey(privateKey: SecureRandom.bytes(32))
    }

    /// The key pair of a 32-byte private key.
    public init(privateKey: [UInt8]) throws(CryptoError) {
        guard privateKey.count == 32 else { throw CryptoError("an Ed25519 private key has 32 bytes, not \(privateKey.count)") }
        key = try PKey(privateKey: privateKey, type: EVP_PKEY_ED25519)
        self.privateKey = privateKey
        self.publicKey = try key.publicKey()
    }

    /// The 64-byte signature of `message`.
    public func sign(_ message: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw CryptoError("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, nil, nil, key.pointer) == 1 else { throw CryptoError("EVP_DigestSignInit") }
        var length = 64
        var signature = [UInt8](repeating: 0, count: 64)
        guard EVP_DigestSign(context, &signature, &length, message, message.count) == 1, length == 64 else {
            throw CryptoError("EVP_DigestSign")
        }
        return signature
    }

    /// Whether `signature` is `publicKey`'s signature of `message`. Malformed input is simply false.
    public static func verify(_ signature: [UInt8], of message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard signature.count == 64, publicKey.count == 32,
            let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, publicKey, publicKey.count)
        else { return false }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1 else { return false }
        return EVP_DigestVerify(context, signature, signature.count, message, message.count) == 1
    }

    /// The public key's fingerprint, as people compare it: SHA-256, the first 16 bytes in hex pairs.
    public var fingerprint: String {
        let digest = (try? Digest.sha256(publicKey)) ?? []
        return digest.prefix(16).map { byte in
            let hex = String(byte, radix: 16, uppercase: false)
            return byte < 16 ? "0" + hex : hex
        }.joined(separator: ":")
    }
}
