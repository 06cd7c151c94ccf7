import ChatKitCore
import ChatKitTesting
import StoreMemory
import XCTest

/// An embedder whose package still tests with XCTest runs the same exported contracts, with no Swift
/// Testing in sight: each clause is checked on its own, and a failure names the clause.
final class ContractsUnderXCTestTests: XCTestCase {
    func testMemoryStoreKeepsEveryStoreClause() {
        for clause in StoreContract.Clause.allCases {
            let violation = StoreContract.check(clause) {
                let store = MemoryStore()
                return StoreContract.Subject(store: store, reopen: { store })
            }
            XCTAssertNil(violation, violation?.description ?? "")
        }
    }
}
