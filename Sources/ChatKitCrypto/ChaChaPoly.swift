/// ChaCha20-Poly1305 (RFC 8439) from libcrypto, with Noise's nonce: 4 zero bytes, then the 64-bit
/// counter little-endian. A sealed message is the ciphertext followed by its 16-byte tag. Letters (relayed
/// chats and stored messages) are sealed with it.
public enum ChaChaPoly {
    /// The tag's length: what sealing adds to a message.
    public static let tagLength = AEADAlgorithm.tagLength

    /// `plaintext` sealed under `key` with nonce `counter`, authenticating `associatedData` too.
    public static func seal(
        _ plaintext: [UInt8], key: [UInt8], counter: UInt64, associatedData: [UInt8] = []
    ) throws(CryptoError) -> [UInt8] {
        try AEADAlgorithm.chaChaPoly.seal(plaintext, key: key, counter: counter, associatedData: associatedData)
    }

    /// The plaintext of `sealed`, or nil when it does not authenticate (a wrong key, nonce, associated
    /// data, or a changed byte): a forgery and a corruption look the same, and neither is an error.
    public static func open(
        _ sealed: [UInt8], key: [UInt8], counter: UInt64, associatedData: [UInt8] = []
    ) -> [UInt8]? {
        AEADAlgorithm.chaChaPoly.open(sealed, key: key, counter: counter, associatedData: associatedData)
    }
}
