import ChatKitCore
import ChatKitCrypto
import ChatKitRuntime
import ChatKitTesting
import Foundation
import Glibc
import StoreFiles
import StoreMemory
import StorePostgres
import TransportUDP

/// A ChatKit server in a child process (this program, run with `--serve`), so its CPU time and peak
/// memory can be read from /proc apart from the clients'.
final class ChildServer {
    let port: UInt16
    private let process = Process()
    private let output = Pipe()

    /// Starts a server on a free port; `dataDirectory` nil means the memory store, and a
    /// `postgresql://` URI a PostgreSQL store. With `UDPCHAT_BENCH_SERVER_PORT` set, it starts none and
    /// uses the one already serving on that loopback port (valgrind cannot start the child).
    init(dataDirectory: String?) throws {
        if let running = ProcessInfo.processInfo.environment["UDPCHAT_BENCH_SERVER_PORT"].flatMap(UInt16.init) {
            port = running
            return
        }
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["--serve", dataDirectory ?? "memory"]
        process.standardOutput = output
        process.standardInput = Pipe()
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard let port = UInt16(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw BenchError.serverDidNotStart(line)
        }
        self.port = port
    }

    var address: Address { Address(host: "127.0.0.1", port: port) }

    /// User plus system CPU time the server has used.
    var cpuTime: Duration {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return .zero }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        let ticks = (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)  // utime and stime
        return .milliseconds(ticks * 1000 / sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The server's peak resident memory, in bytes.
    var peakMemory: Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    /// Stops the child, if this started one.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// The child's side: serve until standard input closes, after printing the port.
    static func serve(store: String) -> Never {
        do {
            var config = ServerConfig()
            config.mailboxLimit = 100_000_000
            config.senderShareLimit = 100_000_000  // the save benchmark has one sender
            config.newNicksPerAddressPerMinute = 0  // the storm registers 10,000 nicks from 127.0.0.1
            config.senderByteQuota = .max  // the save benchmark stores 40,000 messages from one sender
            config.peerServicesPerSecond = 1_000_000  // the relay benchmark relays as fast as it can
            config.peerServicesBurst = 1_000_000
            let offlineStore: any OfflineStore
            if store == "memory" {
                offlineStore = MemoryStore()
            } else if store.hasPrefix("postgresql://") {
                offlineStore = try PostgresStore(connecting: store)
                // A server of a group sharing the database, as `udpchat -s <port> --database <uri>` is.
                config.identity = try IdentityKey.generate()
                config.sharesStore = true
            } else {
                offlineStore = try FileStore(directory: store)
            }
            let transport = try UDPTransport(port: 0, host: "127.0.0.1")
            if config.sharesStore, let key = config.identity?.publicKey {
                config.listing = ServerListing(host: "", port: transport.localAddress.port, key: key)
            }
            let driver = ServerDriver(
                machine: ServerMachine(config: config), transport: transport, store: offlineStore, clock: SystemClock(),
                log: DiscardingServerLog())
            driver.start()
            print(transport.localAddress.port)
            fflush(nil)
            while readLine() != nil {}
            exit(0)
        } catch {
            print("error: \(error)")
            exit(1)
        }
    }
}

enum BenchError: Error {
    case serverDidNotStart(String)
    case timedOut(String)
    /// A child process of the benchmark printed something other than its result.
    case childFailed(String)
    /// A measurement this machine cannot make, and why.
    case notRun(String)
}

/// A console that keeps nothing and counts the lines that start with each pattern, for benchmark clients.
func countingConsole(_ matches: [(String, Waiter)] = []) -> RecordingConsole {
    RecordingConsole(keepsRecord: false) { line in
        for (prefix, waiter) in matches where line.hasPrefix(prefix) { waiter.increment() }
    }
}

extension RecordingConsole {
    /// Lines arriving as a pipe delivers them: as many as fit in each 64 KiB read, in one batch.
    func pipe(_ lines: [String]) {
        var batch: [String] = []
        var bytes = 0
        for line in lines {
            if bytes + line.utf8.count + 1 > 64 << 10 {
                paste(batch)
                batch = []
                bytes = 0
            }
            batch.append(line)
            bytes += line.utf8.count + 1
        }
        if !batch.isEmpty { paste(batch) }
    }
}
