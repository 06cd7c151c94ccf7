import ChatKitCore
import Foundation
import Glibc
import StoreMemory
import ChatKitTesting

/// The simulated registration storm at full table convergence, each size in a child process of its own
/// (this program, run with `--storm-simulation <clients>`) so its time and peak memory stand alone.
enum TableScaleBench {
    struct Result {
        var clients: Int
        var elapsed: Duration
        var peakMemoryBytes: Int
        var outcome: RegistrationStorm.Outcome
    }

    /// Runs a storm of `clients` in a child process and reads back what it printed.
    static func run(clients: Int) throws -> Result {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["--storm-simulation", String(clients)]
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let fields = text.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard fields.count == 7 else { throw BenchError.childFailed("storm simulation printed \(text)") }
        return Result(
            clients: clients, elapsed: .microseconds(fields[0]), peakMemoryBytes: fields[1] * 1024,
            outcome: RegistrationStorm.Outcome(
                serverRows: fields[2], onlineRows: fields[3], staleTables: fields[4], clientRows: fields[5], datagrams: fields[6]))
    }

    /// The child's side: run the storm, print microseconds, peak KiB and the outcome's counts, and exit.
    static func child(clients: Int) -> Never {
        let started = ContinuousClock.now
        let outcome = RegistrationStorm.run(clients: clients, store: MemoryStore())
        let elapsed = ContinuousClock.now - started
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        print(elapsed.wholeNanoseconds / 1_000, usage.ru_maxrss, outcome.serverRows, outcome.onlineRows, outcome.staleTables,
              outcome.clientRows, outcome.datagrams)
        exit(0)
    }
}
