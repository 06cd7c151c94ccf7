/// Cuts a byte stream into lines, as `readLine` would: on `\n`, without the newline or a `\r` before it,
/// with invalid UTF-8 repaired. A last line without a newline comes out at the end of input.
public struct LineSplitter: Sendable {
    private var partial: [UInt8] = []

    /// Makes a splitter with nothing buffered.
    public init() {}

    /// The lines completed by `bytes`; the tail after the last newline waits for more.
    public mutating func lines(in bytes: UnsafeRawBufferPointer) -> [String] {
        var lines: [String] = []
        var start = 0
        for index in 0..<bytes.count where bytes[index] == UInt8(ascii: "\n") {
            if partial.isEmpty {
                lines.append(Self.line(UnsafeRawBufferPointer(rebasing: bytes[start..<index])))
            } else {
                partial.append(contentsOf: bytes[start..<index])
                lines.append(partial.withUnsafeBytes(Self.line))
                partial.removeAll(keepingCapacity: true)
            }
            start = index + 1
        }
        partial.append(contentsOf: bytes[start...])
        return lines
    }

    /// The unfinished last line, once the input has ended; nil if there is none.
    public mutating func end() -> String? {
        defer { partial = [] }
        return partial.isEmpty ? nil : partial.withUnsafeBytes(Self.line)
    }

    private static func line(_ bytes: UnsafeRawBufferPointer) -> String {
        let withoutReturn = bytes.last == UInt8(ascii: "\r") ? UnsafeRawBufferPointer(rebasing: bytes.dropLast()) : bytes
        return String(decoding: withoutReturn, as: UTF8.self)
    }
}
