import ChatKitCore
import Foundation

/// The console on standard input and output, one line at a time, flushed after every line so pipes
/// and scripts see output as it happens.
final class StandardConsole: Console, Sendable {
    private let outputLock = NSLock()

    func show(_ line: String) {
        outputLock.withLock {
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
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
