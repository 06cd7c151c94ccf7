import ChatKitCore
import StoreMemory
import Testing
import ChatKitTesting

/// The liveness rates the benchmark measures at scale, run small at fixed loss: a live server is not
/// given up on, a live holder keeps its nick, and a table change reaches every holder in time.
@Suite("Liveness at fixed loss")
struct LivenessTrialsTests {
    @Test("at 30% loss no client gives up on a live server over 300 requests")
    func serverGiveUps() {
        let rate = LivenessTrials.serverGiveUps(requests: 300, lossRate: 0.3, seed: 7, store: { MemoryStore() })
        #expect(rate.trials == 300)
        #expect(rate.failures == 0)
    }

    @Test("at 30% loss a live holder keeps its nick against 100 second processes")
    func nicksLost() {
        let rate = LivenessTrials.nicksLost(attempts: 100, lossRate: 0.3, seed: 7, store: { MemoryStore() })
        #expect(rate.trials == 100)
        #expect(rate.failures == 0)
    }

    @Test("at 20% loss a table change reaches all 10 holders, 99% of the time within 2 s (8,000 samples)")
    func propagation() {
        let times = LivenessTrials.propagationTimes(clients: 10, changes: 800, lossRate: 0.2, seed: 7, store: { MemoryStore() })
        #expect(times.count == 8_000)
        let sorted = times.sorted()
        #expect(sorted[sorted.count * 99 / 100] <= .seconds(2))
        #expect(sorted.last ?? .zero < .seconds(30))
    }
}
