import ChatKitCore
import ChatKitTesting
import StoreMemory
import Testing

/// The exported contracts find a plug-in that breaks them, and name the clause.
@Suite("Contracts")
struct ContractTests {
    /// A store that forgets everything it is told to remove, and more: it keeps nothing at all.
    final class ForgetfulStore: OfflineStore, Sendable {
        func save(_ messages: [StoredMessage], limits: MailboxLimits) throws(StoreError) -> [MessageKey: SaveRefusal] { [:] }
        func messages(for recipient: String) throws(StoreError) -> [StoredMessage] { [] }
        func remove(_ keys: Set<MessageKey>, for recipient: String) throws(StoreError) {}
    }

    @Test("a store that keeps nothing breaks the clauses that read back, and each violation names its clause")
    func forgetfulStore() {
        let violations = StoreContract.violations { StoreContract.Subject(store: ForgetfulStore(), reopen: { ForgetfulStore() }) }
        #expect(violations.contains { $0.clause == StoreContract.Clause.order.rawValue })
        #expect(!violations.contains { $0.clause == StoreContract.Clause.empty.rawValue }, "it does have nothing for an unknown recipient")
    }

    @Test("the memory store breaks no clause")
    func memoryStore() {
        #expect(StoreContract.violations { let store = MemoryStore(); return StoreContract.Subject(store: store, reopen: { store }) }.isEmpty)
    }
}
