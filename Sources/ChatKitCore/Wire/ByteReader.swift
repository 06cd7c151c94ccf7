/// Reads big-endian integers and length-prefixed strings, throwing instead of reading past the end.
///
/// Public so that stores and transports can read formats of their own in the wire codec's style.
public struct ByteReader {
    private let bytes: [UInt8]
    /// How many bytes have been read.
    public private(set) var offset: Int

    /// A reader over `bytes`, starting at `offset`.
    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// How many bytes are left.
    public var remaining: Int { bytes.count - offset }

    /// Reads one byte; `field` names it in errors.
    public mutating func u8(_ field: String) throws(WireError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated(field: field) }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Reads a big-endian 16-bit unsigned integer.
    public mutating func u16(_ field: String) throws(WireError) -> UInt16 {
        guard remaining >= 2 else { throw .truncated(field: field) }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    /// Reads a big-endian 32-bit unsigned integer.
    public mutating func u32(_ field: String) throws(WireError) -> UInt32 {
        UInt32(truncatingIfNeeded: try bigEndian(4, field))
    }

    /// Reads a big-endian 64-bit unsigned integer.
    public mutating func u64(_ field: String) throws(WireError) -> UInt64 {
        try bigEndian(8, field)
    }

    /// Up to 255 bytes behind a one-byte count.
    public mutating func shortBytes(_ field: String) throws(WireError) -> [UInt8] {
        let count = Int(try u8(field + " length"))
        return Array(try bytes(count, field))
    }

    /// Reads `count` raw bytes.
    public mutating func bytes(_ count: Int, _ field: String) throws(WireError) -> ArraySlice<UInt8> {
        guard count >= 0, remaining >= count else { throw .truncated(field: field) }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    private mutating func bigEndian(_ width: Int, _ field: String) throws(WireError) -> UInt64 {
        guard remaining >= width else { throw .truncated(field: field) }
        var value: UInt64 = 0
        for index in offset..<offset + width {
            value = value << 8 | UInt64(bytes[index])
        }
        offset += width
        return value
    }

    /// Reads a big-endian 64-bit signed integer.
    public mutating func i64(_ field: String) throws(WireError) -> Int64 {
        Int64(bitPattern: try u64(field))
    }

    /// Reads a byte that must be 0 or 1.
    public mutating func bool(_ field: String) throws(WireError) -> Bool {
        switch try u8(field) {
        case 0: false
        case 1: true
        case let other: throw .invalidValue(field: field, value: UInt64(other))
        }
    }

    /// Reads a UTF-8 string behind a 16-bit byte count; invalid UTF-8 is an error.
    public mutating func string(_ field: String) throws(WireError) -> String {
        let length = Int(try u16(field))
        guard remaining >= length else { throw .truncated(field: field) }
        let slice = bytes[offset..<offset + length]
        offset += length
        // Decoding repairs invalid UTF-8 (a bad sequence becomes U+FFFD), so the bytes were valid when the
        // text's are the same. This is several times cheaper than `String(validating:as:)`, which looks up
        // generic metadata at every call.
        let text = String(decoding: slice, as: UTF8.self)
        guard text.utf8.elementsEqual(slice) else { throw .invalidUTF8(field: field) }
        return text
    }

    /// Reads a one-byte code and maps it through a `RawRepresentable` enum.
    public mutating func code<Code: RawRepresentable>(_ field: String, as _: Code.Type) throws(WireError) -> Code
    where Code.RawValue == UInt8 {
        let raw = try u8(field)
        guard let code = Code(rawValue: raw) else { throw .invalidValue(field: field, value: UInt64(raw)) }
        return code
    }

    /// Throws unless every byte has been read.
    public func expectEnd() throws(WireError) {
        if remaining != 0 { throw .trailingBytes(count: remaining) }
    }
}
