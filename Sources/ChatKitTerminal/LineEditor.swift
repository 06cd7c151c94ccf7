/// The editing logic of the terminal's input line, as a pure state machine: bytes typed go in, what to
/// do comes out, and `render` draws the line. It knows nothing of terminals, so it is tested directly.
///
/// Keys: printable text (UTF-8) inserts; Backspace deletes left; Delete (and Ctrl-D on a non-empty
/// line) deletes right; ←/→ and Ctrl-B/Ctrl-F move; Alt-B/Alt-F move by word; Home/End and Ctrl-A/Ctrl-E
/// jump; Ctrl-W deletes the word before the cursor, Ctrl-U to the start and Ctrl-K to the end; ↑/↓ walk
/// the history; Ctrl-L clears the screen; Ctrl-Z suspends; Enter submits; Ctrl-C interrupts; Ctrl-D on an
/// empty line ends the input. A line wider than the terminal wraps over as many rows as it needs.
public struct LineEditor: Sendable {
    /// What a key asks the terminal to do.
    public enum Action: Equatable, Sendable {
        /// The user pressed Enter on this line.
        case submit(String)
        /// The user pressed Ctrl-C.
        case interrupt
        /// The user pressed Ctrl-D on an empty line.
        case endOfInput
        /// The line or cursor changed: draw it again.
        case redraw
        /// The key did nothing (Backspace at the start, say): ring the bell.
        case bell
        /// The user pressed Ctrl-L: clear the screen and draw the line again at the top.
        case clearScreen
        /// The user pressed Ctrl-Z: give the terminal back and stop until resumed.
        case suspend
        /// The user pressed Tab twice and several words fit: list them above the line.
        case listCandidates([String])
    }

    /// The words Tab completes at the start of a line.
    public static let commands = ["send", "who", "reg", "dereg", "help", "quit", "/msg", "/who", "/help", "/quit"]

    /// The nicknames Tab completes after a command; the console keeps them current.
    public var nicknames: [String] = []
    /// Whether the last key was a Tab that could not decide, so a second one lists the candidates.
    private var tabPending = false

    /// The line being typed.
    public private(set) var line: [Character] = []
    /// Where the cursor is, in characters from the start of the line.
    public private(set) var cursor = 0
    private var history: [String] = []
    private var historyIndex = 0
    private var draft: [Character] = []
    private var escape: [UInt8] = []
    private var utf8: [UInt8] = []
    /// The terminal's width in columns; lines wrap at it.
    public private(set) var columns = 80
    /// How many rows the last drawing took, and whether it began at the top of a cleared screen.
    private var drawnRows = 1
    private var drawnAtTop = false
    /// The row of the cursor in the last drawing, counted from the drawing's first row, so the next
    /// drawing (or an erase) starts from the right place.
    private var cursorRow = 0

    /// The most lines kept in the history.
    public static let historyLimit = 500

    /// An empty line with no history.
    public init() {}

    /// The line as text.
    public var text: String { String(line) }

    /// Feeds one byte read from the terminal and returns what to do.
    public mutating func feed(_ byte: UInt8) -> Action? {
        let secondTab = tabPending
        tabPending = false
        if byte == 0x09, escape.isEmpty, utf8.isEmpty { return complete(listing: secondTab) }
        if !escape.isEmpty { return continueEscape(byte) }
        if !utf8.isEmpty || byte >= 0x80 { return continueUTF8(byte) }
        switch byte {
        case 0x0D, 0x0A: return submit()
        case 0x03: return .interrupt
        case 0x04: return line.isEmpty ? .endOfInput : deleteRight()
        case 0x7F, 0x08: return deleteLeft()
        case 0x01: return move(to: 0)
        case 0x05: return move(to: line.count)
        case 0x02: return move(to: cursor - 1)
        case 0x06: return move(to: cursor + 1)
        case 0x15: return edit { $0.removeSubrange(0..<$1); $1 = 0 }
        case 0x0B: return edit { $0.removeSubrange($1...) }
        case 0x17:
            let start = wordStart(before: cursor)
            return start == cursor ? .bell : edit { $0.removeSubrange(start..<$1); $1 = start }
        case 0x0C: return .clearScreen
        case 0x1A: return .suspend
        case 0x1B:
            escape = [byte]
            return nil
        case 0x20...0x7E: return insert(Character(Unicode.Scalar(byte)))
        default: return .bell  // other control keys
        }
    }

