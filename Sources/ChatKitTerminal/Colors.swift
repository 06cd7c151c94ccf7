import ChatKitCore

/// ANSI colors for notices on a terminal: nicknames in a color of their own, status lines dimmed,
/// problems in red. Off when `NO_COLOR` is set or `--no-color` is given.
public enum Colors {
    private static let reset = "\u{1B}[0m"
    private static let dim = "\u{1B}[2m"
    private static let palette = ["\u{1B}[1;32m", "\u{1B}[1;33m", "\u{1B}[1;34m", "\u{1B}[1;35m", "\u{1B}[1;36m", "\u{1B}[1;91m"]

    /// The notice's line with colors; `time` (HH:MM), when given, is shown dimmed before a message.
    public static func line(for notice: Notice, time: String? = nil) -> String {
        switch notice {
        case .chat(let from, let text):
            Prompt.text + (time.map { dim + $0 + reset + " " } ?? "") + nick(from) + ": " + TerminalSafe.text(text)
        case .offlineMessage(let from, let savedAt, let text):
            Prompt.text + nick(from) + ": <\(savedAt)> " + TerminalSafe.text(text)
        case .problem, .serverNotResponding, .exitingAfterFailure:
            Prompt.text + "\u{1B}[31m" + notice.text + reset
        case .info:
            notice.line
        case .connecting, .presence, .serverQuiet, .serverBack:
            Prompt.text + dim + notice.text + reset
        case .exiting:
            notice.text
        default:
            Prompt.text + "\u{1B}[36m" + notice.text + reset
        }
    }

    /// A nickname in its own color, the same every time.
    static func nick(_ nick: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in nick.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return palette[Int(hash % UInt32(palette.count))] + TerminalSafe.text(nick) + reset
    }
}
