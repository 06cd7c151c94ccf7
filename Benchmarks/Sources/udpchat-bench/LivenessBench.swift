import ChatKitCore
import Foundation
import StoreMemory
import ChatKitTesting

/// Liveness at fixed loss rates, on the loopback network and the virtual clock (`LivenessTrials`): the
/// give-up rate, the rate of nicks lost by live holders, and how long table changes take to spread.
enum LivenessBench {
    static func run(into report: inout Report) {
        for loss in [0.2, 0.3] {
            let percent = Int(loss * 100)
            let giveUps = LivenessTrials.serverGiveUps(requests: 200_000, lossRate: loss, seed: 11, store: { MemoryStore() })
            report.add(
                "give-ups on a live server at \(percent)% loss", "\(giveUps.failures) in \(formatted(Double(giveUps.trials))) requests",
                "target < 1 in 10,000; expected at most 1 in \(formatted(1 / allLost(16, loss))) (at least 16 tries in 8 s, "
                    + "100–500 ms apart, all lost; each sent twice once the path shows loss)")
            let lost = LivenessTrials.nicksLost(attempts: 100_000, lossRate: loss, seed: 11, store: { MemoryStore() })
            report.add(
                "nicks lost by live holders at \(percent)% loss", "\(lost.failures) in \(formatted(Double(lost.trials))) takeover attempts",
                "target < 1 in 10,000; expected 1 in \(formatted(1 / allLost(20, loss))) (20 probes, all lost)")
        }
        var samples = Samples()
        // 20 holders × 1,000 changes: enough samples that the 1% tail is 200 of them.
        for time in LivenessTrials.propagationTimes(clients: 20, changes: 1_000, lossRate: 0.2, seed: 11, store: { MemoryStore() }) {
            samples.add(time)
        }
        report.add(
            "table change to every holder at 20% loss, p50 / p99 / max",
            "\(formatted(samples.percentile(0.5) / 1_000)) / \(formatted(samples.percentile(0.99) / 1_000)) / \(formatted(samples.percentile(1) / 1_000)) ms",
            "target p99 ≤ 2 s; 20 holders × 1,000 changes")
    }

    /// The same propagation through real kernel loss, in a network namespace (root and nftables only).
    static func realLoss(into report: inout Report) {
        let title = "table change to every holder at 20% real loss, p50 / p99 / max"
        do {
            var samples = Samples()
            for milliseconds in try RealLossPropagation.run(lossPercent: 20) { samples.add(.microseconds(Int64(milliseconds * 1_000))) }
            report.add(
                title,
                "\(formatted(samples.percentile(0.5) / 1_000)) / \(formatted(samples.percentile(0.99) / 1_000)) / \(formatted(samples.percentile(1) / 1_000)) ms",
                "target p99 ≤ 2 s; real UDP in a namespace with nftables dropping 20%; \(RealLossPropagation.holders) holders × \(RealLossPropagation.changes) changes")
        } catch BenchError.notRun(let reason) {
            report.add(title, "not run", reason)
        } catch {
            report.add(title, "failed", "\(error)")
        }
    }

    /// The chance that `tries` round trips all fail when each datagram is lost with probability `loss`.
    static func allLost(_ tries: Int, _ loss: Double) -> Double {
        pow(1 - (1 - loss) * (1 - loss), Double(tries))
    }
}
