import ChatKitCore
import Foundation
import ChatKitRuntime
import ChatKitTesting

/// One randomized run of the whole system under faults, checked against the delivery promises.
///
/// Several clients and the server run on the loopback network. For a while they are driven by random
/// sends, `dereg`/`reg`, client and server crashes and restarts, hosts cut off, and datagram loss (up to
/// 30%), duplication and reordering. Then the faults stop, every client comes back online, and the
/// system settles. This file holds only the scenario: three checkers over typed records (the `Notice`s
/// each process shows, the tables) judge it, safety at every step and liveness once settled:
/// `DeliveryChecker` (1. every `send` ends in exactly one outcome, never silence; 2. no process shows a
/// message twice; 3. every message ACKed or saved is shown to its recipient, and nothing is shown that
/// was not sent), `ConvergenceChecker` (every client's table is the server's) and `ImpostorChecker`
/// (live holders keep their nicknames). About half the clients sit behind routers of the loopback
/// network's NAT model (home, cone or symmetric), each its own or shared by two. An active attacker
/// (`ChaosAttacker`) replays, changes and forges datagrams on every path and squats on ports crashed
/// clients left: nothing of it may be shown, and no typed text may reach it in the clear.
/// Everything comes from the seed, so a failing run replays exactly; its trace says what happened when.
final class ChaosRun {
    struct Options {
        var clients = 4
        var activeTime: Duration = .seconds(60)
        var settleTime: Duration = .seconds(60)
        var maxLossRate = 0.3
        var step: Duration = .milliseconds(50)
        /// How long a client's held rows may differ from the server's once faults stop.
        var convergenceLimit: Duration = .seconds(5)
        /// The share of clients behind a router.
        var natShare = 0.5
        /// How often, per step, the attacker acts (0: no attacker).
        var attackRate = 0.1
        /// The ports of the other servers of a group sharing the store (empty: one server, as the seed
        /// has). A crash then takes down any one of them, and clients move on.
        var groupPorts: [UInt16] = []
    }

    /// One client process the scenario started: its nick and how far its notices were read.
    final class Process {
        let nick: String
        let client: SimulatedClient
        var scanned = 0

        init(nick: String, client: SimulatedClient) {
            self.nick = nick
            self.client = client
        }
    }

    /// An impostor: a second process under a live holder's nickname, from another host.
    struct Impostor {
        let id: Int
        let client: SimulatedClient
        let holder: Int
        let started: Instant
        var scanned = 0
    }

    let seed: UInt64
    let options: Options
    let sim: Simulation
    private var random: RandomSource
    private(set) var trace: [String] = []
    /// The checkers that judge the run.
    private(set) var delivery = DeliveryChecker()
    private(set) var convergence: ConvergenceChecker
    private(set) var impostorCheck = ImpostorChecker()
    private var processes: [Process] = []
    private var current: [String: Int] = [:]
    private var restarts: [(at: Instant, nick: String)] = []
    private var serverRestartAt: Instant?
    /// Which server a crash took down: nil for the main one.
    private var crashedGroupPort: UInt16?
    private var hostsDown: [(until: Instant, host: String)] = []
    private var nextPort: UInt16 = 7000
    private var nicks: [String]
    /// Second processes started under a live holder's nickname: the holder must keep it.
    private var impostors: [Impostor] = []
    private var impostorsStarted = 0
    /// The active attacker, and the generator of its own it draws from.
    let attacker: ChaosAttacker
    private var attackRandom: RandomSource
    /// Typed texts the attacker overheard in the clear on a squatted port.
    private var attackFailures: [String] = []
    /// How many failures the trace has told of so far.
    private var failuresLogged = 0
    /// Each client's host, and the routers (public host → behaviour) some of them sit behind.
    private var hosts: [String: String] = [:]

    init(seed: UInt64, options: Options = Options()) {
        self.seed = seed
        self.options = options
        self.random = .seeded(seed)
        self.sim = Simulation(seed: seed)
        if ProcessInfo.processInfo.environment["CHATKIT_CHAOS_DEBUG"] != nil { sim.logLevel = .debug }
        self.nicks = (0..<options.clients).map { "c\($0)" }
        self.convergence = ConvergenceChecker(limit: options.convergenceLimit)
        let main = sim.serverAddress
        let servers = [main] + options.groupPorts.map { Address(host: main.host, port: $0) }
        self.attacker = ChaosAttacker(network: sim.network, servers: Set(servers))
        self.attackRandom = .seeded(seed ^ 0x4154_5441)
        placeBehindRouters()
    }

