import ChatKitCore
import ChatKitTesting

/// One randomized run of the whole system under faults, checked against the delivery promises.
///
/// Several clients and the server run on the loopback network. For a while they are driven by random
/// sends, `dereg`/`reg`, client and server crashes and restarts, hosts cut off, and datagram loss (up to
/// 30%), duplication and reordering. Then the faults stop, every client comes back online, and the
/// system settles. The checks read what each client process printed, as a user would:
/// 1. every `send` ends in exactly one outcome line (ACK, saved, or a clear failure), never silence;
/// 2. no process shows a message twice;
/// 3. every message that was ACKed or saved is shown to its recipient, and nothing is shown that was
///    not sent;
/// and, once settled, every client's table is the server's. About half the clients sit behind routers of
/// the loopback network's NAT model (home, cone or symmetric), each its own or shared by two.
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
    }

    enum Outcome: Equatable {
        case delivered, saved, failed(String)
    }

    struct Send {
        let sender: String
        let recipient: String
        let text: String
        let process: Int
        var outcome: Outcome?
    }

    enum Command {
        case send(Int)
        case dereg
        case reg
    }

    final class Process {
        let nick: String
        let client: SimulatedClient
        var scanned = 0
        var outstanding: Command?
        var crashed = false
        var exited = false
        var serverGaveUp = false
        /// Set once the process's own first registration has finished; commands wait for it, so its
        /// welcome line is not taken for the answer to a typed `reg`.
        var registered = false
        /// Whether the last `dereg` succeeded and no `reg` has since.
        var deregistered = false
        var shown: [String: Int] = [:]

        init(nick: String, client: SimulatedClient) {
            self.nick = nick
            self.client = client
        }

        var alive: Bool { !crashed && !exited }
    }

    let seed: UInt64
    let options: Options
    let sim: Simulation
    private var random: RandomSource
    private(set) var trace: [String] = []
    private(set) var violations: [String] = []
    private(set) var sends: [Send] = []
    private var processes: [Process] = []
    private var current: [String: Int] = [:]
    private var restarts: [(at: Instant, nick: String)] = []
    private var serverRestartAt: Instant?
    private var hostsDown: [(until: Instant, host: String)] = []
    private var nextPort: UInt16 = 7000
    private var nicks: [String]
    /// Once settling has gone on this long, the server is healthy and no client may give up on it.
    private var healthyServerSince: Instant?
    /// When each settled process's held rows started to differ from the server's.
    private var divergingSince: [Int: Instant] = [:]
    /// Second processes started under a live holder's nickname: the holder must keep it.
    private var impostors: [(client: SimulatedClient, holder: Int, until: Instant)] = []
    /// How many impostors were started, and how many took a live holder's nickname.
    private(set) var impostorAttempts = 0
    private(set) var nicksLostByLiveHolders = 0
    /// The hosts cut off at some time in the last few seconds: their holders may rightly lose a probe round.
    private var recentlyCutOff: [String: Instant] = [:]
    /// When the server last crashed, and when each process last typed `dereg`: either frees a nickname.
    private var lastServerCrash: Instant?
    private var deregTypedAt: [Int: Instant] = [:]
    /// Messages shown by impostors that rightly took a nickname (its holder was cut off): shown to that nick.
    private var shownByImpostors: [String: Set<String>] = [:]
    /// Each client's host, and the routers (public host → behaviour) some of them sit behind.
    private var hosts: [String: String] = [:]

    init(seed: UInt64, options: Options = Options()) {
        self.seed = seed
        self.options = options
        self.random = .seeded(seed)
        self.sim = Simulation(seed: seed)
        self.nicks = (0..<options.clients).map { "c\($0)" }
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

    /// Runs the scenario and the checks; the violations say what broke.
    func run() -> [String] {
        sim.startServer()
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
            sim.run(for: options.step)
            handleScheduled()
            scanAll()
            checkImpostors()
        }
        settle()
        check()
        return violations
    }

    // MARK: - Actions

    private func randomAction() {
        let roll = random.next() % 100
        switch roll {
        case 0..<60: randomSend()
        case 60..<68: typeInto(randomIdleProcess(), .dereg)
        case 68..<78: typeInto(randomIdleProcess(), .reg)
        case 78..<85: crashRandomClient()
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
        let text = "m\(sends.count) \(sender)>\(recipient)"
        sends.append(Send(sender: sender, recipient: recipient, text: text, process: index))
        typeInto(index, .send(sends.count - 1))
    }

    private func typeInto(_ index: Int?, _ command: Command) {
        guard let index else { return }
        let process = processes[index]
        process.outstanding = command
        let line: String
        switch command {
        case .send(let send): line = "send \(sends[send].recipient) \(sends[send].text)"
        case .dereg:
            line = "dereg \(process.nick)"
            deregTypedAt[index] = sim.clock.now
        case .reg: line = "reg \(process.nick)"
        }
        log("\(process.nick)#\(index) types: \(line)")
        process.client.console.type(line)
    }

    private func randomIdleProcess() -> Int? {
        let idle = nicks.compactMap { current[$0] }.filter {
            processes[$0].alive && processes[$0].registered && processes[$0].outstanding == nil
        }
        guard !idle.isEmpty else { return nil }
        return idle[Int(random.next() % UInt64(idle.count))]
    }

    private func crashRandomClient() {
        let live = nicks.compactMap { current[$0] }.filter { processes[$0].alive }
        guard !live.isEmpty else { return }
        let index = live[Int(random.next() % UInt64(live.count))]
        processes[index].crashed = true
        processes[index].client.crash()
        let delay = Duration.milliseconds(Int64(500 + random.next() % 8_000))
        restarts.append((sim.clock.now + delay, processes[index].nick))
        log("crash \(processes[index].nick)#\(index); restart in \(delay)")
    }

    private func crashServer() {
        guard serverRestartAt == nil else { return }
        sim.crashServer()
        lastServerCrash = sim.clock.now
        let delay = Duration.milliseconds(Int64(200 + random.next() % 5_000))
        serverRestartAt = sim.clock.now + delay
        log("crash server; restart in \(delay)")
    }

    private func cutOffRandomHost() {
        let host = hostOf(nicks[Int(random.next() % UInt64(nicks.count))])
        let duration = Duration.milliseconds(Int64(500 + random.next() % 5_000))
        sim.network.setHost(host, up: false)
        hostsDown.append((sim.clock.now + duration, host))
        recentlyCutOff[host] = sim.clock.now + duration
        log("cut off \(host) for \(duration)")
    }

    /// Starts a second process under the nickname of a live, registered holder, from another host, as a
    /// user starting the program twice would. While the holder answers, it must keep its nickname.
    private func startImpostor() {
        let live = nicks.compactMap { current[$0] }.filter {
            processes[$0].alive && processes[$0].registered && !processes[$0].deregistered
                && processes[$0].outstanding == nil
        }
        guard !live.isEmpty, serverRestartAt == nil, sim.server != nil else { return }
        let holder = live[Int(random.next() % UInt64(live.count))]
        let nick = processes[holder].nick
        // Only a nickname the server knows as the holder's (not one a restarted server forgot) is at stake.
        guard let row = sim.server?.tableByNick[nick], row.online, row.address == processes[holder].client.address else {
            return
        }
        let client = sim.startClient(nick, host: "impostor-\(nick)", port: nextPort)
        nextPort += 1
        impostorAttempts += 1
        impostors.append((client, holder, sim.clock.now + .seconds(6)))
        log("impostor \(nick) at \(client.address) (holder #\(holder))")
    }

    /// An impostor that was welcomed while its holder was alive, registered and reachable took a live
    /// holder's nickname. Impostors are stopped after 6 s either way.
    private func checkImpostors() {
        for entry in impostors {
            let holder = processes[entry.holder]
            let welcomed = entry.client.lines.contains { $0.hasPrefix(">>> [Welcome") }
            let started = entry.until + .seconds(-6)
            let holderReachable = holder.alive && !holder.deregistered
                && (recentlyCutOff[hostOf(holder.nick)].map { sim.clock.now - $0 > .seconds(5) } ?? true)
                && (lastServerCrash.map { $0 < started } ?? true) && (deregTypedAt[entry.holder].map { $0 < started } ?? true)
            if welcomed, holderReachable, !holder.serverGaveUp {
                nicksLostByLiveHolders += 1
                violation("\(holder.nick)#\(entry.holder) was alive and answering, yet \(entry.client.address) took its nickname")
            }
            if welcomed || entry.until <= sim.clock.now || entry.client.exitStatus != nil {
                entry.client.crash()
                for line in entry.client.lines where line.hasPrefix(Prompt.text) && !line.hasPrefix(Prompt.text + "[") {
                    guard let colon = line.range(of: ": ") else { continue }
                    var body = String(line[colon.upperBound...])
                    if body.hasPrefix("<"), let end = body.range(of: "> ") { body = String(body[end.upperBound...]) }
                    shownByImpostors[entry.client.nick, default: []].insert(body)
                }
            }
        }
        impostors.removeAll { entry in
            entry.client.lines.contains { $0.hasPrefix(">>> [Welcome") } || entry.until <= sim.clock.now
                || entry.client.exitStatus != nil
        }
    }

    /// Once faults stop, every settled client's held rows must equal the server's within the limit.
    private func checkConvergence() {
        guard let server = sim.server else { return }
        let serverRows = server.tableByNick
        for nick in nicks {
            guard let index = current[nick], processes[index].alive, processes[index].registered,
                let held = server.rowsHeld(by: nick), serverRows[nick]?.address == processes[index].client.address
            else {
                divergingSince[current[nick] ?? -1] = nil
                continue
            }
            let table = processes[index].client.driver.tableByNick
            let agrees = Set(table.keys) == held && held.allSatisfy { table[$0] == serverRows[$0] }
            if agrees {
                divergingSince[index] = nil
            } else if let since = divergingSince[index] {
                if sim.clock.now - since > options.convergenceLimit {
                    violation("\(nick)#\(index)'s rows differed from the server's for over \(options.convergenceLimit) after faults stopped: \(table.values.sorted { $0.nick < $1.nick }) vs \(held.sorted().compactMap { serverRows[$0] })")
                    divergingSince[index] = sim.clock.now
                }
            } else {
                divergingSince[index] = sim.clock.now
            }
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
            sim.startServer()
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
        for nick in nicks where current[nick].map({ processes[$0].exited }) == true {
            restartIfDead(nick)
        }
        // A process (re)started while settling comes back online by itself; one that was deregistered
        // is told to register again.
        if sim.network.faults.lossRate == 0, sim.server != nil {
            for nick in nicks {
                guard let index = current[nick], processes[index].alive, processes[index].registered,
                    processes[index].outstanding == nil, processes[index].deregistered
                else { continue }
                typeInto(index, .reg)
            }
        }
    }

    private func restartIfDead(_ nick: String) {
        guard let index = current[nick], !processes[index].alive else { return }
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
        if sim.server == nil { sim.startServer() }
        serverRestartAt = nil
        log("settle: faults off, server up")
        healthyServerSince = sim.clock.now + .seconds(3)
        let settledAt = sim.clock.now + options.settleTime
        while sim.clock.now < settledAt {
            sim.run(for: .milliseconds(500))
            handleScheduled()
            scanAll()
            checkImpostors()
            checkConvergence()
        }
    }

    // MARK: - Reading what clients printed

    private static let statusLines: Set<String> = [
        "[Client table updated.]", "[You have messages.]", "[Exiting]",
    ]

    private func scanAll() {
        for (index, process) in processes.enumerated() {
            let lines = process.client.lines
            for line in lines.dropFirst(process.scanned) {
                read(line, of: process, index)
            }
            process.scanned = lines.count
            if process.client.exitStatus != nil, !process.exited {
                process.exited = true
                if process.outstanding != nil, !process.serverGaveUp {
                    violation("\(process.nick)#\(index) exited with a command outstanding")
                }
            }
        }
    }

    private func read(_ line: String, of process: Process, _ index: Int) {
        guard line.hasPrefix(Prompt.text) else { return }  // "[exiting]"
        let text = String(line.dropFirst(Prompt.text.count))
        if text.hasPrefix("[Message received by <") {
            let recipient = text.dropFirst("[Message received by <".count).dropLast(">.]".count)
            complete(process, index, .delivered, recipient: String(recipient), line: text)
        } else if text == "[Messages received by the server and saved.]" {
            complete(process, index, .saved, recipient: nil, line: text)
        } else if text == "[Server not responding]" {
            // A crashed process's timers still run in the simulation; it cannot hear the server, so its
            // giving up says nothing about the server.
            if let healthy = healthyServerSince, sim.clock.now > healthy, !process.crashed {
                violation("\(process.nick)#\(index) gave up on a healthy server")
            }
            process.serverGaveUp = true
            if case .send(let send) = process.outstanding { sends[send].outcome = .failed(text) }
            process.outstanding = nil
        } else if text == "[You are Offline. Bye.]" {
            finishCommand(process, index, expecting: .dereg, line: text)
        } else if text == "[Welcome back, you are re-registered.]" || text == "[Welcome, You are registered.]" {
            if !process.registered {
                process.registered = true
            } else if case .reg = process.outstanding {
                process.outstanding = nil
                process.deregistered = false
            }
        } else if text.hasPrefix("[No ACK from <") || text.hasPrefix("[Client <") || text.hasSuffix("is offline, message sent to server.")
            || Self.statusLines.contains(text)
        {
            return
        } else if text.hasPrefix("[The nickname <"), !process.registered {
            return  // refused at start-up while another newcomer's probe was under way: a clear exit
        } else if text.hasPrefix("[") {
            // A clear failure line: the end of whatever command was outstanding.
            guard let command = process.outstanding else {
                return violation("\(process.nick)#\(index) printed \(text) with no command outstanding")
            }
            if case .send(let send) = command { sends[send].outcome = .failed(text) }
            process.outstanding = nil
        } else {
            shown(text, by: process, index)
        }
    }

    private func complete(_ process: Process, _ index: Int, _ outcome: Outcome, recipient: String?, line: String) {
        guard case .send(let send) = process.outstanding else {
            return violation("\(process.nick)#\(index) printed \(line) with no send outstanding")
        }
        if let recipient, recipient != sends[send].recipient {
            violation("\(process.nick)#\(index) printed \(line) for a send to \(sends[send].recipient)")
        }
        sends[send].outcome = outcome
        process.outstanding = nil
    }

    private func finishCommand(_ process: Process, _ index: Int, expecting: Command, line: String) {
        guard case .dereg = process.outstanding else {
            return violation("\(process.nick)#\(index) printed \(line) with no dereg outstanding")
        }
        process.outstanding = nil
        process.deregistered = true
    }

    /// A chat line, live (`s: text`) or stored (`s: <time> text`).
    private func shown(_ text: String, by process: Process, _ index: Int) {
        guard let colon = text.range(of: ": ") else { return violation("\(process.nick)#\(index) printed \(text)") }
        let sender = String(text[..<colon.lowerBound])
        var body = String(text[colon.upperBound...])
        if body.hasPrefix("<"), let end = body.range(of: "> ") { body = String(body[end.upperBound...]) }
        process.shown[body, default: 0] += 1
        if process.shown[body] == 2 {
            violation("promise 2: \(process.nick)#\(index) showed \"\(body)\" twice")
        }
        if !sends.contains(where: { $0.text == body && $0.sender == sender && $0.recipient == process.nick }) {
            violation("\(process.nick)#\(index) showed \"\(body)\" from \(sender), which nobody sent it")
        }
    }

    // MARK: - The promises

    private func check() {
        let serverTable = sim.server?.tableEntries ?? []
        for nick in nicks {
            guard let index = current[nick], processes[index].alive else { continue }
            let clientTable = processes[index].client.driver.tableEntries
            if clientTable != serverTable {
                violation("\(nick)#\(index)'s table did not converge: \(clientTable) vs the server's \(serverTable)")
            }
        }
        for (number, send) in sends.enumerated() {
            let process = processes[send.process]
            let shownToRecipient = processes.contains { $0.nick == send.recipient && $0.shown[send.text] != nil }
                || shownByImpostors[send.recipient]?.contains(send.text) == true
            switch send.outcome {
            case nil where !process.crashed:
                violation("promise 1: send #\(number) \"\(send.text)\" ended in silence")
            case .delivered? where !shownToRecipient, .saved? where !shownToRecipient:
                violation("promise 3: \"\(send.text)\" was \(send.outcome == .delivered ? "ACKed" : "saved") but \(send.recipient) never showed it")
            default:
                break
            }
        }
    }

    // MARK: - Helpers

    private func chance(_ probability: Double) -> Bool {
        Double(random.next() % 1_000_000) / 1_000_000 < probability
    }

    /// The host `nick`'s processes run on (the simulation's default, unless it sits behind a router).
    private func hostOf(_ nick: String) -> String { hosts[nick] ?? "host-" + nick }

    private func log(_ event: String) {
        trace.append("\(sim.clock.now) \(event)")
    }

    private func violation(_ text: String) {
        violations.append(text)
        log("VIOLATION: \(text)")
    }

    /// A report for a failing run: the seed, the violations, the trace and what each process printed.
    var report: String {
        var lines = ["chaos seed \(seed) (replay: CHATKIT_CHAOS_SEED=\(seed) swift test --filter Chaos)"]
        lines += violations.map { "  violation: \($0)" }
        lines += ["trace:"] + trace.map { "  " + $0 }
        for (index, process) in processes.enumerated() {
            lines.append("\(process.nick)#\(index) at \(process.client.address) printed:")
            lines += process.client.lines.map { "    " + $0 }
        }
        lines.append("server log:")
        lines += sim.serverLog.lines.suffix(200).map { "    " + $0 }
        return lines.joined(separator: "\n")
    }
}
