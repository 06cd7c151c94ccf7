import ChatKitCore
import Foundation
import Glibc

// @unchecked: `editor`, `pending`, `closed` and `suspended` are touched only with `lock` held (the input thread and the
// drivers both draw), and the terminal writes happen under it too, so lines never interleave.
/// The console on an interactive terminal: raw mode and a line editor of its own, so messages that arrive
/// while the user types are printed above the input line and the half-typed line is drawn again below
/// them, cursor and all. The terminal's settings are restored when the console is closed, at exit, and
/// on SIGTERM.
public final class TerminalConsole: Console, @unchecked Sendable {
    private let lock = NSLock()
    private var editor = LineEditor()
    private var pending = ""
    private let prompt: String
    private let colors: Bool
    private let timestamps: Bool
    private var closed = false

    /// True when standard input and output are both terminals.
    public static var isInteractive: Bool { isatty(0) == 1 && isatty(1) == 1 }

    /// Whether colors are wanted: not when `NO_COLOR` is set (https://no-color.org).
    public static var colorsWanted: Bool { ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true }

    /// Switches the terminal to raw mode; `colors` colors nicknames and status lines, `timestamps` puts
    /// the time (HH:MM) before each message.
    public init(prompt: String = Prompt.text, colors: Bool, timestamps: Bool = true) {
        self.prompt = prompt
        self.colors = colors
        self.timestamps = timestamps
        TerminalMode.enterRaw()
        editor.resize(columns: TerminalMode.columns(), prompt: prompt)
        pending = editor.render(prompt: prompt)
        resizes.setEventHandler { [weak self] in self?.resized() }
        resizes.resume()
        continues.setEventHandler { [weak self] in self?.resumed() }
        continues.resume()
    }

    /// SIGCONT: the process was resumed (`fg`) after Ctrl-Z; raw mode returns and the input is drawn.
    /// A signal source, not code after `kill`: the stop may take effect a moment after `kill` returns.
    private let continues: any DispatchSourceSignal = DispatchSource.makeSignalSource(signal: SIGCONT, queue: .global())
    private var suspended = false

    private func resumed() {
        lock.withLock {
            guard suspended, !closed else { return }
            suspended = false
            TerminalMode.enterRaw()
            redrawAtTerminalWidth()
        }
    }

    /// SIGWINCH: the terminal changed size; the input is wrapped again at the new width.
    private let resizes: any DispatchSourceSignal = {
        signal(SIGWINCH, SIG_IGN)
        return DispatchSource.makeSignalSource(signal: SIGWINCH, queue: .global())
    }()

    private func resized() {
        lock.withLock {
            guard !closed else { return }
            redrawAtTerminalWidth()
        }
    }

    /// Draws the input again, wrapped at the terminal's width as it is now (under the lock).
    private func redrawAtTerminalWidth() {
        editor.resize(columns: TerminalMode.columns(), prompt: prompt)
        pending += editor.render(prompt: prompt)
        write()
    }

    public func show(_ line: String) {
        lock.withLock { above(line) }
    }

    public func show(_ notice: Notice) {
        let time: String? = if timestamps, case .chat = notice { Self.clockTime() } else { nil }
        let line = colors ? Colors.line(for: notice, time: time) : time.map { Prompt.text + $0 + " " + notice.text } ?? notice.line
        lock.withLock { above(line) }
    }

    /// The local time as HH:MM.
    private static func clockTime() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        return (parts.tm_hour < 10 ? "0" : "") + "\(parts.tm_hour):" + (parts.tm_min < 10 ? "0" : "") + "\(parts.tm_min)"
    }

    /// Prints `line` above the input (all its rows), wrapped at word boundaries for the terminal's width,
    /// then draws the input again.
    private func above(_ line: String) {
        let rows = WordWrap.rows(line, columns: editor.columns).joined(separator: "\r\n")
        pending += editor.erase() + rows + "\r\n"
        editor.printedAbove()
        pending += editor.render(prompt: prompt)
    }

    public func nicknamesChanged(_ nicknames: [String]) {
        lock.withLock { editor.nicknames = nicknames }
    }

    public func flush() {
        lock.withLock { write() }
    }

    private func write() {
        guard !pending.isEmpty else { return }
        FileHandle.standardOutput.write(Data(pending.utf8))
        pending = ""
    }

    public func startReading(onLine: @escaping @Sendable (String) -> Void, onEnd: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            var byte: UInt8 = 0
            while read(0, &byte, 1) == 1 {
                switch lock.withLock({ key(byte) }) {
                case .submit(let line)?: onLine(line)
                case .endOfInput?: return onEnd()
                case .interrupt?: kill(getpid(), SIGINT)  // the same path as a Ctrl-C in line mode
                default: break
                }
            }
            onEnd()
        }
        thread.name = "terminal"
        thread.start()
    }

    /// Applies one key under the lock and writes what changed.
    private func key(_ byte: UInt8) -> LineEditor.Action? {
        let action = editor.feed(byte)
        switch action {
        case .submit(let line)?:
            // The submitted line stays on screen, as in the original program's transcripts.
            pending += editor.erase() + prompt + line + "\r\n"
            editor.printedAbove()
            pending += editor.render(prompt: prompt)
        case .redraw?:
            pending += editor.render(prompt: prompt)
        case .bell?:
            pending += "\u{07}"
        case .clearScreen?:
            editor.screenCleared()
            pending += "\u{1B}[H\u{1B}[2J" + editor.render(prompt: prompt)
        case .suspend?:
            suspend()
        case .listCandidates(let words)?:
            above(words.joined(separator: "  "))
        case .endOfInput?, .interrupt?:
            pending += editor.erase()
        case nil:
            break
        }
        write()
        return action
    }

    /// Clears the input line and restores the terminal's settings.
    public func close() {
        lock.withLock {
            guard !closed else { return }
            closed = true
            pending += editor.erase()
            write()
        }
        TerminalMode.restore()
    }

    /// Ctrl-Z: the terminal gets its settings back and the process stops, as a shell's job control
    /// expects; once resumed (`fg`), raw mode returns and the input is drawn again.
    private func suspend() {
        pending += editor.erase()
        write()
        TerminalMode.restore()
        suspended = true
        kill(getpid(), SIGTSTP)
    }
}

/// Raw mode on and off, remembering the settings the terminal had.
enum TerminalMode {
    nonisolated(unsafe) private static var saved: termios?

    static func enterRaw() {
        var settings = termios()
        guard tcgetattr(0, &settings) == 0 else { return }
        saved = settings
        atexit { TerminalMode.restore() }
        settings.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
        settings.c_iflag &= ~tcflag_t(IXON | ICRNL)
        withUnsafeMutableBytes(of: &settings.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        // TCSADRAIN, not TCSAFLUSH: what the user typed ahead, before the client started, is kept.
        tcsetattr(0, TCSADRAIN, &settings)
    }

    /// The terminal's width in columns, or 80 when it cannot be read.
    static func columns() -> Int {
        var size = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    static func restore() {
        guard var settings = saved else { return }
        tcsetattr(0, TCSAFLUSH, &settings)
    }
}
