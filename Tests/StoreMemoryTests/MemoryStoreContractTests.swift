import ChatKitTesting
import StoreMemory
import Testing

/// `MemoryStore` keeps the `OfflineStore` contract, clause by clause.
@Suite("Memory store: the OfflineStore contract")
struct MemoryStoreContractTests {
    @Test("each clause holds", arguments: StoreContract.Clause.allCases)
    func clause(_ clause: StoreContract.Clause) {
        let violation = StoreContract.check(clause) {
            let store = MemoryStore()
            return StoreContract.Subject(store: store, reopen: { store })
        }
        #expect(violation == nil, "\(violation?.description ?? "")")
    }
}
