import ChatKitCore
import ChatKitRuntime
import ChatKitCrypto
import ChatKitTesting
import Foundation
import Glibc
import StoreMemory
import Synchronization
import TransportUDP

/// What a user waits for, on real UDP through a kernel network that drops a share of datagrams (#21's
/// targets): the benchmark makes a lossy namespace and runs `--waits-real <loss> <trials>` inside it.
/// Each trial starts two fresh clients, chats, kills the peer, chats to it, and restarts it.
enum WaitsBench {
    /// The flows measured, in the order the child prints them, with their targets at 0% and 30% loss.
    static let flows: [(name: String, atZero: String, atThirty: String)] = [
        ("start → welcomed", "", "p90 ≤ 2 s, max ≤ 5 s"),
        ("send → outcome line", "", "p90 ≤ 2 s, max ≤ 5 s"),
        ("vanished peer → saved", "≤ 1.0 s", "p90 ≤ 2 s, max ≤ 5 s"),
        ("killed client restarted → its stored message shown", "≤ 0.3 s", "p90 ≤ 2 s, max ≤ 5 s"),
    ]
    /// How long one wait may take before it counts as failed (and as this long).
    static let patience: Duration = .seconds(20)
    /// Trials run side by side, each with its own pair of clients.
    static let lanes = 5

    /// Measures every flow at 0, 10, 20 and 30% loss, `trials` times each (50 by default;
    /// `UDPCHAT_BENCH_WAITS_TRIALS` changes it), and reports p50 / p90 / max of each.
    static func run(into report: inout Report) {
        let trials = ProcessInfo.processInfo.environment["UDPCHAT_BENCH_WAITS_TRIALS"].flatMap { Int($0) } ?? 50
        for loss in [0, 10, 20, 30] {
            let title = "waits at \(loss)% real loss (p50 / p90 / max, \(trials) trials)"
            do {
                let samples = try run(lossPercent: loss, trials: trials)
                for (flow, values) in zip(flows, samples) {
                    var measured = Samples()
                    for value in values { measured.add(.microseconds(Int64(value * 1_000))) }
                    let target = loss == 0 ? flow.atZero : loss == 30 ? flow.atThirty : ""
                    let failed = values.filter { $0 >= patience.milliseconds }.count
                    report.add(
                        "\(flow.name) at \(loss)% loss",
                        [0.5, 0.9, 1].map { formatted(measured.percentile($0) / 1e6, digits: 2) }.joined(separator: " / ") + " s",
                        [target.isEmpty ? nil : "target \(target)", failed > 0 ? "\(failed) never ended" : nil].compactMap { $0 }
                            .joined(separator: "; "))
                }
            } catch BenchError.notRun(let reason) {
                return report.add(title, "not run", reason)
            } catch {
                report.add(title, "failed", "\(error)")
            }
        }
    }

    /// The samples of each flow, in milliseconds, measured in a namespace with `lossPercent`% UDP loss.
    static func run(lossPercent: Int, trials: Int) throws -> [[Double]] {
        let text = try LossyNamespace.runChild(lossPercent: lossPercent, arguments: ["--waits-real", "\(trials)"])
        let rows = text.split(separator: "\n").map { $0.split(separator: " ").compactMap { Double($0) } }
        guard rows.count == flows.count, rows.allSatisfy({ $0.count >= trials }) else {
            throw BenchError.childFailed("waits child printed \(text.prefix(200))")
        }
        return rows
    }

    /// The child's side, inside the namespace: one server and `trials` trials, `lanes` at a time; prints
    /// one line per flow with its samples in milliseconds.
    static func child(trials: Int) -> Never {
        do {
            let transport = try UDPTransport(port: 0, host: "127.0.0.1")
            let server = ServerDriver(
                machine: ServerMachine(config: ServerConfig()), transport: transport, store: MemoryStore(), clock: SystemClock(),
                log: DiscardingServerLog())
            server.start()
            let address = Address(host: "127.0.0.1", port: transport.localAddress.port)
            let samples = Mutex([[Double]](repeating: [], count: flows.count))
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                for index in stride(from: lane, to: trials, by: lanes) {
                    let measured = trial(index, server: address)
                    samples.withLock { all in
                        for (flow, value) in measured.enumerated() { all[flow].append(value) }
                    }
                }
            }
            for row in samples.withLock({ $0 }) {
                print(row.map { String(format: "%.1f", $0) }.joined(separator: " "))
            }
            exit(0)
        } catch {
            print("error: \(error)")
            exit(1)
        }
    }

    /// One trial: the milliseconds each flow took (`patience` for one that never ended).
    static func trial(_ index: Int, server: Address) -> [Double] {
        var waits: [Duration] = []
        let sender = "a\(index)", peer = "b\(index)"
        guard let a = try? BenchClient(nick: sender, port: 0, server: server), let b = try? BenchClient(nick: peer, port: 0, server: server)
        else { return Array(repeating: patience.milliseconds, count: flows.count) }
        waits.append(a.wait(after: 0, started: a.started) { $0.contains("[Welcome") })
        _ = b.wait(after: 0, started: b.started) { $0.contains("[Welcome") }
        // Both must hold each other's rows before chatting: tables converge under loss too.
        let converged = ContinuousClock.now + patience
        while a.driver.tableByNick[peer]?.online != true || b.driver.tableByNick[sender]?.online != true, ContinuousClock.now < converged {
            usleep(1_000)
        }

        var mark = a.console.lines.count
        var start = ContinuousClock.now
        a.console.type("send \(peer) hello \(index)")
        waits.append(a.wait(after: mark, started: start) { $0.contains("[Message received by") || $0.contains("saved.]") || $0.contains("offline") })

        b.kill()
        mark = a.console.lines.count
        start = ContinuousClock.now
        a.console.type("send \(peer) gone \(index)")
        waits.append(a.wait(after: mark, started: start) { $0.contains("[Messages received by the server and saved.]") })

        let restarted = try? BenchClient(
            nick: peer, port: b.port, server: server, identity: b.identity, prekeys: b.prekeys, addressToken: b.addressToken)
        waits.append(restarted.map { $0.wait(after: 0, started: $0.started) { $0.contains("gone \(index)") } } ?? patience)
        a.kill()
        restarted?.kill()
        return waits.map(\.milliseconds)
    }
}

