import CCrypto

/// ChaCha20-Poly1305 (RFC 8439) from libcrypto, with Noise's nonce: 4 zero bytes, then the 64-bit
/// counter little-endian. A sealed message is the ciphertext followed by its 16-byte tag.
public enum ChaChaPoly {
    /// The tag's length: what sealing adds to a message.
    public static let tagLength = 16

    /// `plaintext` sealed under `key` with nonce `counter`, authenticating `associatedData` too.
    public static func seal(
        _ plaintext: [UInt8], key: [UInt8], counter: UInt64, associatedData: [UInt8] = []
    ) throws(CryptoError) -> [UInt8] {
        guard key.count == 32 else { throw CryptoError("a ChaCha20-Poly1305 key has 32 bytes") }
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(context) }
        let nonce = Self.nonce(counter)
        var output = [UInt8](repeating: 0, count: plaintext.count + tagLength)
        var length: Int32 = 0
        guard EVP_EncryptInit_ex(context, Fetched.chaChaPoly, nil, key, nonce) == 1,
            associatedData.isEmpty
                || EVP_EncryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1
        else { throw CryptoError("EVP_EncryptInit_ex(ChaCha20-Poly1305)") }
        let sealed = output.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            var written: Int32 = 0
            if !plaintext.isEmpty {
                guard EVP_EncryptUpdate(context, base, &written, plaintext, Int32(plaintext.count)) == 1 else { return false }
            }
            var final: Int32 = 0
            guard EVP_EncryptFinal_ex(context, base + Int(written), &final) == 1 else { return false }
            return EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_GET_TAG, Int32(tagLength), base + plaintext.count) == 1
        }
        guard sealed else { throw CryptoError("EVP_EncryptUpdate(ChaCha20-Poly1305)") }
        return output
    }

    /// The plaintext of `sealed`, or nil when it does not authenticate (a wrong key, nonce, associated
    /// data, or a changed byte): a forgery and a corruption look the same, and neither is an error.
    public static func open(
        _ sealed: [UInt8], key: [UInt8], counter: UInt64, associatedData: [UInt8] = []
    ) -> [UInt8]? {
        guard key.count == 32, sealed.count >= tagLength, let context = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(context) }
        let nonce = Self.nonce(counter)
        let bodyLength = sealed.count - tagLength
        var output = [UInt8](repeating: 0, count: bodyLength)
        var length: Int32 = 0
        guard EVP_DecryptInit_ex(context, Fetched.chaChaPoly, nil, key, nonce) == 1,
            associatedData.isEmpty
                || EVP_DecryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1
        else { return nil }
        let opened = sealed.withUnsafeBufferPointer { input -> Bool in
            guard let inputBase = input.baseAddress else { return false }
            return output.withUnsafeMutableBufferPointer { buffer -> Bool in
                var written: Int32 = 0
                if bodyLength > 0 {
                    guard let base = buffer.baseAddress,
                        EVP_DecryptUpdate(context, base, &written, inputBase, Int32(bodyLength)) == 1
                    else { return false }
                }
                let tag = UnsafeMutableRawPointer(mutating: inputBase + bodyLength)
                guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG, Int32(tagLength), tag) == 1 else { return false }
                var final: Int32 = 0
                var scratch = [UInt8](repeating: 0, count: 16)
                return EVP_DecryptFinal_ex(context, &scratch, &final) == 1
            }
        }
        return opened ? output : nil
    }

    /// Noise's nonce for `counter`: 4 zero bytes, then the counter little-endian.
    static func nonce(_ counter: UInt64) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: 12)
        for index in 0..<8 { nonce[4 + index] = UInt8(truncatingIfNeeded: counter >> (8 * UInt64(index))) }
        return nonce
    }
}