    /// The terminal output that draws `prompt` and the line, wrapped at the terminal's width, with the
    /// cursor in place: erase the last drawing, write, then move the cursor to where it belongs.
    public mutating func render(prompt: String) -> String {
        var output = erase() + prompt + text
        let layout = Self.layout(prompt: prompt, line: line, cursor: cursor, columns: columns)
        var endRow = layout.end.row
        if layout.end.column == columns {
            // The terminal waits to wrap after the last column; wrap now, so the cursor's row is certain.
            output += "\r\n"
            endRow += 1
        }
        if endRow > layout.cursor.row { output += "\u{1B}[\(endRow - layout.cursor.row)A" }
        output += "\r" + (layout.cursor.column > 0 ? "\u{1B}[\(layout.cursor.column)C" : "")
        cursorRow = layout.cursor.row
        drawnRows = endRow + 1
        return output
    }

    /// The terminal output that removes the last drawing (all its rows) and leaves the cursor where it
    /// began, so lines printed now appear above the input, which is then drawn again. At the top of a
    /// cleared screen it erases row by row: erasing everything below the top-left corner counts as
    /// clearing the screen, and tmux would keep a copy of the input in its scrollback at every key.
    public mutating func erase() -> String {
        defer { cursorRow = 0 }
        let up = cursorRow > 0 ? "\u{1B}[\(cursorRow)A" : ""
        guard drawnAtTop else { return up + "\r\u{1B}[J" }
        let below = max(0, drawnRows - 1)
        return up + "\r\u{1B}[K" + String(repeating: "\u{1B}[B\u{1B}[K", count: below) + (below > 0 ? "\u{1B}[\(below)A" : "")
    }

    /// A line was printed where the drawing began: the drawing is no longer at the top of the screen.
    public mutating func printedAbove() {
        drawnAtTop = false
    }

    /// The terminal is now `columns` wide (it was resized); the next drawing wraps at the new width.
    /// A terminal re-wraps what it shows on a resize, so the cursor's row is reckoned at the new width.
    public mutating func resize(columns newColumns: Int, prompt: String) {
        columns = max(1, newColumns)
        cursorRow = Self.layout(prompt: prompt, line: line, cursor: cursor, columns: columns).cursor.row
    }

    /// The screen was cleared (Ctrl-L): the next drawing starts on the cursor's row, the screen's top.
    public mutating func screenCleared() {
        cursorRow = 0
        drawnAtTop = true
    }

    /// Where the cursor and the end of the drawing fall when `prompt` and `line` wrap at `columns`: rows
    /// from the first, and columns. A wide character that does not fit at the end of a row goes to the
    /// next, as terminals put it.
    static func layout(prompt: String, line: [Character], cursor: Int, columns: Int)
        -> (cursor: (row: Int, column: Int), end: (row: Int, column: Int))
    {
        var row = 0
        var column = 0
        func place(_ width: Int) {
            if column + width > columns {
                row += 1
                column = 0
            }
            column += width
        }
        for character in visible(prompt) { place(Self.columns(character)) }
        var cursorAt = (row: 0, column: 0)
        for (index, character) in line.enumerated() {
            if index == cursor { cursorAt = column >= columns ? (row + 1, 0) : (row, column) }
            place(Self.columns(character))
        }
        if cursor >= line.count { cursorAt = column >= columns ? (row + 1, 0) : (row, column) }
        return (cursorAt, (row, column))
    }