    /// Puts about `natShare` of the clients behind routers, from a generator of their own so the rest of
    /// the run's choices stay as they were: a router each, or two clients behind one.
    private func placeBehindRouters() {
        var placement = RandomSource.seeded(seed ^ 0x4E41_5400)
        let behaviours: [(String, NATBehaviour)] = [
            ("home", .homeRouter), ("restricted cone", .restrictedCone), ("full cone", .fullCone), ("symmetric", .symmetric),
            ("masquerade without input filter", .masqueradeWithoutInputFilter),
        ]
        var sharedRouter: (host: String, inside: Set<String>, behaviour: NATBehaviour)?
        for (index, nick) in nicks.enumerated() {
            guard Double(placement.next() % 1_000) / 1_000 < options.natShare else { continue }
            let (name, behaviour) = behaviours[Int(placement.next() % UInt64(behaviours.count))]
            if var shared = sharedRouter, placement.next() % 2 == 0 {
                let host = "10.99.0.\(index + 2)"
                shared.inside.insert(host)
                sharedRouter = shared
                hosts[nick] = host
                log("\(nick) behind the shared router \(shared.host) at \(host)")
            } else {
                let host = "10.\(index + 1).0.2"
                hosts[nick] = host
                sim.network.addRouter(publicHost: "203.0.113.\(index + 1)", insideHosts: [host], behaviour: behaviour)
                log("\(nick) behind a \(name) router 203.0.113.\(index + 1) at \(host)")
                if sharedRouter == nil { sharedRouter = ("203.0.113.99", [], behaviour) }
            }
        }
        if let shared = sharedRouter, !shared.inside.isEmpty {
            sim.network.addRouter(publicHost: shared.host, insideHosts: shared.inside, behaviour: shared.behaviour)
        }
    }

    /// How many times a client moved to another server of its group (crashed processes, whose timers
    /// still run in a simulation, left out).
    var moves: Int {
        processes.indices.filter { delivery.processes[$0]?.crashed == false }.reduce(0) { total, index in
            total + processes[index].client.notices.count { if case .movedToServer = $0 { true } else { false } }
        }
    }

    /// Every failure the checkers found, each named by its class.
    var violations: [String] {
        delivery.failures.map(\.description) + convergence.failures.map(\.description) + impostorCheck.failures.map(\.description)
            + attackFailures
    }

    /// Runs the scenario and the checks; the violations say what broke.
    func run() -> [String] {
        startMainServer()
        for port in options.groupPorts { sim.startGroupServer(port: port) }
        for nick in nicks { startProcess(nick, port: 6061) }
        sim.run(for: .milliseconds(200))
        scanAll()

        let activeUntil = sim.clock.now + options.activeTime
        var nextFaultChange = sim.clock.now
        while sim.clock.now < activeUntil {
            if sim.clock.now >= nextFaultChange {
                changeFaults()
                nextFaultChange = sim.clock.now + .seconds(Int64(2 + random.next() % 6))
            }
            if chance(0.35) { randomAction() }
            if attackChance(options.attackRate), let line = attacker.attack(&attackRandom, forging: nicks) { log(line) }
            sim.run(for: options.step)
            handleScheduled()
            scanAll()
            checkImpostors()
            logNewFailures()
        }
        settle()
        check()
        logNewFailures()
        return violations
    }

    // MARK: - Actions

    private func randomAction() {
        let roll = random.next() % 100
        switch roll {
        case 0..<60: randomSend()
        case 60..<68: typeInto(randomIdleProcess(), .dereg)
        case 68..<78: typeInto(randomIdleProcess(), .reg)
        // In a group, clients crash a quarter as often, so that some live through a server's silence
        // and move on.
        case 78..<85 where options.groupPorts.isEmpty || random.next() % 4 == 0: crashRandomClient()
        case 85..<89: crashServer()
        case 89..<94: cutOffRandomHost()
        case 94..<97: startImpostor()
        default: break
        }
    }

    private func randomSend() {
        guard let index = randomIdleProcess() else { return }
        let sender = processes[index].nick
        let others = nicks.filter { $0 != sender }
        let recipient = others[Int(random.next() % UInt64(others.count))]
        let text = "m\(delivery.sends.count) \(sender)>\(recipient)"
        typeInto(index, .send(to: recipient, text: text))
    }

    private func typeInto(_ index: Int?, _ command: DeliveryChecker.Command) {
        guard let index else { return }
        let process = processes[index]
        delivery.typed(command, into: index)
        let line: String
        switch command {
        case .send(let recipient, let text): line = "send \(recipient) \(text)"
        case .dereg:
            line = "dereg \(process.nick)"
            impostorCheck.deregTyped(by: "\(process.nick)#\(index)", at: sim.clock.now)
        case .reg: line = "reg \(process.nick)"
        }
        log("\(process.nick)#\(index) types: \(line)")
        process.client.console.type(line)
    }

