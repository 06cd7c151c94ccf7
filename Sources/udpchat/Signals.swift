import Dispatch
import Glibc

/// Turns SIGINT and SIGTERM into calls on a Dispatch queue instead of killing the process.
enum Signals {
    /// Keeps the sources alive for the life of the process.
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Calls `handler` with the signal number on every SIGINT or SIGTERM. Call once, from the main thread.
    static func onInterrupt(_ handler: @escaping @Sendable (Int32) -> Void) {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { handler(signalNumber) }
            source.resume()
            sources.append(source)
        }
    }
}
