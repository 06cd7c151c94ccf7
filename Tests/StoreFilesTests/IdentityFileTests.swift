import ChatKitCore
import ChatKitCrypto
import ChatKitTesting
import StoreFiles
import Testing

/// A person's key file: one per nick, whatever address the server is reached by; older per-server files
/// are adopted once.
@Suite("Identity file")
struct IdentityFileTests {
    @Test("one key per nick serves every server address")
    func onePerNick() throws {
        let folder = try TemporaryFolder()
        let path = try #require(IdentityFile.path(in: folder.path, nick: "x"))
        let first = try IdentityFile.loadOrCreate(path)
        let again = try IdentityFile.loadOrCreate(path)
        #expect(first.publicKey == again.publicKey)
        #expect(IdentityFile.path(in: folder.path, nick: "x") == IdentityFile.path(in: folder.path, nick: "x"))
        #expect(try folder.fileNames() == ["x.key"])
    }

    @Test("a key an older udpchat kept for this server is adopted; failing that, one it kept for another address")
    func migration() throws {
        let folder = try TemporaryFolder()
        let v4 = Address(host: "127.0.0.1", port: 6000)
        let v6 = Address(host: "::1", port: 6000)
        // What an older udpchat left: a key per server address.
        let old = try IdentityFile.loadOrCreate(folder.path + "/127.0.0.1%3A6000%20x.key")
        _ = try IdentityFile.loadOrCreate(folder.path + "/127.0.0.1%3A6000%20ax.key")
        let legacy = IdentityFile.legacyPaths(in: folder.path, server: v6, nick: "x")
        #expect(legacy == [folder.path + "/127.0.0.1%3A6000%20x.key"], "another address's file, not another nick's")
        #expect(IdentityFile.legacyPaths(in: folder.path, server: v4, nick: "x").first == folder.path + "/127.0.0.1%3A6000%20x.key")
        let path = try #require(IdentityFile.path(in: folder.path, nick: "x"))
        let adopted = try IdentityFile.loadOrCreate(path, migratingFrom: legacy)
        #expect(adopted.publicKey == old.publicKey, "the key the server pinned keeps working, at any address")
        #expect(try IdentityFile.loadOrCreate(path).publicKey == old.publicKey, "kept in the new place")
        #expect(IdentityFile.legacyPaths(in: folder.path + "/missing", server: v4, nick: "x").isEmpty)
    }
}