    private func randomIdleProcess() -> Int? {
        let idle = nicks.compactMap { current[$0] }.filter { delivery.processes[$0]?.isIdle == true }
        guard !idle.isEmpty else { return nil }
        return idle[Int(random.next() % UInt64(idle.count))]
    }

    private func crashRandomClient() {
        let live = nicks.compactMap { current[$0] }.filter { isAlive($0) }
        guard !live.isEmpty else { return }
        let index = live[Int(random.next() % UInt64(live.count))]
        delivery.crashed(index)
        processes[index].client.crash()
        if attackChance(options.attackRate * 3) { log(attacker.squat(on: processes[index].client.address)) }
        let delay = Duration.milliseconds(Int64(500 + random.next() % 8_000))
        restarts.append((sim.clock.now + delay, processes[index].nick))
        log("crash \(processes[index].nick)#\(index); restart in \(delay)")
    }

    private func crashServer() {
        guard serverRestartAt == nil else { return }
        if options.groupPorts.isEmpty {
            sim.crashServer()
        } else {
            // Any server of the group, the main one among them; clients move to the next.
            let choice = Int(random.next() % UInt64(options.groupPorts.count + 1))
            crashedGroupPort = choice == 0 ? nil : options.groupPorts[choice - 1]
            if let port = crashedGroupPort { sim.crashGroupServer(port: port) } else { sim.crashServer() }
        }
        impostorCheck.serverCrashed(at: sim.clock.now)
        // A group's server may stay down past the clients' silence limit (8 s), so they move on.
        let delay = Duration.milliseconds(Int64(200 + random.next() % (options.groupPorts.isEmpty ? 5_000 : 20_000)))
        serverRestartAt = sim.clock.now + delay
        log("crash \(crashedGroupPort.map { "server:\($0)" } ?? "server"); restart in \(delay)")
    }

    private func cutOffRandomHost() {
        let host = hostOf(nicks[Int(random.next() % UInt64(nicks.count))])
        let duration = Duration.milliseconds(Int64(500 + random.next() % 5_000))
        sim.network.setHost(host, up: false)
        hostsDown.append((sim.clock.now + duration, host))
        impostorCheck.cutOff(host, until: sim.clock.now + duration)
        log("cut off \(host) for \(duration)")
    }

    /// Starts a second process under the nickname of a live, registered holder, from another host, as a
    /// user starting the program twice would. While the holder answers, it must keep its nickname.
    private func startImpostor() {
        let live = nicks.compactMap { current[$0] }.filter {
            delivery.processes[$0]?.isIdle == true && delivery.processes[$0]?.deregistered == false
        }
        guard !live.isEmpty, serverRestartAt == nil, sim.server != nil else { return }
        let holder = live[Int(random.next() % UInt64(live.count))]
        let nick = processes[holder].nick
        // Only a nickname the server knows as the holder's (not one a restarted server forgot) is at stake.
        guard let row = sim.server?.tableByNick[nick], row.online, row.address == processes[holder].client.address else {
            return
        }
        // In a group, the holder's own server must know it too: the others' rows may be from before that
        // server restarted and forgot its clients, and it then lets the nick go (docs/SECURITY.md, as one
        // server does after a restart). Chaos seed 5938 started one 0.45 s after such a restart.
        guard options.groupPorts.isEmpty || homeServer(of: holder)?.rowsHeld(by: nick) != nil else { return }
        // In a group, at any server: the holder's own server probes it for the impostor's.
        let ports = [sim.serverAddress.port] + options.groupPorts
        let port = ports[Int(random.next() % UInt64(ports.count))]
        // From another host, or (a third of the time) the holder's own: the same user starting the
        // program twice, which is no restart while the holder runs.
        let host = random.next() % 3 == 0 ? processes[holder].client.address.host : "impostor-\(nick)"
        let client = sim.startClient(nick, host: host, port: nextPort) {
            $0.server = Address(host: self.sim.serverAddress.host, port: port)
        }
        nextPort += 1
        impostorCheck.impostorStarted()
        // Impostors are numbered apart from the scenario's processes.
        let id = 1_000_000 + impostorsStarted
        impostorsStarted += 1
        delivery.started(id, nick: nick, impostor: true)
        impostors.append(Impostor(id: id, client: client, holder: holder, started: sim.clock.now))
        log("impostor \(nick) at \(client.address) (holder #\(holder), at server:\(processes[holder].client.driver.server.port))")
    }

