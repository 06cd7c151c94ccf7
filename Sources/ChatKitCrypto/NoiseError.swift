/// Why a Noise handshake message was refused; the handshake's state is unchanged by a refused message.
public enum NoiseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The message came when this side was to write, or after the handshake ended.
    case outOfTurn
    /// The message is shorter than its pattern needs.
    case truncated
    /// A sealed part did not authenticate: tampered, or from someone without the keys.
    case decryptionFailed
    /// libcrypto failed (a small-order key, say).
    case crypto(CryptoError)

    /// One line for a log.
    public var description: String {
        switch self {
        case .outOfTurn: "noise: message out of turn"
        case .truncated: "noise: message truncated"
        case .decryptionFailed: "noise: message does not authenticate"
        case .crypto(let error): "noise: \(error)"
        }
    }
}
