import ChatKitTesting
import StoreFiles
import Testing

/// `FileStore` keeps the `OfflineStore` contract, clause by clause, reopened as a new process would.
@Suite("File store: the OfflineStore contract")
struct FileStoreContractTests {
    @Test("each clause holds", arguments: StoreContract.Clause.allCases)
    func clause(_ clause: StoreContract.Clause) {
        let violation = StoreContract.check(clause) {
            let folder = try TemporaryFolder()
            let path = folder.path
            return StoreContract.Subject(store: try FileStore(directory: path), reopen: { try FileStore(directory: path) }, keepAlive: folder)
        }
        #expect(violation == nil, "\(violation?.description ?? "")")
    }
}
