import Foundation
import Synchronization

/// Lets one thread at a time run a driver's machine, and no thread wait for another: a thread that finds
/// the turn taken leaves its events and returns, and the thread holding the turn runs them before leaving.
///
/// A lock made the peer's reply wait whenever the thread holding it was preempted, at the end of a
/// `sendto` that woke the peer (docs/BENCHMARKS.md, "#18's residual"). Events still run one batch at a time,
/// in the order they were left, so the machine sees the same sequence a lock would give it.
final class DriverTurn<Event: Sendable>: Sendable {
    private let taken = Atomic<Bool>(false)
    private let hasWaiting = Atomic<Bool>(false)
    private let waiting = Mutex<[Event]>([])

    /// Runs `events` with `run` now, on this thread, or leaves them for the thread holding the turn, which
    /// runs them (with `run` too) before it leaves. Whoever holds the turn also runs what is left meanwhile.
    func handle(_ events: [Event], run: ([Event]) -> Void) {
        if take() {
            run(events)
        } else {
            waiting.withLock { $0 += events }
            hasWaiting.store(true, ordering: .sequentiallyConsistent)
            // The holder may have left before it saw the flag: then the turn is free for this thread.
            guard take() else { return }
        }
        runWaitingAndLeave(run)
    }

    /// Waits for the turn to read the machine, then leaves as `handle` does, running what was left meanwhile.
    /// For reads only (tests, embedders): it yields the processor while another thread holds the turn.
    func read<Value>(_ body: () -> Value, run: ([Event]) -> Void) -> Value {
        while !take() { sched_yield() }
        let value = body()
        runWaitingAndLeave(run)
        return value
    }

    private func take() -> Bool {
        taken.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged
    }

    /// Runs every batch left for the turn, then gives it up; takes it back if a batch was left between
    /// the last look and the giving up, since the thread that left it may have found the turn still taken.
    private func runWaitingAndLeave(_ run: ([Event]) -> Void) {
        repeat {
            while hasWaiting.load(ordering: .sequentiallyConsistent) {
                hasWaiting.store(false, ordering: .sequentiallyConsistent)
                let batch = waiting.withLock { events in
                    defer { events = [] }
                    return events
                }
                if !batch.isEmpty { run(batch) }
            }
            taken.store(false, ordering: .sequentiallyConsistent)
        } while hasWaiting.load(ordering: .sequentiallyConsistent) && take()
    }
}
