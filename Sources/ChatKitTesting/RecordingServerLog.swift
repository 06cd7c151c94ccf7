import ChatKitCore
import Synchronization

/// A server log for tests: keeps every event recorded, typed, and its line.
public final class RecordingServerLog: ServerLog {
    private let recorded = Mutex<[ServerLogEvent]>([])

    /// Makes an empty log.
    public init() {}

    /// Every event recorded so far.
    public var events: [ServerLogEvent] { recorded.withLock { $0 } }

    /// Every event's log line so far.
    public var lines: [String] { events.map(\.description) }

    public func record(_ event: ServerLogEvent) {
        recorded.withLock { $0.append(event) }
    }
}
