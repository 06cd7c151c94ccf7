import ChatKitCore
import ChatKitTesting
import Testing
import TransportUnix

/// `UnixDatagramTransport` keeps the `Transport` contract, clause by clause, in a temporary folder.
@Suite("Unix datagram transport: the Transport contract")
struct UnixTransportContractTests {
    @Test("each clause holds", arguments: TransportContract.Clause.allCases)
    func clause(_ clause: TransportContract.Clause) {
        let violation = TransportContract.check(clause) {
            let folder = try TemporaryFolder()
            return TransportContract.Subject(
                a: try UnixDatagramTransport(path: folder.path + "/a.sock"), b: try UnixDatagramTransport(path: folder.path + "/b.sock"),
                keepAlive: folder)
        }
        #expect(violation == nil, "\(violation?.description ?? "")")
    }
}
