import CCrypto

/// Algorithms fetched from libcrypto once, not at every use: OpenSSL 3 looks an implicitly fetched
/// algorithm (`EVP_chacha20_poly1305()`) up again at every init, which costs more than sealing a chat.
enum Fetched {
    /// ChaCha20-Poly1305. A fetched `EVP_CIPHER` is immutable and shared safely between threads.
    nonisolated(unsafe) static let chaChaPoly: OpaquePointer? = EVP_CIPHER_fetch(nil, "ChaCha20-Poly1305", nil)
}
