import ChatKitCrypto
import Synchronization

/// Random 64-bit values for `RandomSource.system`, drawn 4 KiB at a time from libcrypto's generator (which
/// the operating system seeds): a message id then costs a lock instead of a `getrandom` system call, which
/// took longer than handling the chat it named.
enum RandomPool {
    private static let pool = Mutex(Pool())

    /// The next value; from the operating system's generator directly if libcrypto's fails.
    static func next() -> UInt64 {
        pool.withLock { $0.next() }
    }

    private struct Pool: Sendable {
        private var values: [UInt64] = []
        private var used = 0

        mutating func next() -> UInt64 {
            if used == values.count {
                guard let bytes = try? SecureRandom.bytes(4_096) else {
                    var generator = SystemRandomNumberGenerator()
                    return generator.next()
                }
                values = bytes.withUnsafeBytes { raw in (0..<512).map { raw.load(fromByteOffset: 8 * $0, as: UInt64.self) } }
                used = 0
            }
            // Each value is handed out once, and forgotten.
            defer { values[used] = 0; used += 1 }
            return values[used]
        }
    }
}
