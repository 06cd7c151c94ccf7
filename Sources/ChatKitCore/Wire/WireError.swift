/// Why a datagram could not be decoded. Decoding never crashes: every byte string is a packet or one of these.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Shorter than the fixed header.
    case tooShort(length: Int)
    /// Longer than `WireLimits.maxDatagramBytes`.
    case tooLong(length: Int)
    /// The first two bytes are not the ChatKit magic.
    case badMagic
    /// A protocol version this build does not speak.
    case unsupportedVersion(UInt8)
    /// A kind byte this version does not define.
    case unknownKind(UInt8)
    /// The datagram ended inside the named field.
    case truncated(field: String)
    /// A text field is not valid UTF-8.
    case invalidUTF8(field: String)
    /// A field holds a value outside its range (an unknown outcome code, say).
    case invalidValue(field: String, value: UInt64)
    /// Bytes are left over after the last field.
    case trailingBytes(count: Int)
    /// Encoding would produce a datagram over the size limit.
    case wouldExceedLimit(bytes: Int)

    public var description: String {
        switch self {
        case .tooShort(let length): "datagram too short (\(length) bytes)"
        case .tooLong(let length): "datagram too long (\(length) bytes)"
        case .badMagic: "not a ChatKit datagram"
        case .unsupportedVersion(let version): "unsupported protocol version \(version)"
        case .unknownKind(let kind): "unknown message kind \(kind)"
        case .truncated(let field): "datagram ends inside \(field)"
        case .invalidUTF8(let field): "\(field) is not valid UTF-8"
        case .invalidValue(let field, let value): "\(field) has invalid value \(value)"
        case .trailingBytes(let count): "\(count) unexpected bytes after the message"
        case .wouldExceedLimit(let bytes): "message would need \(bytes) bytes, over the datagram limit"
        }
    }
}
