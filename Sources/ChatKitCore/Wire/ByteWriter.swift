/// Appends big-endian integers and length-prefixed strings to a byte buffer.
///
/// Public so that stores and transports can write formats of their own in the wire codec's style.
public struct ByteWriter {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty writer with room for `capacity` bytes.
    public init(capacity: Int = 64) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends one byte.
    public mutating func u8(_ value: UInt8) {
        bytes.append(value)
    }

    /// Appends a 16-bit unsigned integer, big-endian.
    public mutating func u16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    /// Appends a 32-bit unsigned integer, big-endian.
    public mutating func u32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
    }

    /// Appends a 64-bit unsigned integer, big-endian.
    public mutating func u64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    /// Appends a 64-bit signed integer, big-endian two's complement.
    public mutating func i64(_ value: Int64) {
        u64(UInt64(bitPattern: value))
    }

    /// Appends up to 255 bytes behind a one-byte count (keys, cookies, signatures).
    public mutating func shortBytes(_ values: [UInt8]) {
        let kept = values.prefix(255)
        u8(UInt8(kept.count))
        bytes.append(contentsOf: kept)
    }

    /// Appends raw bytes, with no length before them.
    public mutating func raw<Bytes: Sequence>(_ values: Bytes) where Bytes.Element == UInt8 {
        bytes.append(contentsOf: values)
    }

    /// Appends 1 for true, 0 for false.
    public mutating func bool(_ value: Bool) {
        u8(value ? 1 : 0)
    }

    /// A UTF-8 string behind a 16-bit byte count; longer strings are cut at a character boundary
    /// (callers validate lengths first, so this only guards the format).
    public mutating func string(_ value: String) {
        let count = value.utf8.count
        if count <= Int(UInt16.max) {
            u16(UInt16(count))
            bytes.append(contentsOf: value.utf8)
            return
        }
        let cut = Array(String(decoding: value.utf8.prefix(Int(UInt16.max)), as: UTF8.self).utf8.prefix(Int(UInt16.max)))
        u16(UInt16(cut.count))
        bytes.append(contentsOf: cut)
    }
}
