import CCrypto

/// A libcrypto key object, owned: made once per key and freed with it. Making one from raw private
/// bytes derives the public key (a scalar multiplication), so a key that signs or agrees often keeps it.
final class PKey: @unchecked Sendable {
    // An EVP_PKEY is reference-counted and safe to use from several threads for signing and deriving.
    let pointer: OpaquePointer

    /// The key of `type` (`EVP_PKEY_X25519`, `EVP_PKEY_ED25519`) with 32 private bytes.
    init(privateKey: [UInt8], type: Int32) throws(CryptoError) {
        guard let pointer = EVP_PKEY_new_raw_private_key(type, nil, privateKey, privateKey.count) else {
            throw CryptoError("EVP_PKEY_new_raw_private_key")
        }
        self.pointer = pointer
    }

    /// The raw 32-byte public key.
    func publicKey() throws(CryptoError) -> [UInt8] {
        var length = 32
        var output = [UInt8](repeating: 0, count: 32)
        guard EVP_PKEY_get_raw_public_key(pointer, &output, &length) == 1, length == 32 else {
            throw CryptoError("EVP_PKEY_get_raw_public_key")
        }
        return output
    }

    deinit { EVP_PKEY_free(pointer) }
}