    /// Reads what each impostor showed; one that is welcomed is judged by the impostor checker. Impostors
    /// are stopped once welcomed, after 6 s, or when they exit.
    private func checkImpostors() {
        var finished: Set<Int> = []
        for (position, impostor) in impostors.enumerated() {
            let notices = impostor.client.notices
            for notice in notices.dropFirst(impostor.scanned) { delivery.shown(notice, by: impostor.id, at: sim.clock.now) }
            impostors[position].scanned = notices.count
            let welcomed = notices.contains { $0 == .registered || $0 == .reRegistered }
            if welcomed, let holder = delivery.processes[impostor.holder] {
                let name = "\(holder.nick)#\(impostor.holder)"
                impostorCheck.welcomed(
                    impostor.client.address, startedAt: impostor.started,
                    holder: ImpostorChecker.Holder(
                        name: name, host: hostOf(holder.nick), alive: holder.alive, deregistered: holder.deregistered,
                        gaveUpOnServer: holder.serverGaveUp),
                    at: sim.clock.now)
            }
            if welcomed || impostor.started + .seconds(6) <= sim.clock.now || impostor.client.exitStatus != nil {
                impostor.client.crash()
                finished.insert(impostor.id)
            }
        }
        impostors.removeAll { finished.contains($0.id) }
    }

    /// Once faults stop, every settled client's held rows must equal the server's within the limit.
    private func checkConvergence() {
        for nick in nicks {
            guard let index = current[nick], let server = homeServer(of: index) else { continue }
            let serverRows = server.tableByNick
            let settled = isAlive(index) && delivery.processes[index]?.registered == true
                && serverRows[nick]?.address == processes[index].client.address
            convergence.observe(
                "\(nick)#\(index)", held: processes[index].client.driver.tableByNick,
                expected: settled ? server.rowsHeld(by: nick) : nil, server: serverRows, at: sim.clock.now)
        }
    }

    private func changeFaults() {
        let loss = Double(random.next() % 1_000) / 1_000 * options.maxLossRate
        let jitter = Duration.milliseconds(Int64(random.next() % 30))
        sim.network.faults = FaultPlan(lossRate: loss, duplicateRate: 0.05, latency: .milliseconds(1), jitter: jitter)
        log("faults: loss \(Int(loss * 100))%, duplicates 5%, jitter \(jitter)")
    }

    private func handleScheduled() {
        let now = sim.clock.now
        if let at = serverRestartAt, at <= now {
            serverRestartAt = nil
            if let port = crashedGroupPort { sim.startGroupServer(port: port) } else { startMainServer() }
            crashedGroupPort = nil
            log("restart server")
        }
        for entry in hostsDown where entry.until <= now {
            sim.network.setHost(entry.host, up: true)
            log("reconnect \(entry.host)")
        }
        hostsDown.removeAll { $0.until <= now }
        for entry in restarts where entry.at <= now {
            restartIfDead(entry.nick)
        }
        restarts.removeAll { $0.at <= now }
        for nick in nicks where current[nick].map({ delivery.processes[$0]?.exited == true }) == true {
            restartIfDead(nick)
        }
        // A process (re)started while settling comes back online by itself; one that was deregistered
        // is told to register again.
        if sim.network.faults.lossRate == 0, sim.server != nil {
            for nick in nicks {
                guard let index = current[nick], delivery.processes[index]?.isIdle == true,
                    delivery.processes[index]?.deregistered == true
                else { continue }
                typeInto(index, .reg)
            }
        }
    }

    private func restartIfDead(_ nick: String) {
        guard let index = current[nick], !isAlive(index) else { return }
        // Half the time the client comes back at a new port, as after a NAT rebinding or a new machine.
        let port: UInt16
        if chance(0.5) {
            port = nextPort
            nextPort += 1
        } else {
            port = processes[index].client.address.port
        }
        startProcess(nick, port: port)
    }

    private func startProcess(_ nick: String, port: UInt16) {
        let client = sim.startClient(nick, host: hosts[nick], port: port)
        processes.append(Process(nick: nick, client: client))
        current[nick] = processes.count - 1
        delivery.started(processes.count - 1, nick: nick)
        log("start \(nick)#\(processes.count - 1) at \(client.address)")
    }

    // MARK: - Settling

