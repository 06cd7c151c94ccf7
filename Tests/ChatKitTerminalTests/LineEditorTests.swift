import ChatKitTerminal
import Testing

@Suite("Line editor")
struct LineEditorTests {
    /// Feeds a string's bytes and returns the last action.
    @discardableResult
    static func type(_ text: String, into editor: inout LineEditor) -> LineEditor.Action? {
        var last: LineEditor.Action?
        for byte in text.utf8 { last = editor.feed(byte) ?? last }
        return last
    }

    @Test("typing and Enter submit the line; the line is then empty")
    func submit() {
        var editor = LineEditor()
        Self.type("send y hello", into: &editor)
        #expect(editor.text == "send y hello")
        #expect(editor.feed(0x0D) == .submit("send y hello"))
        #expect(editor.text.isEmpty)
    }

    @Test("arrows, Home/End, Ctrl-A/E move the cursor; typing inserts there; Backspace and Delete delete")
    func editing() {
        var editor = LineEditor()
        Self.type("send y helo", into: &editor)
        Self.type("\u{1B}[D", into: &editor)  // ←
        Self.type("l", into: &editor)
        #expect(editor.text == "send y hello")
        Self.type("\u{01}X\u{05}!", into: &editor)  // Ctrl-A, X, Ctrl-E, !
        #expect(editor.text == "Xsend y hello!")
        Self.type("\u{1B}[H\u{1B}[3~", into: &editor)  // Home, Delete
        Self.type("\u{1B}[F\u{7F}", into: &editor)  // End, Backspace
        #expect(editor.text == "send y hello")
        #expect(editor.cursor == 12)
    }

    @Test("after Ctrl-L the input is erased row by row, never with an erase-below from the top-left corner")
    func eraseAtTopAfterClear() {
        var editor = LineEditor()
        editor.screenCleared()
        _ = editor.render(prompt: ">>> ")
        let atTop = editor.erase()
        #expect(!atTop.contains("\u{1B}[J") && atTop.contains("\u{1B}[K"), "tmux keeps a copy of a screen cleared from the top")
        editor.printedAbove()
        _ = editor.render(prompt: ">>> ")
        #expect(editor.erase().hasSuffix("\r\u{1B}[J"), "below a printed line, one erase-below clears the drawing")
    }

    @Test("Ctrl-U clears to the start, Ctrl-K to the end")
    func killing() {
        var editor = LineEditor()
        Self.type("send y hello", into: &editor)
        Self.type("\u{1B}[D\u{1B}[D\u{0B}", into: &editor)
        #expect(editor.text == "send y hel")
        Self.type("\u{1B}[D\u{15}", into: &editor)
        #expect(editor.text == "l")
        #expect(editor.cursor == 0)
    }

    @Test("up and down walk the history and come back to the draft")
    func history() {
        var editor = LineEditor()
        Self.type("send y one\r", into: &editor)
        Self.type("send y two\r", into: &editor)
        Self.type("draft", into: &editor)
        Self.type("\u{1B}[A", into: &editor)
        #expect(editor.text == "send y two")
        Self.type("\u{1B}[A", into: &editor)
        #expect(editor.text == "send y one")
        #expect(editor.feed(0x1B) == nil && editor.feed(UInt8(ascii: "[")) == nil && editor.feed(UInt8(ascii: "A")) == .bell)
        Self.type("\u{1B}[B\u{1B}[B", into: &editor)
        #expect(editor.text == "draft")
    }

    @Test("multi-byte UTF-8 is one character")
    func unicode() {
        var editor = LineEditor()
        Self.type("send y héllo 用户", into: &editor)
        #expect(editor.text == "send y héllo 用户")
        #expect(editor.cursor == 15)
        Self.type("\u{7F}\u{7F}", into: &editor)
        #expect(editor.text == "send y héllo ")
    }

    @Test("Ctrl-C interrupts; Ctrl-D ends input only on an empty line")
    func controlKeys() {
        var editor = LineEditor()
        #expect(editor.feed(0x03) == .interrupt)
        Self.type("ab\u{01}", into: &editor)
        #expect(editor.feed(0x04) == .redraw)
        #expect(editor.text == "b")
        Self.type("\u{7F}\u{05}\u{7F}", into: &editor)
        #expect(editor.feed(0x04) == .endOfInput)
        #expect(editor.feed(0x7F) == .bell)
    }

