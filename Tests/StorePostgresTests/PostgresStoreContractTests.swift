import ChatKitTesting
import StorePostgres
import Testing

/// `PostgresStore` keeps the `OfflineStore` contract, clause by clause, each clause in a schema of its own
/// of the throwaway cluster; "reopening" is a new connection, as a restarted server would make.
@Suite("PostgreSQL store: the OfflineStore contract", .enabled(if: PostgresCluster.isAvailable, Comment(rawValue: PostgresCluster.skipNote)))
struct PostgresStoreContractTests {
    @Test("each clause holds", arguments: StoreContract.Clause.allCases)
    func clause(_ clause: StoreContract.Clause) throws {
        let uri = try PostgresCluster.shared.get().uri
        let schema = PostgresCluster.freshSchema()
        let violation = StoreContract.check(clause) {
            StoreContract.Subject(
                store: try PostgresStore(connecting: uri, schema: schema),
                reopen: { try PostgresStore(connecting: uri, schema: schema) })
        }
        #expect(violation == nil, "\(violation?.description ?? "")")
    }
}
