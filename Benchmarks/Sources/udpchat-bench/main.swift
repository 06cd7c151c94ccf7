import ChatKitCore
import ChatKitCrypto
import Foundation
import ChatKitTesting

// Its child processes exit with drivers still running: libcrypto must not free itself at exit.
CryptoLibrary.keepUntilExit()

// udpchat-bench: measures ChatKit against the raw UDP floor and prints a table; see Report.swift.
// `--serve <memory|folder>` is the child-process server the benchmark starts itself, and
// `--storm-simulation <clients>` the child process of one simulated registration storm, and
// `--propagation-real` the child that measures table propagation inside a lossy network namespace, and
// `--waits-real <trials>` the child that measures a user's waits there. `--storm-check <clients>` is the
// table-scale check that `.ci/run` runs at 100,000 clients in release: it exits 1 unless every table converged.

if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "--serve" {
    ChildServer.serve(store: CommandLine.arguments[2])
}
if CommandLine.arguments.count == 2, CommandLine.arguments[1] == "--propagation-real" {
    RealLossPropagation.child()
}
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "--waits-real", let trials = Int(CommandLine.arguments[2]) {
    WaitsBench.child(trials: trials)
}
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "--storm-simulation", let clients = Int(CommandLine.arguments[2]) {
    TableScaleBench.child(clients: clients)
}
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "--storm-check", let clients = Int(CommandLine.arguments[2]) {
    TableScaleBench.check(clients: clients)
}

/// `UDPCHAT_BENCH_ONLY=latency,storm` runs only those of latency, pipelined, firstchat, relay, saves, ceiling (group-ceiling: the groups' steps alone), crossing, storm, tables, liveness, flood, waits and simulation
/// (the raw round trip always runs); docs/BENCHMARKS.md is written only by a full run.
/// `UDPCHAT_BENCH_LATENCY_ROUNDS` sets how many send→ACK round trips are measured (5,000; 200 more warm up).
let only = ProcessInfo.processInfo.environment["UDPCHAT_BENCH_ONLY"]?.split(separator: ",").map(String.init)
func wanted(_ name: String) -> Bool { only.map { $0.contains { name.contains($0) } } ?? true }

let begun = ContinuousClock.now
var report = Report()
print("udpchat-bench on \(Machine.description)\n")

