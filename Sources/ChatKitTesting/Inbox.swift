import ChatKitCore
import Dispatch
import Foundation
import Synchronization

/// Collects values arriving on other threads and lets a test wait for a condition on them, with a
/// deadline instead of a sleep.
public final class Inbox<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    private let arrived = DispatchSemaphore(value: 0)

    /// An empty inbox.
    public init() {}

    /// Adds a value that arrived.
    public func append(_ value: Value) {
        values.withLock { $0.append(value) }
        arrived.signal()
    }

    /// Every value so far, in order.
    public var all: [Value] { values.withLock { $0 } }

    /// Forgets the values that `match`.
    public func removeAll(where match: (Value) -> Bool) {
        values.withLock { $0.removeAll(where: match) }
    }

    /// Waits until `condition` holds for the values so far, or `timeout` passes; returns whether it held.
    @discardableResult
    public func wait(timeout: Duration = .seconds(10), until condition: ([Value]) -> Bool) -> Bool {
        let deadline = DispatchTime.now() + .nanoseconds(Int(clamping: timeout.wholeNanoseconds))
        while true {
            if condition(all) { return true }
            if arrived.wait(timeout: deadline) == .timedOut { return condition(all) }
        }
    }
}
