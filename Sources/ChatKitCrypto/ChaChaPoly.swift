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
        try AEADContext(key: key, sealing: true).seal(plaintext, counter: counter, associatedData: associatedData)
    }

    /// The plaintext of `sealed`, or nil when it does not authenticate (a wrong key, nonce, associated
    /// data, or a changed byte): a forgery and a corruption look the same, and neither is an error.
    public static func open(
        _ sealed: [UInt8], key: [UInt8], counter: UInt64, associatedData: [UInt8] = []
    ) -> [UInt8]? {
        guard let context = try? AEADContext(key: key, sealing: false) else { return nil }
        return context.open(sealed, counter: counter, associatedData: associatedData)
    }

    /// Noise's nonce for `counter`: 4 zero bytes, then the counter little-endian.
    static func nonce(_ counter: UInt64) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: 12)
        for index in 0..<8 { nonce[4 + index] = UInt8(truncatingIfNeeded: counter >> (8 * UInt64(index))) }
        return nonce
    }
}
