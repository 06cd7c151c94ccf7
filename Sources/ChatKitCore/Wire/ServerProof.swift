import ChatKitCrypto

/// The server's long-term Ed25519 key and, when the registration was signed, its signature over the
/// welcome (`register-reply`): the nick, the registration's request id and the token. A client pins the
/// key at its first welcome from a server address (trust on first use), and a welcome from another key
/// there stops it: someone else answers at that address.
public struct ServerProof: Equatable, Hashable, Sendable {
    /// The server's 32-byte Ed25519 public key.
    public var publicKey: [UInt8]
    /// The 64-byte signature of `signedBytes(nick:requestID:token:)`, or empty (an unsigned registration,
    /// such as a new nick's that never answered a challenge, gets the key alone: signing costs the server).
    public var signature: [UInt8]

    /// The encoded sizes: the key alone, or the key then the signature.
    public static let keyOnlyBytes = 32
    public static let encodedBytes = 32 + 64

    /// Makes a proof from its parts.
    public init(publicKey: [UInt8], signature: [UInt8]) {
        self.publicKey = publicKey
        self.signature = signature
    }

    /// The proof read back from its 32 or 96 bytes; nil for anything else.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.keyOnlyBytes || bytes.count == Self.encodedBytes else { return nil }
        publicKey = Array(bytes[0..<32])
        signature = Array(bytes[32...])
    }

    /// The key, then the signature.
    public var bytes: [UInt8] { publicKey + signature }

    /// The server's proof for the welcome of `nick`'s registration `requestID` with `token`, signed by `key`.
    public static func signed(by key: IdentityKey, nick: String, requestID: UInt64, token: UInt64) throws(CryptoError) -> ServerProof {
        ServerProof(publicKey: key.publicKey, signature: try key.sign(signedBytes(nick: nick, requestID: requestID, token: token)))
    }

    /// Whether the key signed this welcome (false without a signature).
    public func isValid(nick: String, requestID: UInt64, token: UInt64) -> Bool {
        IdentityKey.verify(signature, of: Self.signedBytes(nick: nick, requestID: requestID, token: token), publicKey: publicKey)
    }

    /// What the server signs: a fixed context, the nick, the request id and the token (both big-endian).
    public static func signedBytes(nick: String, requestID: UInt64, token: UInt64) -> [UInt8] {
        Array("chatkit v10 server".utf8) + [0] + Array(nick.utf8) + [0]
            + (0..<8).map { UInt8(truncatingIfNeeded: requestID >> (56 - 8 * UInt64($0))) }
            + (0..<8).map { UInt8(truncatingIfNeeded: token >> (56 - 8 * UInt64($0))) }
    }
}
