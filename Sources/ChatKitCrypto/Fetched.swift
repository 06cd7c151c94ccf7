import CCrypto

/// Algorithms fetched from libcrypto once, not at every use: OpenSSL 3 looks an implicitly fetched
/// algorithm (`EVP_chacha20_poly1305()`, `EVP_aes_256_gcm()`) up again at every init, which costs more than sealing a chat.
enum Fetched {
    /// ChaCha20-Poly1305. A fetched `EVP_CIPHER` is immutable and shared safely between threads.
    nonisolated(unsafe) static let chaChaPoly: OpaquePointer? = EVP_CIPHER_fetch(nil, "ChaCha20-Poly1305", nil)
    /// AES-256-GCM, likewise.
    nonisolated(unsafe) static let aesGCM: OpaquePointer? = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil)
    /// SHA-256, for Noise's MixHash (a dozen digests per handshake).
    nonisolated(unsafe) static let sha256: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil)
    /// HKDF, as an `EVP_KDF`: a context made from it is cheaper than an `EVP_PKEY_HKDF` one.
    nonisolated(unsafe) static let hkdf: OpaquePointer? = EVP_KDF_fetch(nil, "HKDF", nil)
}
