@testable import ChatKitTerminal
import Testing

/// Printed lines on a terminal wrap at word boundaries, with continuation rows indented.
@Suite("Word wrap")
struct WordWrapTests {
    @Test("a line wider than the terminal breaks between words, and continuation rows are indented")
    func wrapsAtWords() {
        let line = ">>> [The server is not answering; still trying.]"
        let rows = WordWrap.rows(line, columns: 20)
        #expect(rows == [">>> [The server is", "    not answering;", "    still trying.]"])
        #expect(rows.allSatisfy { WordWrap.width(of: $0) <= 20 })
        #expect(rows.joined(separator: " ").split(separator: " ") == line.split(separator: " "), "no word is cut or lost")
    }

    @Test("a line that fits is left alone; a word longer than a row is split where it must be")
    func fitsAndLongWords() {
        #expect(WordWrap.rows(">>> x: hi", columns: 40) == [">>> x: hi"])
        let rows = WordWrap.rows(">>> x: " + String(repeating: "a", count: 30), columns: 16)
        #expect(rows.allSatisfy { WordWrap.width(of: $0) <= 16 }, "\(rows)")
        #expect(rows.dropFirst().allSatisfy { $0.hasPrefix("    ") })
        #expect(rows.joined().filter { $0 == "a" }.count == 30)
    }

    @Test("colors take no columns and wide characters take two")
    func colorsAndWideCharacters() {
        let colored = "\u{1B}[1;32mx\u{1B}[0m: " + String(repeating: "word ", count: 6)
        let rows = WordWrap.rows(colored, columns: 14)
        #expect(rows.first?.hasPrefix("\u{1B}[1;32mx\u{1B}[0m: word") == true, "\(rows)")
        #expect(rows.allSatisfy { WordWrap.width(of: $0) <= 14 })
        let wide = WordWrap.rows(">>> y: 你好世界 你好世界 你好世界", columns: 16)
        #expect(wide.allSatisfy { WordWrap.width(of: $0) <= 16 }, "\(wide)")
    }
}
