import ChatKitTerminal
import Testing

@Suite("Line splitter")
struct LineSplitterTests {
    private func split(_ chunks: [String]) -> [String] {
        var splitter = LineSplitter()
        var lines: [String] = []
        for chunk in chunks {
            lines += Array(chunk.utf8).withUnsafeBytes { splitter.lines(in: $0) }
        }
        if let last = splitter.end() { lines.append(last) }
        return lines
    }

    @Test("lines split on newlines as readLine would: CRLF, empty lines, a last line without newline")
    func readLineRules() {
        #expect(split(["a\nb\r\n\nc"]) == ["a", "b", "", "c"])
        #expect(split(["a\n"]) == ["a"])
        #expect(split([""]) == [])
    }

    @Test("a line cut across reads comes out whole, and so does a character cut in the middle")
    func acrossReads() {
        #expect(split(["send y hel", "lo\nsend y ", "w", "orld\n"]) == ["send y hello", "send y world"])
        let bytes = Array("é\n".utf8)
        var splitter = LineSplitter()
        let first = [bytes[0]].withUnsafeBytes { splitter.lines(in: $0) }
        let second = Array(bytes[1...]).withUnsafeBytes { splitter.lines(in: $0) }
        #expect(first.isEmpty)
        #expect(second == ["é"])
    }

    @Test("invalid UTF-8 is repaired, not fatal")
    func invalidUTF8() {
        var splitter = LineSplitter()
        let lines = [0x61, 0xFF, 0x62, 0x0A].map(UInt8.init).withUnsafeBytes { splitter.lines(in: $0) }
        #expect(lines == ["a\u{FFFD}b"])
    }
}
