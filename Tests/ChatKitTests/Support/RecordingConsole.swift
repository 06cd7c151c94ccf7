import ChatKitCore
import Synchronization

/// A console for tests: records every line shown, and lets the test type lines and end the input.
final class RecordingConsole: Console, Sendable {
    private struct Reader {
        var onLines: @Sendable ([String]) -> Void
        var onEnd: @Sendable () -> Void
    }

    private let recorded = Mutex<[String]>([])
    private let reader = Mutex<Reader?>(nil)

    /// Every line shown so far.
    var lines: [String] { recorded.withLock { $0 } }

    func show(_ line: String) {
        recorded.withLock { $0.append(line) }
    }

    func startReading(onLine: @escaping @Sendable (String) -> Void, onEnd: @escaping @Sendable () -> Void) {
        reader.withLock { $0 = Reader(onLines: { $0.forEach(onLine) }, onEnd: onEnd) }
    }

    func startReadingBatches(onLines: @escaping @Sendable ([String]) -> Void, onEnd: @escaping @Sendable () -> Void) {
        reader.withLock { $0 = Reader(onLines: onLines, onEnd: onEnd) }
    }

    /// Types one line, as if the user pressed Enter.
    func type(_ line: String) {
        reader.withLock { $0 }?.onLines([line])
    }

    /// Delivers lines as one batch, as a paste or a piped file arrives.
    func paste(_ lines: [String]) {
        reader.withLock { $0 }?.onLines(lines)
    }

    /// Ends the input, as if the user pressed Ctrl-D or the pipe closed.
    func endInput() {
        reader.withLock { $0 }?.onEnd()
    }
}
