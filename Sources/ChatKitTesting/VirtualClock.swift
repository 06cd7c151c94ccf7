import ChatKitCore
import Synchronization

/// A clock that only moves when a test moves it, running the timers that fall due on the way.
///
/// Timers due at the same instant run in the order they were scheduled, so a simulation driven by a
/// virtual clock and a seeded network replays exactly.
public final class VirtualClock: DriverClock, Sendable {
    private struct State {
        var now = Instant.zero
        var nextSequence: UInt64 = 0
        var queue = TimerQueue()
        var actions: [UInt64: @Sendable () -> Void] = [:]
        var firedCount = 0
    }

    private let state = Mutex(State())
    private let wallClockOrigin: Int64

    /// A clock at instant zero whose wall clock reads `wallClockOrigin` microseconds since 1970 there
    /// (by default 2017-06-14 02:40:00 UTC, the original program's sample day).
    public init(wallClockOrigin: Int64 = 1_497_408_000_000_000) {
        self.wallClockOrigin = wallClockOrigin
    }

    public var now: Instant { state.withLock { $0.now } }

    public var wallClockMicroseconds: Int64 { wallClockOrigin + now.nanoseconds / 1000 }

    public func schedule(at deadline: Instant, _ action: @escaping @Sendable () -> Void) -> any ScheduledTimer {
        let sequence = state.withLock { state in
            let sequence = state.nextSequence
            state.nextSequence += 1
            state.queue.insert(.init(deadline: max(deadline, state.now), sequence: sequence))
            state.actions[sequence] = action
            return sequence
        }
        return VirtualTimer(clock: self, sequence: sequence)
    }

    fileprivate func cancel(_ sequence: UInt64) {
        _ = state.withLock { $0.actions.removeValue(forKey: sequence) }
    }

    /// How many timers are waiting to run.
    public var pendingTimers: Int { state.withLock { $0.actions.count } }

    /// How many timers have run so far.
    public var firedTimers: Int { state.withLock { $0.firedCount } }

    /// Runs the earliest timer due at or before `limit`, moving time to its deadline. False when none is.
    @discardableResult
    public func runNext(notAfter limit: Instant? = nil) -> Bool {
        while true {
            let next: (@Sendable () -> Void)?? = state.withLock { state in
                guard let first = state.queue.first else { return .some(nil) }
                if let limit, first.deadline > limit { return .some(nil) }
                _ = state.queue.popFirst()
                guard let action = state.actions.removeValue(forKey: first.sequence) else { return .none }
                state.now = max(state.now, first.deadline)
                state.firedCount += 1
                return .some(action)
            }
            switch next {
            case .none: continue  // a cancelled timer: look at the next one
            case .some(nil): return false
            case .some(let action?):
                action()
                return true
            }
        }
    }

    /// Moves time forward by `duration`, running every timer that falls due on the way, in order.
    public func advance(by duration: Duration) {
        let target = now + duration
        while runNext(notAfter: target) {}
        state.withLock { $0.now = max($0.now, target) }
    }

    /// Runs timers until none is left or `maxTimers` have run; returns how many ran. Time jumps to each
    /// timer's deadline, so "idle" means nothing more is scheduled.
    @discardableResult
    public func runUntilIdle(maxTimers: Int = 1_000_000) -> Int {
        var ran = 0
        while ran < maxTimers, runNext() { ran += 1 }
        return ran
    }
}

/// A handle to a timer on a `VirtualClock`.
private struct VirtualTimer: ScheduledTimer {
    let clock: VirtualClock
    let sequence: UInt64

    func cancel() {
        clock.cancel(sequence)
    }
}