do {
    let rtt = RawFloor.pingPong(iterations: 20_000)
    report.add("raw UDP ping-pong RTT p50 / p99", "\(formatted(rtt.percentile(0.5), digits: 1)) / \(formatted(rtt.percentile(0.99), digits: 1)) µs")
    let oneWay = wanted("pipelined") ? RawFloor.oneWayRate(count: 1_000_000) : .nan
    if wanted("pipelined") { report.add("raw UDP one-way rate", "\(formatted(oneWay)) datagrams/s") }

    if wanted("latency") || wanted("pipelined") {
        let memoryServer = try ChildServer(dataDirectory: nil)
        let chat = try ChatBench(server: memoryServer)
        if wanted("latency") {
            let rounds = ProcessInfo.processInfo.environment["UDPCHAT_BENCH_LATENCY_ROUNDS"].flatMap { Int($0) } ?? 5_000
            let latency = try chat.latency(iterations: rounds)
            let p50 = latency.percentile(0.5)
            report.add(
                "ChatKit send→ACK p50 / p99", "\(formatted(p50, digits: 1)) / \(formatted(latency.percentile(0.99), digits: 1)) µs",
                "\(formatted(p50 / rtt.percentile(0.5), digits: 2))× raw RTT (target ≤ 1.5×)")
        }
        if wanted("pipelined") {
            let pipelined = try chat.pipelined(count: 100_000)
            report.add(
                "ChatKit pipelined P2P, each ACKed", "\(formatted(pipelined.rate)) messages/s",
                "\(formatted(100 * pipelined.rate / oneWay, digits: 1))% of raw one-way (target ≥ 50%); \(pipelined.fellBack) fell back to the server")
        }
        memoryServer.stop()
    }

    if wanted("firstchat") {
        // What a first chat computes, step by step, apart from the sockets, threads and cold caches around it.
        for (step, microseconds) in try HandshakeBench.run() {
            report.add("first chat's crypto p50: \(step)", "\(formatted(microseconds, digits: 1)) µs", "warm, one thread, no sockets")
        }
        // Fresh pairs: each one's first chat runs the Noise handshake before it; the second rides the session.
        let firstServer = try ChildServer(dataDirectory: nil)
        var first = Samples(), next = Samples()
        for index in 0..<50 {
            let pair = try ChatBench(server: firstServer, sender: "f\(index)", recipient: "g\(index)")
            first.add(try pair.once(0))
            next.add(try pair.once(1))
        }
        firstServer.stop()
        let extra = first.percentile(0.5) - next.percentile(0.5)
        report.add(
            "ChatKit first chat to a new peer p50 / p99 (handshake included)",
            "\(formatted(first.percentile(0.5), digits: 1)) / \(formatted(first.percentile(0.99), digits: 1)) µs",
            "\(formatted(extra, digits: 1)) µs more than the pair's next chat (\(formatted(next.percentile(0.5), digits: 1)) µs): \(formatted(extra / rtt.percentile(0.5), digits: 1)) raw RTTs (target ≤ 1 round trip more)")
    }

    if wanted("relay") {
        // One server; a direct pair, a relayed pair and a raw socket take turns, so all three see the same
        // machine at the same moments.
        let relayServer = try ChildServer(dataDirectory: nil)
        let directPair = try ChatBench(server: relayServer, sender: "x", recipient: "y")
        let relayPair = try ChatBench(server: relayServer, relayOnly: true, sender: "rx", recipient: "ry")
        let (probe, _) = RawFloor.socket()
        var direct = Samples(), relayed = Samples(), serverRTT = Samples()
        for index in 0..<3_200 {
            let (d, r, s) = (try directPair.once(index), try relayPair.once(index), RawFloor.serverRoundTrip(probe, port: relayServer.address.port, id: UInt64(index + 1)))
            guard index >= 200, let s else { continue }
            direct.add(d)
            relayed.add(r)
            serverRTT.add(s)
        }
        close(probe)
        relayServer.stop()
        let bound = direct.percentile(0.5) + serverRTT.percentile(0.5)
        report.add(
            "ChatKit send→ACK through the server's relay p50 / p99",
            "\(formatted(relayed.percentile(0.5), digits: 1)) / \(formatted(relayed.percentile(0.99), digits: 1)) µs",
            "direct send→ACK p50 \(formatted(direct.percentile(0.5), digits: 1)) µs + round trip to the server (keepalive) p50 "
                + "\(formatted(serverRTT.percentile(0.5), digits: 1)) µs = \(formatted(bound, digits: 1)) µs (target: relay ≤ that)")
    }

    if wanted("saves") {
        let folder = NSTemporaryDirectory() + "udpchat-bench-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fileServer = try ChildServer(dataDirectory: folder)
        let fileSaves = try SaveBench.run(server: fileServer, count: 40_000)
        report.add("durable saves, StoreFiles", "\(formatted(fileSaves)) saves/s", "target ≥ 20,000/s")
        fileServer.stop()
        let memorySaveServer = try ChildServer(dataDirectory: nil)
        let memorySaves = try SaveBench.run(server: memorySaveServer, count: 40_000)
        report.add("saves, StoreMemory", "\(formatted(memorySaves)) saves/s")
        memorySaveServer.stop()
        // PostgreSQL in a throwaway cluster on loopback (default settings: each commit waits for the WAL's fsync).
        switch PostgresCluster.shared {
        case .success(let cluster):
            let postgresServer = try ChildServer(dataDirectory: try cluster.freshDatabase())
            let postgresSaves = try SaveBench.run(server: postgresServer, count: 20_000)
            report.add(
                "durable saves, StorePostgres", "\(formatted(postgresSaves)) saves/s",
                "a throwaway PostgreSQL 15 cluster on loopback; a batch of saves is one transaction, answered after its commit")
            postgresServer.stop()
        case .failure(let reason):
            report.add("durable saves, StorePostgres", "not run", reason.description)
        }
    }

    if wanted("ceiling") {
        // One server on the memory store: more clients until a step no longer holds.
        for clients in [50_000, 100_000, 200_000, 400_000, 800_000] {
            let server = try ChildServer(dataDirectory: nil)
            let result = CeilingBench.run(clients: clients, servers: [server])
            server.stop()
            report.add(ceiling: result, servers: "1 server, StoreMemory")
            if !result.held { break }
        }
    }
    if wanted("group-ceiling") {
        // One, two and three servers sharing a PostgreSQL database (each new nick claimed there, durably):
        // more clients until a step no longer holds.
        if case .success(let cluster) = PostgresCluster.shared {
            // UDPCHAT_BENCH_GROUP_SIZES=2,3 measures only groups of those sizes.
            let sizes = ProcessInfo.processInfo.environment["UDPCHAT_BENCH_GROUP_SIZES"]?.split(separator: ",").compactMap { Int($0) } ?? [1, 2, 3]
            for count in sizes {
                for clients in [25_000, 50_000, 100_000, 200_000, 400_000] {
                    let database = try cluster.freshDatabase()
                    let servers = try (0..<count).map { _ in try ChildServer(dataDirectory: database) }
                    let result = CeilingBench.run(clients: clients, servers: servers)
                    servers.forEach { $0.stop() }
                    report.add(ceiling: result, servers: "\(count) server(s), one PostgreSQL")
                    if !result.held { break }
                }
            }
        }
    }

    if wanted("crossing") {
        let title = "a new client's row reaching another server's client, p50 / p99 / max"
        switch PostgresCluster.shared {
        case .success(let cluster):
            let database = try cluster.freshDatabase()
            let (first, second) = (try ChildServer(dataDirectory: database), try ChildServer(dataDirectory: database))
            let samples = try CrossingBench.run(first: first, second: second)
            first.stop()
            second.stop()
            report.add(
                title,
                "\(formatted(samples.percentile(0.5) / 1_000, digits: 2)) / \(formatted(samples.percentile(0.99) / 1_000, digits: 2)) / "
                    + "\(formatted(samples.percentile(1) / 1_000, digits: 2)) ms",
                "two servers on one PostgreSQL; from the newcomer's welcome at one to the table change at the other's client "
                    + "(a commit, its NOTIFY, a read of the news); 100 newcomers")
        case .failure(let reason):
            report.add(title, "not run", reason.description)
        }
    }

    for count in [1_000, 10_000] where wanted("storm") {
        let stormServer = try ChildServer(dataDirectory: nil)
        let storm = StormBench.run(count: count, server: stormServer)
        let converged = storm.convergedClients == count
            ? "\(formatted(storm.converged.seconds, digits: 2)) s to converge"
            : "\(formatted(Double(storm.convergedClients))) converged in \(formatted(storm.converged.seconds, digits: 0)) s"
        let floor = oneWay.isFinite ? "raw floor \(formatted(Double(4 * count) / oneWay, digits: 2)) s; " : ""
        report.add(
            "registration storm, \(formatted(Double(count))) clients", converged,
            floor + "server CPU \(formatted(storm.serverCPU.seconds, digits: 2)) s, peak memory \(formatted(Double(storm.serverPeakMemory) / 1_048_576, digits: 0)) MiB"
                + (count == 10_000 ? " (target ≤ 2 s, ≤ 1 s CPU)" : "")
                + (storm.stragglers.isEmpty ? "" : "; timed out: \(storm.stragglers)"))
        stormServer.stop()
    }

    if wanted("tables") {
        // UDPCHAT_BENCH_TABLE_SIZES=1000,100000 simulates only storms of those sizes (a million takes minutes).
        let sizes = ProcessInfo.processInfo.environment["UDPCHAT_BENCH_TABLE_SIZES"]?.split(separator: ",").compactMap { Int($0) }
        for count in sizes ?? [1_000, 10_000, 100_000, 1_000_000] {
            let storm = try TableScaleBench.run(clients: count)
            report.add(
                "simulated storm, \(formatted(Double(count))) clients, every held row checked",
                "\(formatted(storm.elapsed.seconds, digits: 1)) s",
                "peak memory \(formatted(Double(storm.peakMemoryBytes) / 1_048_576, digits: 0)) MiB; "
                    + "\(formatted(Double(storm.outcome.clientRows))) rows held; \(storm.outcome.staleTables) stale tables"
                    + (count == 100_000 ? " (target ≤ 60 s, ≤ 2 GiB)" : ""))
        }
    }

    if wanted("liveness") {
        LivenessBench.run(into: &report)
        LivenessBench.realLoss(into: &report)
    }

    if wanted("flood") { FloodBench.run(into: &report) }

    if wanted("waits") { WaitsBench.run(into: &report) }

    if wanted("simulation") {
        let speed = SimulationBench.run()
        report.add("simulation, 100 clients", "\(formatted(speed)) simulated s per real s")
    }
} catch {
    print("benchmark stopped: \(error)")
    report.add("benchmark stopped", "see the output")
}
if only == nil { report.write(duration: ContinuousClock.now - begun) }
