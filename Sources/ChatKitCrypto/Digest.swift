import CCrypto

/// SHA-256 and HMAC-SHA-256 from libcrypto, and a constant-time comparison for secrets.
public enum Digest {
    /// The SHA-256 digest of `data`.
    public static func sha256(_ data: [UInt8]) throws(CryptoError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        guard EVP_Digest(data, data.count, &output, &length, Fetched.sha256, nil) == 1, length == 32 else {
            throw CryptoError("EVP_Digest")
        }
        return output
    }

    /// The SHA-512 digest of `data`.
    public static func sha512(_ data: [UInt8]) throws(CryptoError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        guard EVP_Digest(data, data.count, &output, &length, EVP_sha512(), nil) == 1, length == 64 else {
            throw CryptoError("EVP_Digest(SHA-512)")
        }
        return output
    }

    /// HMAC-SHA-256 of `data` under `key` (RFC 2104), through EVP_Q_mac.
    public static func hmacSHA256(key: [UInt8], data: [UInt8]) throws(CryptoError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        var length = 0
        let result = "SHA256".withCString { digest in
            EVP_Q_mac(nil, "HMAC", nil, digest, nil, key, key.count, data, data.count, &output, output.count, &length)
        }
        guard result != nil, length == 32 else { throw CryptoError("EVP_Q_mac") }
        return output
    }

    /// Whether two secrets are equal, in time that does not depend on where they differ.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count == b.count && CRYPTO_memcmp(a, b, a.count) == 0
    }
}

/// Random bytes from libcrypto's generator, for keys, nonces and cookie secrets.
public enum SecureRandom {
    /// `count` random bytes.
    public static func bytes(_ count: Int) throws(CryptoError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&output, Int32(count)) == 1 else { throw CryptoError("RAND_bytes") }
        return output
    }
}