/// One client of the waits benchmark: a real `ClientDriver` on real UDP whose lines are recorded, and
/// which can be killed as `kill -9` would (its socket goes silent and is closed, nothing is said).
final class BenchClient: Sendable {
    let driver: ClientDriver
    let console = RecordingConsole()
    let port: UInt16
    let identity: IdentityKey
    /// The prekeys its stored messages are sealed to, kept for its next run as `udpchat` keeps them.
    let prekeys: [Prekey]
    let started: ContinuousClock.Instant
    private let transport: SeverableTransport
    private let token = Locked<[UInt8]>([])

    /// Starts a client of `server` as `nick` on `port` (0: any), as udpchat does: with the restart flag,
    /// and the address token, identity and prekeys of its last run if given.
    init(
        nick: String, port: UInt16, server: Address, identity: IdentityKey? = nil, prekeys: [Prekey] = [], addressToken: [UInt8] = []
    ) throws {
        var config = ClientConfig(nick: nick, server: server)
        self.identity = try identity ?? IdentityKey.generate()
        config.identity = self.identity
        self.prekeys = try prekeys.isEmpty ? [Prekey(id: 1, privateKey: SecureRandom.bytes(32), createdAtMicroseconds: 0)] : prekeys
        config.prekeys = self.prekeys
        config.restarted = true
        config.addressToken = addressToken
        let token = token
        token.set(addressToken)
        // A killed process's port is free again once its socket is closed: the restart binds it anew.
        var bound: UDPTransport?
        for _ in 0..<200 where bound == nil {
            bound = try? UDPTransport(port: port, host: "127.0.0.1")
            if bound == nil { usleep(5_000) }
        }
        guard let bound else { throw BenchError.notRun("port \(port) stayed in use") }
        self.transport = SeverableTransport(bound)
        self.port = bound.localAddress.port
        started = ContinuousClock.now
        driver = ClientDriver(
            machine: ClientMachine(config: config), transport: transport, console: console, clock: SystemClock(),
            keepAddressToken: { token.set($0) }, onExit: { _ in })
        driver.start()
    }

    /// The latest address-validation token the server gave this client.
    var addressToken: [UInt8] { token.value }

    /// How long after `started` a line after the first `mark` lines matched `matches` (`patience` if none did).
    func wait(after mark: Int, started: ContinuousClock.Instant, _ matches: (String) -> Bool) -> Duration {
        let deadline = started + WaitsBench.patience
        while ContinuousClock.now < deadline {
            if console.lines.dropFirst(mark).contains(where: matches) { return ContinuousClock.now - started }
            usleep(500)
        }
        return WaitsBench.patience
    }

    /// Kills the client: it sends and hears nothing more, and its socket is closed.
    func kill() {
        transport.sever()
    }
}

/// A transport that can be cut, as a killed process's socket is: after `sever`, nothing is sent or
/// delivered, and the socket is closed (its port free again).
final class SeverableTransport: Transport, Sendable {
    private let inner: UDPTransport
    private let severed = Locked(false)

    init(_ inner: UDPTransport) { self.inner = inner }

    var localAddress: Address { inner.localAddress }

    func send(_ bytes: [UInt8], to destination: Address) {
        guard !severed.value else { return }
        inner.send(bytes, to: destination)
    }

    func send(_ datagrams: [OutgoingDatagram]) {
        guard !severed.value else { return }
        inner.send(datagrams)
    }

    func startReceiving(_ handler: @escaping @Sendable (Datagram) -> Void) {
        inner.startReceiving { [severed] datagram in if !severed.value { handler(datagram) } }
    }

    func startReceivingBatches(_ handler: @escaping @Sendable ([Datagram]) -> Void) {
        inner.startReceivingBatches { [severed] batch in if !severed.value { handler(batch) } }
    }

    /// Cuts the transport for good and closes its socket.
    func sever() {
        severed.set(true)
        inner.close()
    }

    func close() { sever() }
}

extension Duration {
    /// The duration in milliseconds.
    var milliseconds: Double { Double(components.seconds) * 1_000 + Double(components.attoseconds) / 1e15 }
}

/// A value behind a lock that closures may share (a `Mutex` cannot be captured).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    var value: Value { mutex.withLock { $0 } }

    func set(_ value: Value) { mutex.withLock { $0 = value } }
}
