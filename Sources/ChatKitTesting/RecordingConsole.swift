import ChatKitCore
import Synchronization

/// A console for tests: records every notice and line shown, and lets the test type lines, paste a
/// batch of them and end the input. `onShow` sees each line as it is shown, to count or wait on it.
public final class RecordingConsole: Console, Sendable {
    private struct Reader {
        var onLines: @Sendable ([String]) -> Void
        var onEnd: @Sendable () -> Void
    }

    private struct Recorded {
        var lines: [String] = []
        var notices: [Notice] = []
    }

    private let recorded = Mutex(Recorded())
    private let reader = Mutex<Reader?>(nil)
    private let keepsRecord: Bool
    private let onShow: @Sendable (String) -> Void

    /// A console that records what is shown (unless `keepsRecord` is false, for long benchmark runs) and
    /// hands each line to `onShow`.
    public init(keepsRecord: Bool = true, onShow: @escaping @Sendable (String) -> Void = { _ in }) {
        self.keepsRecord = keepsRecord
        self.onShow = onShow
    }

    /// Every line shown so far, prompts included.
    public var lines: [String] { recorded.withLock { $0.lines } }

    /// Every notice shown so far.
    public var notices: [Notice] { recorded.withLock { $0.notices } }

    public func show(_ line: String) {
        if keepsRecord { recorded.withLock { $0.lines.append(line) } }
        onShow(line)
    }

    /// Records every notice; its line only if piped output would show it (not terminal-only ones).
    public func show(_ notice: Notice) {
        if keepsRecord { recorded.withLock { $0.notices.append(notice) } }
        if !notice.isTerminalOnly { show(notice.line) }
    }

    public func startReading(onLine: @escaping @Sendable (String) -> Void, onEnd: @escaping @Sendable () -> Void) {
        reader.withLock { $0 = Reader(onLines: { $0.forEach(onLine) }, onEnd: onEnd) }
    }

    public func startReadingBatches(onLines: @escaping @Sendable ([String]) -> Void, onEnd: @escaping @Sendable () -> Void) {
        reader.withLock { $0 = Reader(onLines: onLines, onEnd: onEnd) }
    }

    /// Types one line, as if the user pressed Enter.
    public func type(_ line: String) {
        reader.withLock { $0 }?.onLines([line])
    }

    /// Delivers lines as one batch, as a paste or one read of a piped file arrives.
    public func paste(_ lines: [String]) {
        reader.withLock { $0 }?.onLines(lines)
    }

    /// Ends the input, as if the user pressed Ctrl-D or the pipe closed.
    public func endInput() {
        reader.withLock { $0 }?.onEnd()
    }
}