    @Test("render clears what it drew, draws prompt and line, and puts the cursor in its column")
    func render() {
        var editor = LineEditor()
        Self.type("send y hi\u{1B}[D\u{1B}[D", into: &editor)
        #expect(editor.render(prompt: ">>> ") == "\r\u{1B}[J>>> send y hi\r\u{1B}[11C")
        Self.type("\u{05}", into: &editor)
        #expect(editor.render(prompt: ">>> ") == "\r\u{1B}[J>>> send y hi\r\u{1B}[13C")
    }

    @Test("the cursor's column counts wide characters by their width")
    func wideCharacters() {
        var editor = LineEditor()
        Self.type("send y 用户😀x\u{1B}[D\u{1B}[D\u{1B}[D", into: &editor)
        // Before the cursor: the prompt (4), "send y " (7) and 用 (2).
        #expect(editor.render(prompt: ">>> ").hasSuffix("\r\u{1B}[13C"))
    }

    @Test("a line wider than the terminal wraps; the next drawing starts from its first row")
    func wrapping() {
        var editor = LineEditor()
        editor.resize(columns: 10, prompt: ">>> ")
        Self.type("abcdefghijklmn", into: &editor)
        // ">>> abcdef" fills the first row; "ghijklmn" is on the second, and the cursor after it.
        #expect(editor.render(prompt: ">>> ") == "\r\u{1B}[J>>> abcdefghijklmn\r\u{1B}[8C")
        Self.type("\u{01}", into: &editor)  // Ctrl-A: the cursor goes up to the first row, after the prompt
        #expect(editor.render(prompt: ">>> ") == "\u{1B}[1A\r\u{1B}[J>>> abcdefghijklmn\u{1B}[1A\r\u{1B}[4C")
        #expect(editor.erase() == "\r\u{1B}[J", "the cursor is on the first row now")
    }

    @Test("a line that ends exactly at the edge puts the cursor on the next row, not in limbo")
    func exactWidth() {
        var editor = LineEditor()
        editor.resize(columns: 10, prompt: ">>> ")
        Self.type("abcdef", into: &editor)
        #expect(editor.render(prompt: ">>> ") == "\r\u{1B}[J>>> abcdef\r\n\r")
        #expect(editor.erase() == "\u{1B}[1A\r\u{1B}[J")
    }

    @Test("a 1,000-character line at 40 columns takes 26 rows and is erased whole")
    func longLine() {
        var editor = LineEditor()
        editor.resize(columns: 40, prompt: ">>> ")
        Self.type("send z " + String(repeating: "x", count: 993), into: &editor)
        _ = editor.render(prompt: ">>> ")
        #expect(editor.erase() == "\u{1B}[25A\r\u{1B}[J", "1,004 columns: rows 0 to 25, the cursor on the last")
    }

    @Test("Ctrl-W deletes the word before the cursor; Alt-B and Alt-F move by words; Ctrl-L and Ctrl-Z are actions")
    func wordKeys() {
        var editor = LineEditor()
        Self.type("send y hello there", into: &editor)
        Self.type("\u{17}", into: &editor)
        #expect(editor.text == "send y hello ")
        Self.type("\u{1B}b\u{1B}b", into: &editor)
        #expect(editor.cursor == 5)
        Self.type("\u{1B}f", into: &editor)
        #expect(editor.cursor == 6)
        #expect(editor.feed(0x0C) == .clearScreen)
        #expect(editor.feed(0x1A) == .suspend)
    }

    @Test("Tab completes a command first and a nickname after it; a second Tab lists several")
    func completion() {
        var editor = LineEditor()
        editor.nicknames = ["alice", "albert", "bob"]
        Self.type("se\t", into: &editor)
        #expect(editor.text == "send ")
        Self.type("b\t", into: &editor)
        #expect(editor.text == "send bob ")
        var second = LineEditor()
        second.nicknames = editor.nicknames
        Self.type("send a\t", into: &second)
        #expect(second.text == "send al", "the common prefix")
        #expect(second.feed(0x09) == .bell)
        #expect(second.feed(0x09) == .listCandidates(["albert", "alice"]))
        #expect(second.text == "send al")
    }
}
