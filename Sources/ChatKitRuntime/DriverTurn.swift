import Foundation
import Synchronization

/// Lets one thread at a time run a driver's machine, without a thread waiting for another in the usual
/// case: a thread that finds the turn taken leaves its events and returns, and the thread holding the turn
/// runs them before leaving.
///
/// A lock made the peer's reply wait whenever the thread holding it was preempted, at the end of a
/// `sendto` that woke the peer (docs/BENCHMARKS.md, "#18's residual"). Batches still run one at a time, and
/// what a thread left runs before anything it hands in later. A thread inside runs at most `waitingLimit`
/// events for others: past that, a thread waits for the turn as it would for a lock, so a flood of
/// datagrams can neither grow the queue without bound nor keep the thread inside (a console's reader, say)
/// running other threads' work.
final class DriverTurn<Event: Sendable>: Sendable {
    /// How many events the thread inside runs for others in one turn; a thread that would leave more waits.
    let waitingLimit: Int
    private let taken = Atomic<Bool>(false)
    private let hasWaiting = Atomic<Bool>(false)
    private let waiting = Mutex<Waiting>(Waiting())
    /// Whether the holder has run events left by others in this turn (so their count needs resetting).
    private let ranForOthers = Atomic<Bool>(false)
    private let blockedThreads = Atomic<Int>(0)
    private let turnFreed = NSCondition()

    /// The events left for the thread inside, and how many it has run for others in this turn.
    private struct Waiting {
        var events: [Event] = []
        var runForOthers = 0
    }

    /// A turn nobody holds; `waitingLimit` bounds the events the thread inside runs for others.
    init(waitingLimit: Int = 256) {
        self.waitingLimit = waitingLimit
    }

    /// Runs `events` with `run` on this thread if the turn is free. Otherwise leaves them for the thread
    /// holding it, which runs them (with its own `run`) before leaving, or, when `waitingLimit` events are
    /// already waiting, waits for the turn. Whoever holds the turn also runs what is left meanwhile.
    func handle(_ events: [Event], run: ([Event]) -> Void) {
        if take() { return runInOrder(events, run) }
        let left = waiting.withLock { waiting in
            guard waiting.events.count + waiting.runForOthers < waitingLimit else { return false }
            waiting.events += events
            return true
        }
        guard left else {
            waitForTurn()
            return runInOrder(events, run)
        }
        hasWaiting.store(true, ordering: .sequentiallyConsistent)
        // The holder may have left before it saw the flag: then the turn is free for this thread.
        if take() { runWaitingAndLeave(run) }
    }

    /// Waits for the turn to read the machine, then leaves as `handle` does, running what was left meanwhile.
    func read<Value>(_ body: () -> Value, run: ([Event]) -> Void) -> Value {
        waitForTurn()
        let value = body()
        runWaitingAndLeave(run)
        return value
    }

    /// Threads waiting for the turn because the queue was full (for tests).
    var waitingThreads: Int { blockedThreads.load(ordering: .sequentiallyConsistent) }

    private func take() -> Bool {
        taken.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged
    }

    private func waitForTurn() {
        blockedThreads.add(1, ordering: .sequentiallyConsistent)
        turnFreed.lock()
        while !take() { turnFreed.wait() }
        turnFreed.unlock()
        blockedThreads.subtract(1, ordering: .sequentiallyConsistent)
    }

    /// With the turn held: runs `events`, after whatever was left before them, then leaves.
    private func runInOrder(_ events: [Event], _ run: ([Event]) -> Void) {
        if hasWaiting.load(ordering: .sequentiallyConsistent) {
            waiting.withLock { $0.events += events }
        } else {
            run(events)
        }
        runWaitingAndLeave(run)
    }

    /// Runs every batch left for the turn, then gives it up; takes it back if a batch was left between
    /// the last look and the giving up, since the thread that left it may have found the turn still taken.
    private func runWaitingAndLeave(_ run: ([Event]) -> Void) {
        repeat {
            while hasWaiting.load(ordering: .sequentiallyConsistent) {
                hasWaiting.store(false, ordering: .sequentiallyConsistent)
                let batch = waiting.withLock { waiting in
                    defer { waiting.events = [] }
                    waiting.runForOthers += waiting.events.count
                    return waiting.events
                }
                if !batch.isEmpty {
                    ranForOthers.store(true, ordering: .relaxed)
                    run(batch)
                }
            }
            if ranForOthers.load(ordering: .relaxed) {
                ranForOthers.store(false, ordering: .relaxed)
                waiting.withLock { $0.runForOthers = 0 }
            }
            taken.store(false, ordering: .sequentiallyConsistent)
            if blockedThreads.load(ordering: .sequentiallyConsistent) > 0 {
                turnFreed.lock()
                turnFreed.broadcast()
                turnFreed.unlock()
            }
        } while hasWaiting.load(ordering: .sequentiallyConsistent) && take()
    }
}
