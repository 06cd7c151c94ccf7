import ChatKitCore
import Foundation
import Testing

/// The randomized fault simulation. `swift test` runs a few hundred seeds; CHATKIT_CHAOS_SEEDS=N runs N,
/// CHATKIT_CHAOS_FIRST_SEED=S starts elsewhere, CHATKIT_CHAOS_MAX_LOSS=0.1 caps the loss rate (0.3 by
/// default), and CHATKIT_CHAOS_SEED=S replays one seed with its trace (CHATKIT_CHAOS_DEBUG=1 adds the
/// servers' debug lines, all of them). A seed takes the same path every time only with
/// SWIFT_DETERMINISTIC_HASHING=1, as `.ci/run` runs it: dictionaries' order reaches datagrams' order.
@Suite("Chaos: delivery promises under loss, crashes and restarts")
struct ChaosTests {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static var seeds: [UInt64] {
        if let one = environment["CHATKIT_CHAOS_SEED"].flatMap(UInt64.init) { return [one] }
        let count = environment["CHATKIT_CHAOS_SEEDS"].flatMap(Int.init) ?? 200
        let first = environment["CHATKIT_CHAOS_FIRST_SEED"].flatMap(UInt64.init) ?? 1
        return (0..<UInt64(count)).map { first + $0 }
    }

    @Test("promises 1–3 hold for every seed")
    func promisesHold() {
        Self.runSeeds(groupPorts: [])
    }

    /// A group of three servers on one store: a crash takes down any of them, and clients move on.
    /// `CHATKIT_CHAOS_GROUP_SEEDS=N` runs N seeds (50 by default).
    @Test("promises 1–3 hold for every seed with three servers sharing the store")
    func promisesHoldInAGroup() {
        let count = Self.environment["CHATKIT_CHAOS_GROUP_SEEDS"].flatMap(Int.init) ?? 50
        Self.runSeeds(groupPorts: [6001, 6002], seeds: Array(Self.seeds.prefix(count)))
    }

    static func runSeeds(groupPorts: [UInt16], seeds: [UInt64] = Self.seeds) {
        let label = groupPorts.isEmpty ? "chaos" : "chaos (three servers)"
        let started = ContinuousClock.now
        var simulated: Duration = .zero
        var sends = 0
        var impostors = 0
        var nicksLost = 0
        var moves = 0
        var failedSeeds: [UInt64] = []
        var attacks: [String: Int] = [:]
        for seed in seeds {
            var options = ChaosRun.Options()
            if let loss = Self.environment["CHATKIT_CHAOS_MAX_LOSS"].flatMap(Double.init) { options.maxLossRate = loss }
            options.groupPorts = groupPorts
            let run = ChaosRun(seed: seed, options: options)
            let violations = run.run()
            simulated += run.sim.clock.now - .zero
            sends += run.delivery.sends.count
            impostors += run.impostorCheck.attempts
            nicksLost += run.impostorCheck.nicksLost
            moves += run.moves
            attacks.merge(run.attacker.counts, uniquingKeysWith: +)
            if !violations.isEmpty {
                failedSeeds.append(seed)
                if failedSeeds.count <= 2 { Issue.record(Comment(rawValue: run.report)) }
            }
            if Self.environment["CHATKIT_CHAOS_SEED"] != nil { print(run.report) }
        }
        let real = ContinuousClock.now - started
        let speed = Double(simulated.components.seconds) / max(0.001, Double(real.components.seconds) + Double(real.components.attoseconds) / 1e18)
        print("\(label): the attacker replayed \(attacks["replay", default: 0]), changed \(attacks["tamper", default: 0]) and forged \(attacks["forge", default: 0]) datagrams, and squatted on \(attacks["squat", default: 0]) ports")
        if !groupPorts.isEmpty { print("\(label): clients moved to another server \(moves) times") }
        print("\(label): \(impostors) impostors started under live holders' nicks, \(nicksLost) took one")
        print("\(label): \(seeds.count) seeds, \(sends) sends, \(simulated.components.seconds) simulated s in \(real): \(Int(speed)) simulated s per real s")
        #expect(failedSeeds.isEmpty, "failing seeds: \(failedSeeds)")
    }
}
