import ChatKitCore
import ChatKitTesting
import Testing
import TransportUDP

/// `UDPTransport` keeps the `Transport` contract, clause by clause, on loopback sockets bound to port 0.
@Suite("UDP transport: the Transport contract")
struct UDPTransportContractTests {
    @Test("each clause holds", arguments: TransportContract.Clause.allCases)
    func clause(_ clause: TransportContract.Clause) {
        let violation = TransportContract.check(clause) {
            TransportContract.Subject(a: try UDPTransport(port: 0, host: "127.0.0.1"), b: try UDPTransport(port: 0, host: "127.0.0.1"))
        }
        #expect(violation == nil, "\(violation?.description ?? "")")
    }
}
