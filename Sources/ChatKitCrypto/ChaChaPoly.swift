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

    /// `body` given Noise's nonce for `counter` (4 zero bytes, then the counter little-endian), kept on
    /// the stack: a message's nonce costs no allocation.
    static func withNonce<Result>(_ counter: UInt64, _ body: (UnsafePointer<UInt8>) -> Result) -> Result {
        var nonce: (UInt64, UInt64) = (0, 0)
        return withUnsafeMutableBytes(of: &nonce) { raw in
            raw.storeBytes(of: counter.littleEndian, toByteOffset: 4, as: UInt64.self)
            // A 16-byte local always has an address.
            return body(raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
    }
}
