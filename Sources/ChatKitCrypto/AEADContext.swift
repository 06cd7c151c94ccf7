import CCrypto

/// One direction of a session's ChaCha20-Poly1305, keyed once: each message then only sets its nonce,
/// instead of making, keying and freeing a libcrypto context (which costs more than sealing a chat).
/// The nonce is Noise's: 4 zero bytes, then the 64-bit counter little-endian.
final class AEADContext: @unchecked Sendable {
    // One machine uses a session at a time (its driver's lock), so the context is never used concurrently.
    private let context: OpaquePointer
    private let sealing: Bool

    /// A context that seals (or, with `sealing` false, opens) with `key`.
    init(key: [UInt8], sealing: Bool) throws(CryptoError) {
        guard key.count == 32 else { throw CryptoError("a ChaCha20-Poly1305 key has 32 bytes") }
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError("EVP_CIPHER_CTX_new") }
        let keyed = sealing
            ? EVP_EncryptInit_ex(context, Fetched.chaChaPoly, nil, key, nil) : EVP_DecryptInit_ex(context, Fetched.chaChaPoly, nil, key, nil)
        guard keyed == 1 else {
            EVP_CIPHER_CTX_free(context)
            throw CryptoError("EVP_CipherInit_ex(ChaCha20-Poly1305)")
        }
        self.context = context
        self.sealing = sealing
    }

    deinit { EVP_CIPHER_CTX_free(context) }

    /// `plaintext` sealed with nonce `counter`: the ciphertext, then the 16-byte tag.
    func seal(_ plaintext: [UInt8], counter: UInt64, associatedData: [UInt8]) throws(CryptoError) -> [UInt8] {
        let nonce = ChaChaPoly.nonce(counter)
        var output = [UInt8](repeating: 0, count: plaintext.count + ChaChaPoly.tagLength)
        var length: Int32 = 0
        guard sealing, EVP_EncryptInit_ex(context, nil, nil, nil, nonce) == 1,
            associatedData.isEmpty || EVP_EncryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1
        else { throw CryptoError("EVP_EncryptInit_ex(ChaCha20-Poly1305)") }
        let sealed = output.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            var written: Int32 = 0
            if !plaintext.isEmpty {
                guard EVP_EncryptUpdate(context, base, &written, plaintext, Int32(plaintext.count)) == 1 else { return false }
            }
            var final: Int32 = 0
            guard EVP_EncryptFinal_ex(context, base + Int(written), &final) == 1 else { return false }
            return EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_GET_TAG, Int32(ChaChaPoly.tagLength), base + plaintext.count) == 1
        }
        guard sealed else { throw CryptoError("EVP_EncryptUpdate(ChaCha20-Poly1305)") }
        return output
    }

    /// The plaintext of `sealed` (ciphertext then tag) under nonce `counter`, or nil if it does not authenticate.
    func open(_ sealed: [UInt8], counter: UInt64, associatedData: [UInt8]) -> [UInt8]? {
        guard !sealing, sealed.count >= ChaChaPoly.tagLength else { return nil }
        let nonce = ChaChaPoly.nonce(counter)
        let bodyLength = sealed.count - ChaChaPoly.tagLength
        var output = [UInt8](repeating: 0, count: bodyLength)
        var length: Int32 = 0
        guard EVP_DecryptInit_ex(context, nil, nil, nil, nonce) == 1,
            associatedData.isEmpty || EVP_DecryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1
        else { return nil }
        let opened = sealed.withUnsafeBufferPointer { input -> Bool in
            guard let inputBase = input.baseAddress else { return false }
            return output.withUnsafeMutableBufferPointer { buffer -> Bool in
                var written: Int32 = 0
                if bodyLength > 0 {
                    guard let base = buffer.baseAddress, EVP_DecryptUpdate(context, base, &written, inputBase, Int32(bodyLength)) == 1 else {
                        return false
                    }
                }
                let tag = UnsafeMutableRawPointer(mutating: inputBase + bodyLength)
                guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG, Int32(ChaChaPoly.tagLength), tag) == 1 else { return false }
                var final: Int32 = 0
                var scratch = [UInt8](repeating: 0, count: 16)
                return EVP_DecryptFinal_ex(context, &scratch, &final) == 1
            }
        }
        return opened ? output : nil
    }
}
