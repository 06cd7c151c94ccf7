/// Hexadecimal text and bytes, for test vectors.
public enum Hex {
    /// The bytes that `hex` spells, two digits each (a bad pair reads as 0).
    public static func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            result.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return result
    }
}
