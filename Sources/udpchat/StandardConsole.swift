import ChatKitCore
import Foundation

/// The console on standard input and output. Lines shown are gathered and written with one system
/// call per batch of events (the driver flushes after each), so pipes and scripts see output as it
/// happens without a write per line.
final class StandardConsole: Console, @unchecked Sendable {
    private let outputLock = NSLock()
    private var pending: [UInt8] = []

    func show(_ line: String) {
        outputLock.withLock {
            pending.append(contentsOf: line.utf8)
            pending.append(UInt8(ascii: "\n"))
        }
    }

    func flush() {
        outputLock.withLock {
            guard !pending.isEmpty else { return }
            FileHandle.standardOutput.write(Data(pending))
            pending.removeAll(keepingCapacity: true)
        }
    }

    func startReading(onLine: @escaping @Sendable (String) -> Void, onEnd: @escaping @Sendable () -> Void) {
        let thread = Thread {
            while let line = readLine(strippingNewline: true) {
                onLine(line)
            }
            onEnd()
        }
        thread.name = "stdin"
        thread.start()
    }
}

/// The server's log: each line behind a timestamp, written through to a console.
final class TimestampedLog: Console, Sendable {
    private let console: any Console
    private let clock: any ChatKitCore.Clock
    private let utcOffsetSeconds: Int

    init(console: any Console, clock: any ChatKitCore.Clock, utcOffsetSeconds: Int) {
        self.console = console
        self.clock = clock
        self.utcOffsetSeconds = utcOffsetSeconds
    }

    func show(_ line: String) {
        console.show(Timestamp.format(microseconds: clock.wallClockMicroseconds, utcOffsetSeconds: utcOffsetSeconds) + " " + line)
    }

    func flush() {
        console.flush()
    }

    func startReading(onLine: @escaping @Sendable (String) -> Void, onEnd: @escaping @Sendable () -> Void) {}
}
