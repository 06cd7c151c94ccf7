import ChatKitCore
import ChatKitTesting
import Testing
import TransportLoopback

/// The loopback network keeps the `Transport` contract, clause by clause, on a virtual clock.
@Suite("Loopback transport: the Transport contract")
struct LoopbackTransportContractTests {
    @Test("each clause holds", arguments: TransportContract.Clause.allCases)
    func clause(_ clause: TransportContract.Clause) {
        let violation = TransportContract.check(clause) {
            let clock = VirtualClock()
            let network = LoopbackNetwork(clock: clock)
            return TransportContract.Subject(
                a: network.bind(Address(host: "a", port: 1)), b: network.bind(Address(host: "b", port: 2)),
                pump: { clock.advance(by: .milliseconds(10)) }, keepAlive: network)
        }
        #expect(violation == nil, "\(violation?.description ?? "")")
    }
}
