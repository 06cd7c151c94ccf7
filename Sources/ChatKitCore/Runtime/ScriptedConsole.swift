import Foundation

/// A console your program drives: lines it `type`s go to the client as if typed by a user, and every
/// line shown is handed to `output`. For embedding a client or server in a program with its own UI.
public final class ScriptedConsole: Console, @unchecked Sendable {
    private let lock = NSLock()
    private let output: @Sendable (String) -> Void
    private var onLine: (@Sendable (String) -> Void)?
    private var onEnd: (@Sendable () -> Void)?

    /// A console that hands every line shown to `output`.
    public init(output: @escaping @Sendable (String) -> Void = { _ in }) {
        self.output = output
    }

    public func show(_ line: String) {
        output(line)
    }

    public func startReading(onLine: @escaping @Sendable (String) -> Void, onEnd: @escaping @Sendable () -> Void) {
        lock.withLock {
            self.onLine = onLine
            self.onEnd = onEnd
        }
    }

    /// Sends a command to the client, as if the user typed it and pressed Enter.
    public func type(_ line: String) {
        lock.withLock { onLine }?(line)
    }

    /// Ends the input, as Ctrl-D would: the client leaves once its pending sends are settled.
    public func endInput() {
        lock.withLock { onEnd }?()
    }
}
