/// The source of time for a driver: the system clock in production, a virtual clock in tests. (Named so
/// it does not shadow `Swift.Clock`.)
///
/// The state machines never read time themselves; their driver asks the clock and passes it in, and
/// the clock calls back when a machine's next deadline arrives, so a test can advance time instantly.
public protocol DriverClock: Sendable {
    /// The current monotonic time, used for timeouts.
    var now: Instant { get }
    /// The current wall-clock time in microseconds since 1970, used to timestamp stored messages.
    var wallClockMicroseconds: Int64 { get }
    /// Calls `action` once, as soon as `deadline` has passed, unless the returned timer is cancelled.
    func schedule(at deadline: Instant, _ action: @escaping @Sendable () -> Void) -> any ScheduledTimer
}

/// A pending call made by `DriverClock.schedule`.
public protocol ScheduledTimer: Sendable {
    /// Stops the call from happening; harmless if it already happened.
    func cancel()
}
