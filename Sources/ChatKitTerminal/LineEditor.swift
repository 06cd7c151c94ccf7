/// The editing logic of the terminal's input line, as a pure state machine: bytes typed go in, what to
/// do comes out, and `render` draws the line. It knows nothing of terminals, so it is tested directly.
///
/// Keys: printable text (UTF-8) inserts; Backspace deletes left; Delete (and Ctrl-D on a non-empty
/// line) deletes right; ←/→ and Ctrl-B/Ctrl-F move; Home/End and Ctrl-A/Ctrl-E jump; Ctrl-U deletes to
/// the start and Ctrl-K to the end; ↑/↓ walk the history; Enter submits; Ctrl-C interrupts; Ctrl-D on
/// an empty line ends the input.
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
    }

    /// The line being typed.
    public private(set) var line: [Character] = []
    /// Where the cursor is, in characters from the start of the line.
    public private(set) var cursor = 0
    private var history: [String] = []
    private var historyIndex = 0
    private var draft: [Character] = []
    private var escape: [UInt8] = []
    private var utf8: [UInt8] = []

    /// The most lines kept in the history.
    public static let historyLimit = 500

    /// An empty line with no history.
    public init() {}

    /// The line as text.
    public var text: String { String(line) }

    /// Feeds one byte read from the terminal and returns what to do.
    public mutating func feed(_ byte: UInt8) -> Action? {
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
        case 0x1B:
            escape = [byte]
            return nil
        case 0x20...0x7E: return insert(Character(Unicode.Scalar(byte)))
        default: return .bell  // other control keys
        }
    }

    /// The terminal output that draws `prompt` and the line, with the cursor in place: back to the start
    /// of the row, clear it, write, then step the cursor back to where it belongs.
    public func render(prompt: String) -> String {
        let after = line[cursor...].reduce(0) { $0 + Self.columns($1) }
        return "\r\u{1B}[K" + prompt + text + (after > 0 ? "\u{1B}[\(after)D" : "")
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
            return .bell
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
