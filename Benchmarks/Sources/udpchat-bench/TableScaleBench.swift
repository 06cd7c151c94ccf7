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

    /// The table-scale check at full size (`.ci/run`: 100,000 clients, release): every client's held rows
    /// equal the server's, past the whole-table limit each client holds about its own row only, and the
    /// datagrams stay constant per client. Prints the outcome; exits 1 when a promise fails.
    static func check(clients: Int) -> Never {
        let started = ContinuousClock.now
        let outcome = RegistrationStorm.run(clients: clients, wave: 100, store: MemoryStore())
        print("scale: \(clients) clients registered and converged in \(ContinuousClock.now - started); \(outcome.clientRows) rows held, \(outcome.datagrams) datagrams, \(outcome.datagrams / max(1, clients)) per client")
        var failures: [String] = []
        if outcome.serverRows != clients { failures.append("the server holds \(outcome.serverRows) rows, not \(clients)") }
        if outcome.onlineRows != clients { failures.append("\(outcome.onlineRows) rows are online, not \(clients)") }
        if outcome.staleTables != 0 { failures.append("\(outcome.staleTables) of \(clients) client tables differ from the server's") }
        if clients > 1_000, outcome.clientRows >= 2 * clients { failures.append("clients hold \(outcome.clientRows) rows, over twice their number") }
        if outcome.datagrams >= clients * 12 + 256 * 256 * 4 { failures.append("\(outcome.datagrams) datagrams, over the bound") }
        for failure in failures { print("scale check failed: \(failure)") }
        exit(failures.isEmpty ? 0 : 1)
    }
}
