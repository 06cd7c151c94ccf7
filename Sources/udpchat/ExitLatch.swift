import Dispatch
import Synchronization

/// Lets any thread decide the process's exit status and the main thread wait for it.
final class ExitLatch: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let code = Mutex<Int32?>(nil)

    /// Records the exit status; only the first call counts.
    func exit(with status: Int32) {
        let first = code.withLock { code in
            guard code == nil else { return false }
            code = status
            return true
        }
        if first { semaphore.signal() }
    }

    /// Blocks until some thread calls `exit(with:)` and returns its status.
    func wait() -> Int32 {
        semaphore.wait()
        return code.withLock { $0 } ?? 0
    }
}
