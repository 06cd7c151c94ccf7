/// The user's side of a client or server: lines typed in, lines shown.
///
/// The terminal implementation reads standard input; tests type lines themselves and record output.
public protocol Console: AnyObject, Sendable {
    /// Shows one line to the user. The text is complete and has no trailing newline. A console may hold
    /// lines back until `flush`.
    func show(_ line: String)
    /// Shows a client notice. By default its plain line; a terminal console may color it.
    func show(_ notice: Notice)
    /// Writes out every line shown so far. Drivers call it after each batch of events.
    func flush()
    /// Starts delivering typed lines to `onLine` and the end of input to `onEnd`.
    func startReading(onLine: @escaping @Sendable (String) -> Void, onEnd: @escaping @Sendable () -> Void)
    /// Starts delivering typed lines in batches: every complete line that arrived together (a pasted block,
    /// a piped file), so a driver handles them at once. By default, batches of one.
    func startReadingBatches(onLines: @escaping @Sendable ([String]) -> Void, onEnd: @escaping @Sendable () -> Void)
    /// The nicknames the client now holds, for completing them as the user types. By default ignored.
    func nicknamesChanged(_ nicknames: [String])
}

extension Console {
    /// Consoles that write each line at once need no flush.
    public func flush() {}

    public func startReadingBatches(onLines: @escaping @Sendable ([String]) -> Void, onEnd: @escaping @Sendable () -> Void) {
        startReading(onLine: { onLines([$0]) }, onEnd: onEnd)
    }

    public func nicknamesChanged(_ nicknames: [String]) {}

    /// Shows the notice's plain line; terminal-only notices are left out, as piped output wants.
    public func show(_ notice: Notice) {
        guard !notice.isTerminalOnly else { return }
        show(notice.line)
    }
}
