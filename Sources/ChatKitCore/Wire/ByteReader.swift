/// Reads big-endian integers and length-prefixed strings, throwing instead of reading past the end.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    mutating func u8(_ field: String) throws(WireError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated(field: field) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16(_ field: String) throws(WireError) -> UInt16 {
        guard remaining >= 2 else { throw .truncated(field: field) }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func u64(_ field: String) throws(WireError) -> UInt64 {
        guard remaining >= 8 else { throw .truncated(field: field) }
        var value: UInt64 = 0
        for index in offset..<offset + 8 {
            value = value << 8 | UInt64(bytes[index])
        }
        offset += 8
        return value
    }

    mutating func i64(_ field: String) throws(WireError) -> Int64 {
        Int64(bitPattern: try u64(field))
    }

    mutating func bool(_ field: String) throws(WireError) -> Bool {
        switch try u8(field) {
        case 0: false
        case 1: true
        case let other: throw .invalidValue(field: field, value: UInt64(other))
        }
    }

    mutating func string(_ field: String) throws(WireError) -> String {
        let length = Int(try u16(field))
        guard remaining >= length else { throw .truncated(field: field) }
        let slice = bytes[offset..<offset + length]
        offset += length
        guard let text = String(validating: slice, as: UTF8.self) else { throw .invalidUTF8(field: field) }
        return text
    }

    /// Reads a one-byte code and maps it through a `RawRepresentable` enum.
    mutating func code<Code: RawRepresentable>(_ field: String, as _: Code.Type) throws(WireError) -> Code
    where Code.RawValue == UInt8 {
        let raw = try u8(field)
        guard let code = Code(rawValue: raw) else { throw .invalidValue(field: field, value: UInt64(raw)) }
        return code
    }

    func expectEnd() throws(WireError) {
        if remaining != 0 { throw .trailingBytes(count: remaining) }
    }
}
