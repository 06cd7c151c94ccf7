/// Where a server's log events go: a file, a terminal, a test's recorder, an embedder's own logging.
///
/// The driver records each event at or below its log level, and flushes after each batch of events.
public protocol ServerLog: AnyObject, Sendable {
    /// Records one event.
    func record(_ event: ServerLogEvent)
    /// Writes out what was recorded so far; by default nothing is held back.
    func flush()
}

extension ServerLog {
    public func flush() {}
}

/// A log that keeps nothing, for servers whose events nobody reads (benchmarks, storms).
public final class DiscardingServerLog: ServerLog {
    /// Makes a log that discards every event.
    public init() {}

    public func record(_ event: ServerLogEvent) {}
}
