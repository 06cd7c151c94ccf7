/// A cryptographic operation failed inside libcrypto; the text names the operation.
public struct CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What failed, for one clear line.
    public var description: String

    init(_ operation: String) {
        description = "cryptography failed: \(operation)"
    }
}
