import ChatKitCore
import Foundation
import Synchronization

/// The console on standard input and output in plain line mode, for pipes and scripts: no escape codes,
/// no prompt. Lines shown are gathered and written with one system call per batch of events (the driver
/// flushes after each), so output appears as it happens without a write per line.
public final class StandardConsole: Console, Sendable {
    private let pending = Mutex<[UInt8]>([])

    /// A console on this process's standard input and output.
    public init() {}

    public func show(_ line: String) {
        pending.withLock {
            $0.append(contentsOf: line.utf8)
            $0.append(UInt8(ascii: "\n"))
        }
    }

    public func flush() {
        pending.withLock {
            guard !$0.isEmpty else { return }
            FileHandle.standardOutput.write(Data($0))
            $0.removeAll(keepingCapacity: true)
        }
    }

    public func startReading(onLine: @escaping @Sendable (String) -> Void, onEnd: @escaping @Sendable () -> Void) {
        startReadingBatches(onLines: { $0.forEach(onLine) }, onEnd: onEnd)
    }

    /// Reads standard input in blocks of up to 64 KiB and delivers each block's complete lines as one
    /// batch, so a piped file streams without a lock and a send per line.
    public func startReadingBatches(onLines: @escaping @Sendable ([String]) -> Void, onEnd: @escaping @Sendable () -> Void) {
        let thread = Thread {
            var splitter = LineSplitter()
            let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
            defer { block.deallocate() }
            while true {
                let count = read(STDIN_FILENO, block.baseAddress, block.count)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                let lines = splitter.lines(in: UnsafeRawBufferPointer(rebasing: block[0..<count]))
                if !lines.isEmpty { onLines(lines) }
            }
            if let last = splitter.end() { onLines([last]) }
            onEnd()
        }
        thread.name = "stdin"
        thread.start()
    }
}

/// The server's log as text: each event's line behind a timestamp, written through to a console.
public final class TimestampedLog: ServerLog {
    private let console: any Console
    private let clock: any DriverClock
    private let utcOffsetSeconds: Int

    /// A log that stamps lines with `clock`'s wall-clock time in the given time zone.
    public init(console: any Console, clock: any DriverClock, utcOffsetSeconds: Int) {
        self.console = console
        self.clock = clock
        self.utcOffsetSeconds = utcOffsetSeconds
    }

    public func record(_ event: ServerLogEvent) {
        show(event.description)
    }

    /// Writes one line of the server's own (its summary at exit), timestamped like the events.
    public func show(_ line: String) {
        console.show(Timestamp.format(microseconds: clock.wallClockMicroseconds, utcOffsetSeconds: utcOffsetSeconds) + " " + line)
    }

    public func flush() {
        console.flush()
    }
}
