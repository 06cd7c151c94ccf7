import ChatKitTerminal
import ChatKitTesting
import Foundation
import Glibc

/// A child process with piped standard input and output, for end-to-end tests of `udpchat`.
final class RunningProcess: Sendable {
    private let process: Process
    private let input = Pipe()
    private let output = Pipe()
    private let lines = Inbox<String>()
    private let exitStatus = Inbox<Int32>()
    private let outputEnded = Inbox<Bool>()

    /// The `udpchat` binary that `swift build` put beside the test bundle.
    static var udpchat: URL {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [besideTests, Bundle.main.bundleURL, besideTests.deletingLastPathComponent()]
        return candidates.map { $0.appendingPathComponent("udpchat") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0].appendingPathComponent("udpchat")
    }

    /// Starts `executable` with `arguments`, standard error joined to standard output.
    init(_ arguments: [String], executable: URL = RunningProcess.udpchat) throws {
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        // Keys, outboxes, locks and address tokens go to a folder of the test run's, not the user's home
        // nor the user's runtime folder (without XDG_RUNTIME_DIR, locks fall back under XDG_DATA_HOME).
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_DATA_HOME"] = testDataHome
        environment["XDG_RUNTIME_DIR"] = nil
        process.environment = environment
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        let lines = self.lines
        // A plain thread with blocking reads: Foundation's readabilityHandler can crash libdispatch on
        // Linux when the pipe closes as the child exits.
        let reading = output.fileHandleForReading
        let outputEnded = self.outputEnded
        Thread.detachNewThread {
            var splitter = LineSplitter()
            while case let data = reading.availableData, !data.isEmpty {
                data.withUnsafeBytes { splitter.lines(in: $0) }.forEach(lines.append)
            }
            outputEnded.append(true)
        }
        let exitStatus = self.exitStatus
        process.terminationHandler = { exitStatus.append($0.terminationStatus) }
        try process.run()
    }

    /// Every complete line printed so far.
    var printed: [String] { lines.all }

    /// Waits until a printed line equals `line`; false on timeout.
    @discardableResult
    func waitFor(line: String, timeout: Duration = .seconds(10)) -> Bool {
        lines.wait(timeout: timeout) { $0.contains(line) }
    }

    /// Waits until a printed line contains `text`; false on timeout.
    @discardableResult
    func waitFor(containing text: String, timeout: Duration = .seconds(10)) -> Bool {
        lines.wait(timeout: timeout) { $0.contains { $0.contains(text) } }
    }

    /// Waits until at least `count` printed lines contain `text`; false on timeout.
    @discardableResult
    func waitFor(_ count: Int, linesContaining text: String, timeout: Duration = .seconds(10)) -> Bool {
        lines.wait(timeout: timeout) { $0.filter { $0.contains(text) }.count >= count }
    }

    /// Types a line into the process.
    func type(_ line: String) {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    /// Closes standard input, as Ctrl-D would.
    func endInput() {
        try? input.fileHandleForWriting.close()
    }

    /// Sends SIGKILL: the process dies at once, wherever it is.
    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
    }

    /// Sends SIGINT, as Ctrl-C would.
    func interrupt() {
        process.interrupt()
    }

    /// Waits for the process to exit and returns its status; kills it and returns nil after `timeout`.
    func waitForExit(timeout: Duration = .seconds(10)) -> Int32? {
        guard exitStatus.wait(timeout: timeout, until: { !$0.isEmpty }) else {
            process.terminate()
            return nil
        }
        // Everything the process printed has been read once its output reaches its end.
        outputEnded.wait(timeout: .seconds(2)) { !$0.isEmpty }
        return exitStatus.all.first
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}

/// The data folder every `udpchat` a test run starts shares (so a restarted client finds its keys), under
/// the system's temporary directory; removed when the test run exits, so tests leave nothing behind.
private let testDataHome: String = {
    atexit {
        try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "chatkit-tests-data-\(getpid())")
    }
    return NSTemporaryDirectory() + "chatkit-tests-data-\(getpid())"
}()
