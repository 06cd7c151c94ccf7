import ChatKitCore
import Dispatch
import Glibc
import Synchronization

/// The real clock: monotonic time for timeouts, the wall clock for timestamps, Dispatch for timers.
///
/// It lives in the core so that a program using any transport (UDP, Unix sockets, its own) finds it.
public final class SystemClock: DriverClock, Sendable {
    private let queue = DispatchQueue(label: "chatkit.timers")

    /// A clock whose timers fire on a private serial queue.
    public init() {}

    public var now: Instant {
        Instant(nanoseconds: Self.read(CLOCK_MONOTONIC))
    }

    public var wallClockMicroseconds: Int64 {
        Self.read(CLOCK_REALTIME) / 1000
    }

    public func schedule(at deadline: Instant, _ action: @escaping @Sendable () -> Void) -> any ScheduledTimer {
        let timer = DispatchTimer()
        let delay = max(0, deadline.nanoseconds - now.nanoseconds)
        queue.asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: delay))) {
            if !timer.cancelled.load(ordering: .acquiring) { action() }
        }
        return timer
    }

    private static func read(_ clock: clockid_t) -> Int64 {
        var spec = timespec()
        clock_gettime(clock, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}

private final class DispatchTimer: ScheduledTimer {
    let cancelled = Atomic(false)

    func cancel() {
        cancelled.store(true, ordering: .releasing)
    }
}
