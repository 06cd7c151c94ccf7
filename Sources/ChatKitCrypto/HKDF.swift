import CCrypto

/// HKDF with SHA-256 (RFC 5869) from libcrypto's EVP_PKEY_HKDF. With empty info it is exactly the
/// Noise Protocol Framework's `HKDF(chaining_key, input_key_material, n)`: n outputs of 32 bytes.
public enum HKDF {
    /// `outputs` blocks of 32 bytes derived from `inputKeyMaterial` with `salt` (Noise's chaining key).
    public static func sha256(salt: [UInt8], inputKeyMaterial: [UInt8], outputs: Int) throws(CryptoError) -> [[UInt8]] {
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nil) else { throw CryptoError("EVP_PKEY_CTX_new_id(HKDF)") }
        defer { EVP_PKEY_CTX_free(context) }
        var length = 32 * outputs
        var output = [UInt8](repeating: 0, count: length)
        // libcrypto refuses an empty key; Noise's empty input (a keyless MixKey) never occurs here.
        guard EVP_PKEY_derive_init(context) == 1, EVP_PKEY_CTX_set_hkdf_md(context, EVP_sha256()) == 1,
            EVP_PKEY_CTX_set1_hkdf_salt(context, salt, Int32(salt.count)) == 1,
            EVP_PKEY_CTX_set1_hkdf_key(context, inputKeyMaterial, Int32(inputKeyMaterial.count)) == 1,
            EVP_PKEY_derive(context, &output, &length) == 1, length == 32 * outputs
        else { throw CryptoError("EVP_PKEY_derive(HKDF)") }
        return (0..<outputs).map { Array(output[32 * $0..<32 * ($0 + 1)]) }
    }
}
