import CCrypto

/// The AEADs ChatKit seals with, both from libcrypto, each with the Noise Protocol Framework's nonce
/// for it. Peer sessions use AES-256-GCM (the cheaper of the two where the processor has AES
/// instructions, as every x86-64 and ARMv8 server and desktop does); letters use ChaCha20-Poly1305.
public enum AEADAlgorithm: Sendable, Equatable {
    /// ChaCha20-Poly1305 (RFC 8439). Nonce: 4 zero bytes, then the counter little-endian.
    case chaChaPoly
    /// AES-256-GCM (NIST SP 800-38D), 96-bit nonce: 4 zero bytes, then the counter big-endian.
    case aesGCM

    /// The tag's length: what sealing adds to a message (16 bytes for both).
    public static let tagLength = 16

    /// The cipher's name in a Noise protocol name (`Noise_XX_25519_<name>_SHA256`).
    public var noiseName: String {
        switch self {
        case .chaChaPoly: "ChaChaPoly"
        case .aesGCM: "AESGCM"
        }
    }

    /// The cipher, fetched from libcrypto once.
    var cipher: OpaquePointer? {
        switch self {
        case .chaChaPoly: Fetched.chaChaPoly
        case .aesGCM: Fetched.aesGCM
        }
    }

    /// `plaintext` sealed under `key` with nonce `counter`, authenticating `associatedData` too: the
    /// ciphertext, then the 16-byte tag.
    public func seal(_ plaintext: [UInt8], key: [UInt8], counter: UInt64, associatedData: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        try AEADContext(key: key, sealing: true, algorithm: self).seal(plaintext, counter: counter, associatedData: associatedData)
    }

    /// The plaintext of `sealed`, or nil when it does not authenticate (a wrong key, nonce, associated
    /// data, or a changed byte): a forgery and a corruption look the same, and neither is an error.
    public func open(_ sealed: [UInt8], key: [UInt8], counter: UInt64, associatedData: [UInt8] = []) -> [UInt8]? {
        guard let context = try? AEADContext(key: key, sealing: false, algorithm: self) else { return nil }
        return context.open(sealed, counter: counter, associatedData: associatedData)
    }

    /// `body` given Noise's nonce for `counter`, kept on the stack: a message's nonce costs no allocation.
    func withNonce<Result>(_ counter: UInt64, _ body: (UnsafePointer<UInt8>) -> Result) -> Result {
        var nonce: (UInt64, UInt64) = (0, 0)
        let encoded = self == .chaChaPoly ? counter.littleEndian : counter.bigEndian
        return withUnsafeMutableBytes(of: &nonce) { raw in
            raw.storeBytes(of: encoded, toByteOffset: 4, as: UInt64.self)
            // A 16-byte local always has an address.
            return body(raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
    }
}
