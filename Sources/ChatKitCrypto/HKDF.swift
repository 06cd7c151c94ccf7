import CCrypto

/// HKDF with SHA-256 (RFC 5869) from libcrypto's EVP_KDF "HKDF". With empty info it is exactly the
/// Noise Protocol Framework's `HKDF(chaining_key, input_key_material, n)`: n outputs of 32 bytes.
public enum HKDF {
    /// `outputs` blocks of 32 bytes derived from `inputKeyMaterial` with `salt` (Noise's chaining key).
    public static func sha256(salt: [UInt8], inputKeyMaterial: [UInt8], outputs: Int) throws(CryptoError) -> [[UInt8]] {
        guard outputs > 0, let context = EVP_KDF_CTX_new(Fetched.hkdf) else {
            throw CryptoError("EVP_KDF_CTX_new(HKDF)")
        }
        defer { EVP_KDF_CTX_free(context) }
        var output = [UInt8](repeating: 0, count: 32 * outputs)
        // A parameter keeps pointers to its name and value, so names and the digest's name live in static
        // storage, and the salt and key are pinned for the whole derivation.
        // Noise's Split derives from an empty input: it goes as a length of 0 at a real address, since
        // libcrypto takes no address for no key.
        let key = inputKeyMaterial.isEmpty ? [0] : inputKeyMaterial
        let derived = salt.withUnsafeBytes { salt in
            key.withUnsafeBytes { key in
                var parameters = (
                    OSSL_PARAM_construct_utf8_string(Name.digest.pointer, Name.sha256.mutablePointer, 0),
                    OSSL_PARAM_construct_octet_string(Name.salt.pointer, UnsafeMutableRawPointer(mutating: salt.baseAddress), salt.count),
                    OSSL_PARAM_construct_octet_string(Name.key.pointer, UnsafeMutableRawPointer(mutating: key.baseAddress), inputKeyMaterial.count),
                    OSSL_PARAM_construct_end())
                return withUnsafeMutableBytes(of: &parameters) { raw in
                    EVP_KDF_derive(context, &output, output.count, raw.baseAddress?.assumingMemoryBound(to: OSSL_PARAM.self))
                }
            }
        }
        guard derived == 1 else { throw CryptoError("EVP_KDF_derive(HKDF)") }
        return (0..<outputs).map { Array(output[32 * $0..<32 * ($0 + 1)]) }
    }

    /// The C strings HKDF's parameters name, in static storage.
    private enum Name {
        static let digest: StaticString = "digest"
        static let salt: StaticString = "salt"
        static let key: StaticString = "key"
        static let sha256: StaticString = "SHA256"
    }
}
