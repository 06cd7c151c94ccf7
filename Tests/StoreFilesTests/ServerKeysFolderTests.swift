import ChatKitCore
import ChatKitTesting
import StoreFiles
import Testing

/// The servers' keys and groups a client keeps, per server address.
@Suite("Server keys folder")
struct ServerKeysFolderTests {
    @Test("a group kept for a server address reads back whole; an unreadable one is none")
    func groupRoundTrip() throws {
        let folder = try TemporaryFolder()
        let keys = ServerKeysFolder(in: folder.path + "/servers")
        let server = Address(host: "127.0.0.1", port: 6000)
        let group = [
            ServerListing(host: "", port: 6001, key: [UInt8](repeating: 1, count: 32)),
            ServerListing(host: "chat.example", port: 6002, key: [UInt8](repeating: 2, count: 32)),
        ]
        #expect(keys.group(of: server).isEmpty)
        try keys.saveGroup(group, of: server)
        #expect(keys.group(of: server) == group)
        #expect(keys.group(of: Address(host: "127.0.0.1", port: 6001)).isEmpty)
        #expect(ServerListing.list(from: [1, 0]) == nil)
    }
}
