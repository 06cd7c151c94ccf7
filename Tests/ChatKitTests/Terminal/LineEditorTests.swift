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

    @Test("render clears the row, draws prompt and line, and puts the cursor back")
    func render() {
        var editor = LineEditor()
        Self.type("send y hi\u{1B}[D\u{1B}[D", into: &editor)
        #expect(editor.render(prompt: ">>> ") == "\r\u{1B}[K>>> send y hi\u{1B}[2D")
        Self.type("\u{05}", into: &editor)
        #expect(editor.render(prompt: ">>> ") == "\r\u{1B}[K>>> send y hi")
    }

    @Test("the cursor steps back over wide characters by their width")
    func wideCharacters() {
        var editor = LineEditor()
        Self.type("send y 用户😀x\u{1B}[D\u{1B}[D\u{1B}[D", into: &editor)
        // Three characters after the cursor: 户 and 😀 take two columns each, x one.
        #expect(editor.render(prompt: ">>> ").hasSuffix("\u{1B}[5D"))
    }
}