    /// Faults off, server up; crashed and exited clients come back and deregistered ones register
    /// again; then everything has `settleTime` to deliver what is owed.
    private func settle() {
        sim.network.faults = FaultPlan()
        sim.network.partition([])
        for entry in hostsDown { sim.network.setHost(entry.host, up: true) }
        hostsDown = []
        if sim.server == nil { startMainServer() }
        if let port = crashedGroupPort { sim.startGroupServer(port: port) }
        (serverRestartAt, crashedGroupPort) = (nil, nil)
        log("settle: faults off, server up")
        delivery.serverHealthy(from: sim.clock.now + .seconds(3))
        let settledAt = sim.clock.now + options.settleTime
        while sim.clock.now < settledAt {
            sim.run(for: .milliseconds(500))
            handleScheduled()
            scanAll()
            checkImpostors()
            checkConvergence()
            logNewFailures()
        }
    }

    // MARK: - Reading what clients showed

    /// Hands each process's new notices to the delivery checker, and tells it of exits.
    private func scanAll() {
        for (index, process) in processes.enumerated() {
            let notices = process.client.notices
            for notice in notices.dropFirst(process.scanned) { delivery.shown(notice, by: index, at: sim.clock.now) }
            process.scanned = notices.count
            if process.client.exitStatus != nil { delivery.exited(index) }
        }
    }

    // MARK: - Liveness, once settled

    private func check() {
        for nick in nicks {
            guard let index = current[nick], isAlive(index) else { continue }
            let serverTable = homeServer(of: index)?.tableEntries ?? []
            convergence.finish("\(nick)#\(index)", table: processes[index].client.driver.tableEntries, server: serverTable)
        }
        delivery.finish()
        for send in delivery.sends where attacker.overheard(send.text) {
            attackFailures.append("attack: \"\(send.text)\" reached a squatted port in the clear")
        }
    }

    // MARK: - Helpers

    /// The main server, in the group when there is one.
    private func startMainServer() {
        if options.groupPorts.isEmpty { sim.startServer() } else { sim.startServer(config: sim.groupConfig(port: sim.serverAddress.port)) }
    }

    /// The server process `index` uses now (the main one when there is no group).
    private func homeServer(of index: Int) -> ServerDriver? {
        let server = processes[index].client.driver.server
        return server == sim.serverAddress ? sim.server : sim.groupServers[server.port]
    }

    private func chance(_ probability: Double) -> Bool {
        Double(random.next() % 1_000_000) / 1_000_000 < probability
    }

    /// A chance drawn from the attacker's own generator, so the scenario's choices stay as they were.
    private func attackChance(_ probability: Double) -> Bool {
        Double(attackRandom.next() % 1_000_000) / 1_000_000 < probability
    }

    /// The host `nick`'s processes run on (the simulation's default, unless it sits behind a router).
    private func hostOf(_ nick: String) -> String { hosts[nick] ?? "host-" + nick }

    private func log(_ event: String) {
        trace.append("\(sim.clock.now) \(event)")
    }

    private func isAlive(_ index: Int) -> Bool { delivery.processes[index]?.alive == true }

    /// Puts the failures found since the last step in the trace, where they happened.
    private func logNewFailures() {
        let all = violations
        for failure in all.dropFirst(failuresLogged) { log("VIOLATION: \(failure)") }
        failuresLogged = all.count
    }

    /// The command that runs this seed again, the same way. A process hashes at random unless told not
    /// to, and dictionaries' order reaches the order of datagrams, so only a run with deterministic hashing
    /// (as `.ci/run`'s) takes the same path again.
    var replayCommand: String {
        let loss = options.maxLossRate == Options().maxLossRate ? "" : "CHATKIT_CHAOS_MAX_LOSS=\(options.maxLossRate) "
        let command = "SWIFT_DETERMINISTIC_HASHING=1 \(loss)CHATKIT_CHAOS_SEED=\(seed) swift test --filter Chaos"
        guard ProcessInfo.processInfo.environment["SWIFT_DETERMINISTIC_HASHING"] == nil else { return command }
        return command + "; this run hashed at random, so the replay may take another path"
    }

    /// A report for a failing run: the seed, the violations, the trace and what each process printed.
    var report: String {
        var lines = ["chaos seed \(seed) (replay: \(replayCommand))"]
        lines += violations.map { "  violation: \($0)" }
        lines += ["trace:"] + trace.map { "  " + $0 }
        for (index, process) in processes.enumerated() {
            lines.append("\(process.nick)#\(index) at \(process.client.address) printed:")
            lines += process.client.lines.map { "    " + $0 }
        }
        lines.append("server log:")
        lines += sim.serverLog.lines.suffix(ProcessInfo.processInfo.environment["CHATKIT_CHAOS_DEBUG"] != nil ? 100_000 : 200).map { "    " + $0 }
        return lines.joined(separator: "\n")
    }
}
