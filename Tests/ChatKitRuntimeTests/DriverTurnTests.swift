import Dispatch
import Foundation
import Synchronization
import Testing

@testable import ChatKitRuntime

/// `DriverTurn`: one batch at a time, in order, and no thread waits for another.
@Suite("Driver turn")
struct DriverTurnTests {
    /// Runs `body` on a thread of its own: a blocked Dispatch worker could leave the pool without one.
    func onNewThread(_ body: @escaping @Sendable () -> Void) {
        Thread(block: body).start()
    }

    /// The batches run, in order.
    final class Runs: Sendable {
        let batches = Mutex<[[Int]]>([])
        func record(_ batch: [Int]) { batches.withLock { $0.append(batch) } }
        var all: [[Int]] { batches.withLock { $0 } }
    }

    @Test("a thread that finds the turn taken leaves its events and returns; the holder runs them next, in order")
    func busyTurnTakesTheEvents() {
        let turn = DriverTurn<Int>()
        let runs = Runs()
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let run: @Sendable ([Int]) -> Void = { batch in
            runs.record(batch)
            if batch == [1] {
                entered.signal()
                release.wait()
            }
        }
        onNewThread {
            turn.handle([1], run: run)
            finished.signal()
        }
        entered.wait()
        turn.handle([2], run: run)  // returns at once: the other thread holds the turn
        turn.handle([3, 4], run: run)
        #expect(runs.all == [[1]], "nothing left runs before the holder's batch ends")
        release.signal()
        finished.wait()
        #expect(runs.all == [[1], [2, 3, 4]], "what was left ran as one batch, in the order it was left")
    }

    @Test("past its limit of waiting events, a thread waits for the turn, and its events run after those left before")
    func fullQueueWaitsForTheTurn() {
        let turn = DriverTurn<Int>(waitingLimit: 1)
        let runs = Runs()
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let run: @Sendable ([Int]) -> Void = { batch in
            runs.record(batch)
            if batch == [1] {
                entered.signal()
                release.wait()
            }
        }
        onNewThread {
            turn.handle([1], run: run)
            finished.signal()
        }
        entered.wait()
        turn.handle([2], run: run)  // left: the queue had room for it
        onNewThread {
            turn.handle([3], run: run)  // the queue is full: this thread waits for the turn
            finished.signal()
        }
        while turn.waitingThreads == 0 { sched_yield() }
        #expect(runs.all == [[1]])
        release.signal()
        finished.wait()
        finished.wait()
        #expect(runs.all == [[1], [2], [3]], "the waiting thread ran its events itself, after those left before")
    }

    @Test("the thread inside runs at most its limit of events for others in one turn; past it, threads wait")
    func workForOthersIsBounded() {
        let turn = DriverTurn<Int>(waitingLimit: 2)
        let runs = Runs()
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let run: @Sendable ([Int]) -> Void = { batch in
            runs.record(batch)
            if batch == [1] || batch == [2] {
                entered.signal()
                release.wait()
            }
        }
        onNewThread {
            turn.handle([1], run: run)
            finished.signal()
        }
        entered.wait()
        turn.handle([2], run: run)  // left: nothing run for others yet
        release.signal()
        entered.wait()  // the holder runs [2] for this thread: one event of its two
        turn.handle([3], run: run)  // left: one run, none waiting
        onNewThread {
            turn.handle([4], run: run)  // one run and one waiting: this thread waits for the turn
            finished.signal()
        }
        while turn.waitingThreads == 0 { sched_yield() }
        release.signal()
        finished.wait()
        finished.wait()
        #expect(runs.all == [[1], [2], [3], [4]])
    }

    @Test("events handed in from inside a batch run after it, on the same thread, instead of deadlocking")
    func reentrantEventsRunAfterTheBatch() {
        let turn = DriverTurn<Int>()
        let runs = Runs()
        func run(_ batch: [Int]) {
            runs.record(batch)
            if batch == [1] { turn.handle([2], run: run) }
        }
        turn.handle([1], run: run)
        #expect(runs.all == [[1], [2]])
    }

    @Test("a read with the turn free runs nothing and gives the value")
    func readWithTheTurnFree() {
        let turn = DriverTurn<Int>()
        let runs = Runs()
        #expect(turn.read({ 42 }, run: runs.record) == 42)
        #expect(runs.all.isEmpty)
        turn.handle([7], run: runs.record)
        #expect(runs.all == [[7]], "the read gave the turn back")
    }
}