    /// The characters of `text` that take columns: escape sequences (colors) take none.
    static func visible(_ text: String) -> [Character] {
        var result: [Character] = []
        var inEscape = false
        for character in text {
            if character == "\u{1B}" {
                inEscape = true
            } else if inEscape {
                if character.isLetter { inEscape = false }
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// How many terminal columns a character takes: two for East Asian wide characters and most emoji,
    /// one otherwise, so the cursor lands where it belongs in a line of Chinese or emoji.
    static func columns(_ character: Character) -> Int {
        guard let scalar = character.unicodeScalars.first?.value else { return 0 }
        switch scalar {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
            0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    // MARK: - Keys

    private mutating func submit() -> Action {
        let submitted = text
        if !submitted.trimmingCharacters(in: " ").isEmpty, history.last != submitted {
            history.append(submitted)
            if history.count > Self.historyLimit { history.removeFirst() }
        }
        historyIndex = history.count
        line = []
        cursor = 0
        draft = []
        return .submit(submitted)
    }

    private mutating func insert(_ character: Character) -> Action {
        line.insert(character, at: cursor)
        cursor += 1
        return .redraw
    }

    private mutating func deleteLeft() -> Action {
        guard cursor > 0 else { return .bell }
        line.remove(at: cursor - 1)
        cursor -= 1
        return .redraw
    }

    private mutating func deleteRight() -> Action {
        guard cursor < line.count else { return .bell }
        line.remove(at: cursor)
        return .redraw
    }

    private mutating func move(to position: Int) -> Action {
        guard (0...line.count).contains(position) else { return .bell }
        cursor = position
        return .redraw
    }

    private mutating func edit(_ change: (inout [Character], inout Int) -> Void) -> Action {
        change(&line, &cursor)
        cursor = min(cursor, line.count)
        return .redraw
    }

    /// Tab: completes the word before the cursor, a command at the start of the line and a nickname
    /// after it. One candidate completes it (and adds a space); several complete their common prefix,
    /// and a second Tab lists them.
    private mutating func complete(listing: Bool) -> Action {
        let start = line[..<cursor].lastIndex(of: " ").map { $0 + 1 } ?? 0
        let word = String(line[start..<cursor])
        let isFirstWord = !line[..<start].contains { $0 != " " }
        let pool = isFirstWord ? Self.commands : nicknames
        let candidates = pool.filter { $0.hasPrefix(word) }.sorted()
        guard let first = candidates.first else { return .bell }
        if candidates.count == 1 {
            let completion = Array(first.dropFirst(word.count)) + [" "]
            line.insert(contentsOf: completion, at: cursor)
            cursor += completion.count
            return .redraw
        }
        let common = candidates.dropFirst().reduce(first) { prefix, candidate in
            String(zip(prefix, candidate).prefix { $0 == $1 }.map(\.0))
        }
        if common.count > word.count {
            let completion = Array(common.dropFirst(word.count))
            line.insert(contentsOf: completion, at: cursor)
            cursor += completion.count
            return .redraw
        }
        if listing { return .listCandidates(candidates) }
        tabPending = true
        return .bell
    }

    /// Where the word before `position` starts: spaces, then non-spaces, are skipped leftwards.
    private func wordStart(before position: Int) -> Int {
        var start = position
        while start > 0, line[start - 1] == " " { start -= 1 }
        while start > 0, line[start - 1] != " " { start -= 1 }
        return start
    }

    /// Where the word after `position` ends: spaces, then non-spaces, are skipped rightwards.
    private func wordEnd(after position: Int) -> Int {
        var end = position
        while end < line.count, line[end] == " " { end += 1 }
        while end < line.count, line[end] != " " { end += 1 }
        return end
    }

    private mutating func recall(_ step: Int) -> Action {
        let target = historyIndex + step
        guard (0...history.count).contains(target), target != historyIndex else { return .bell }
        if historyIndex == history.count { draft = line }
        historyIndex = target
        line = target == history.count ? draft : Array(history[target])
        cursor = line.count
        return .redraw
    }

    // MARK: - Multi-byte input

    /// ESC [ A/B/C/D (arrows), ESC [ H/F and ESC [ 1~/4~/7~/8~ (Home/End), ESC [ 3~ (Delete), and the
    /// ESC O forms some terminals send.
    private mutating func continueEscape(_ byte: UInt8) -> Action? {
        escape.append(byte)
        if escape.count == 2 {
            if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "O") { return nil }
            escape = []
            switch byte {
            case UInt8(ascii: "b"): return move(to: wordStart(before: cursor))  // Alt-B
            case UInt8(ascii: "f"): return move(to: wordEnd(after: cursor))  // Alt-F
            default: return .bell
            }
        }
        if (0x30...0x3F).contains(byte) { return escape.count < 8 ? nil : resetEscape() }
        let parameters = String(decoding: escape.dropFirst(2).dropLast(), as: UTF8.self)
        escape = []
        switch (byte, parameters) {
        case (UInt8(ascii: "A"), _): return recall(-1)
        case (UInt8(ascii: "B"), _): return recall(1)
        case (UInt8(ascii: "C"), _): return move(to: cursor + 1)
        case (UInt8(ascii: "D"), _): return move(to: cursor - 1)
        case (UInt8(ascii: "H"), _), (UInt8(ascii: "~"), "1"), (UInt8(ascii: "~"), "7"): return move(to: 0)
        case (UInt8(ascii: "F"), _), (UInt8(ascii: "~"), "4"), (UInt8(ascii: "~"), "8"): return move(to: line.count)
        case (UInt8(ascii: "~"), "3"): return deleteRight()
        default: return .bell
        }
    }

    private mutating func resetEscape() -> Action {
        escape = []
        return .bell
    }

    private mutating func continueUTF8(_ byte: UInt8) -> Action? {
        utf8.append(byte)
        let expected = Self.sequenceLength(utf8[0])
        guard expected > 1, utf8.count <= expected else {
            utf8 = []
            return .bell
        }
        guard utf8.count == expected else { return nil }
        defer { utf8 = [] }
        guard let decoded = String(validating: utf8, as: UTF8.self), let character = decoded.first else { return .bell }
        return insert(character)
    }

    private static func sequenceLength(_ first: UInt8) -> Int {
        switch first {
        case 0xC2...0xDF: 2
        case 0xE0...0xEF: 3
        case 0xF0...0xF4: 4
        default: 0
        }
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var result = Substring(self)
        while result.first == set { result.removeFirst() }
        while result.last == set { result.removeLast() }
        return result
    }
}
