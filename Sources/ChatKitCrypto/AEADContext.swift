import CCrypto

/// One direction of a session's AEAD, keyed once: each message then only sets its nonce, instead of
/// making, keying and freeing a libcrypto context (which costs more than sealing a chat). The nonce is
/// Noise's for the algorithm (`AEADAlgorithm.withNonce`).
final class AEADContext: @unchecked Sendable {
    // One machine uses a session at a time (its driver's lock), so the context is never used concurrently.
    private let context: OpaquePointer
    private let sealing: Bool
    private let algorithm: AEADAlgorithm

    /// A context that seals (or, with `sealing` false, opens) with `key` and `algorithm`.
    init(key: [UInt8], sealing: Bool, algorithm: AEADAlgorithm) throws(CryptoError) {
        guard key.count == 32 else { throw CryptoError("an AEAD key has 32 bytes") }
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError("EVP_CIPHER_CTX_new") }
        let keyed = sealing
            ? EVP_EncryptInit_ex(context, algorithm.cipher, nil, key, nil) : EVP_DecryptInit_ex(context, algorithm.cipher, nil, key, nil)
        guard keyed == 1 else {
            EVP_CIPHER_CTX_free(context)
            throw CryptoError("EVP_CipherInit_ex(\(algorithm.noiseName))")
        }
        self.context = context
        self.sealing = sealing
        self.algorithm = algorithm
    }

    deinit { EVP_CIPHER_CTX_free(context) }

    /// The name of the tag's parameter (`OSSL_CIPHER_PARAM_AEAD_TAG`), kept in static storage: a
    /// parameter holds the pointer to its name.
    private static let tagParameter: StaticString = "tag"

    /// Reads the 16-byte tag from the context into `tag` (or gives it to the context to check) through
    /// one `OSSL_PARAM`, built on the stack: `EVP_CIPHER_CTX_ctrl` builds the same parameter itself, at
    /// several times the cost.
    private func exchangeTag(_ tag: UnsafeMutableRawPointer, reading: Bool) -> Bool {
        var parameters = (OSSL_PARAM_construct_octet_string(Self.tagParameter.pointer, tag, AEADAlgorithm.tagLength), OSSL_PARAM_construct_end())
        return withUnsafeMutableBytes(of: &parameters) { raw in
            let list = raw.baseAddress?.assumingMemoryBound(to: OSSL_PARAM.self)
            return (reading ? EVP_CIPHER_CTX_get_params(context, list) : EVP_CIPHER_CTX_set_params(context, list)) == 1
        }
    }

    /// `plaintext` sealed with nonce `counter`: the ciphertext, then the 16-byte tag. The plaintext's own
    /// buffer becomes the result when no one else holds it, so a message is not copied to be sealed.
    func seal(_ plaintext: consuming [UInt8], counter: UInt64, associatedData: [UInt8]) throws(CryptoError) -> [UInt8] {
        var buffer = plaintext
        let bodyLength = buffer.count
        var length: Int32 = 0
        guard sealing, algorithm.withNonce(counter, { EVP_EncryptInit_ex(context, nil, nil, nil, $0) }) == 1,
            associatedData.isEmpty || EVP_EncryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1
        else { throw CryptoError("EVP_EncryptInit_ex(\(algorithm.noiseName))") }
        buffer.append(contentsOf: repeatElement(0, count: AEADAlgorithm.tagLength))
        let sealed = buffer.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            var written: Int32 = 0
            // Both are stream ciphers (ChaCha20, AES in counter mode): libcrypto encrypts in place.
            if bodyLength > 0 {
                guard EVP_EncryptUpdate(context, base, &written, base, Int32(bodyLength)) == 1 else { return false }
            }
            var final: Int32 = 0
            guard EVP_EncryptFinal_ex(context, base + Int(written), &final) == 1 else { return false }
            return exchangeTag(base + bodyLength, reading: true)
        }
        guard sealed else { throw CryptoError("EVP_EncryptUpdate(\(algorithm.noiseName))") }
        return buffer
    }

    /// The plaintext of `sealed` (ciphertext then tag) under nonce `counter`, or nil if it does not authenticate.
    func open(_ sealed: [UInt8], counter: UInt64, associatedData: [UInt8]) -> [UInt8]? {
        guard !sealing, sealed.count >= AEADAlgorithm.tagLength else { return nil }
        let bodyLength = sealed.count - AEADAlgorithm.tagLength
        var output = [UInt8](repeating: 0, count: bodyLength)
        var length: Int32 = 0
        guard algorithm.withNonce(counter, { EVP_DecryptInit_ex(context, nil, nil, nil, $0) }) == 1,
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
                guard exchangeTag(tag, reading: false) else { return false }
                // Neither AEAD writes anything at the end: this only checks the tag.
                var final: Int32 = 0
                var scratch: (UInt64, UInt64) = (0, 0)
                return withUnsafeMutableBytes(of: &scratch) { raw in
                    EVP_DecryptFinal_ex(context, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), &final) == 1
                }
            }
        }
        return opened ? output : nil
    }
}
