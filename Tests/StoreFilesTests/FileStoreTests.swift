import ChatKitCore
import Foundation
import StoreFiles
import ChatKitTesting
import Testing

@Suite("File store")
struct FileStoreTests {
    static func message(_ recipient: String, from sender: String, id: UInt64, _ text: String = "hello") -> StoredMessage {
        StoredMessage(
            recipient: recipient, key: MessageKey(sender: sender, id: id),
            savedAtMicroseconds: 1_497_408_017_501_063 + Int64(id), text: text)
    }

    @Test("path-like nicknames never leave the data folder")
    func pathLikeNicknames() throws {
        let parent = try TemporaryFolder()
        let dataPath = parent.path + "/data"
        let store = try FileStore(directory: dataPath)
        for nick in ["../../x", "a/b", "..", ".", "../data/evil", "/etc/passwd"] {
            _ = try store.save([Self.message(nick, from: "s", id: 1)], mailboxLimit: .max)
        }
        #expect(try parent.fileNames() == ["data"], "nothing was written beside the data folder")
        let names = try FileManager.default.contentsOfDirectory(atPath: dataPath).sorted()
        #expect(names == ["%2E%2E%2F%2E%2E%2Fx.mbox", "%2E%2E%2Fdata%2Fevil.mbox", "%2E%2E.mbox", "%2E.mbox", "%2Fetc%2Fpasswd.mbox", "a%2Fb.mbox"].sorted())
    }

    @Test("non-ASCII nicknames stay readable in file names")
    func readableNames() throws {
        let folder = try TemporaryFolder()
        let store = try FileStore(directory: folder.path)
        _ = try store.save([Self.message("Zoë", from: "s", id: 1), Self.message("用户", from: "s", id: 2)], mailboxLimit: .max)
        _ = try store.save([Self.message("Zoe\u{308}", from: "s", id: 3)], mailboxLimit: .max)
        #expect(try folder.fileNames() == ["Zoë.mbox", "用户.mbox"])
        #expect(try folder.fileNames().first?.unicodeScalars.count == 8, "the name is stored in NFC")
    }

    @Test("a torn last record is ignored, and the next save cuts it off")
    func tornWrite() throws {
        let folder = try TemporaryFolder()
        let store = try FileStore(directory: folder.path)
        let first = Self.message("x", from: "y", id: 1, "first")
        _ = try store.save([first], mailboxLimit: .max)
        let path = folder.path + "/x.mbox"
        let intact = try Data(contentsOf: URL(fileURLWithPath: path))
        // A crash in the middle of the second append leaves half a record.
        let second = Self.message("x", from: "y", id: 2, "second")
        let scratch = try TemporaryFolder()
        _ = try FileStore(directory: scratch.path).save([second], mailboxLimit: .max)
        let secondRecord = try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/x.mbox"))
        try (intact + secondRecord.prefix(secondRecord.count / 2)).write(to: URL(fileURLWithPath: path))

        let reopened = try FileStore(directory: folder.path)
        #expect(try reopened.messages(for: "x") == [first])
        let third = Self.message("x", from: "y", id: 3, "third")
        _ = try reopened.save([third], mailboxLimit: .max)
        #expect(try reopened.messages(for: "x") == [first, third])
        #expect(try FileStore(directory: folder.path).messages(for: "x") == [first, third])
    }

    @Test("a damaged record ends what can be read, instead of yielding garbage")
    func damagedRecord() throws {
        let folder = try TemporaryFolder()
        let store = try FileStore(directory: folder.path)
        let messages = (1...3).map { Self.message("x", from: "y", id: UInt64($0), "message \($0)") }
        _ = try store.save(messages, mailboxLimit: .max)
        let url = URL(fileURLWithPath: folder.path + "/x.mbox")
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 3] ^= 0xFF
        try bytes.write(to: url)
        #expect(try FileStore(directory: folder.path).messages(for: "x") == Array(messages.prefix(2)))
    }

    @Test("removing everything deletes the mailbox file, and no temporary files are left")
    func removeAll() throws {
        let folder = try TemporaryFolder()
        let store = try FileStore(directory: folder.path)
        let messages = (1...3).map { Self.message("x", from: "y", id: UInt64($0)) }
        _ = try store.save(messages, mailboxLimit: .max)
        try store.remove([messages[0].key], for: "x")
        #expect(try folder.fileNames() == ["x.mbox"])
        try store.remove(Set(messages.map(\.key)), for: "x")
        #expect(try folder.fileNames().isEmpty)
    }

    @Test("a folder that cannot be created is a clear error")
    func unusableFolder() throws {
        let folder = try TemporaryFolder()
        let file = folder.path + "/plain-file"
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))
        #expect(throws: StoreError.self) { try FileStore(directory: file + "/data") }
    }

    @Test("a batch that fails part-way leaves nothing behind, so 'storage failed' is true of all of it")
    func failedBatchRollsBack() throws {
        let folder = try TemporaryFolder()
        let store = try FileStore(directory: folder.path)
        let first = StoredMessage(recipient: "r1", key: MessageKey(sender: "s", id: 1), savedAtMicroseconds: 0, text: "kept")
        _ = try store.save([first], mailboxLimit: 10)
        // r2's mailbox cannot be written (a folder stands where its file would be): the batch fails after
        // r1's part of it was written.
        try FileManager.default.createDirectory(atPath: folder.path + "/r2.mbox", withIntermediateDirectories: false)
        let batch = [
            StoredMessage(recipient: "r1", key: MessageKey(sender: "s", id: 2), savedAtMicroseconds: 0, text: "part of a failed batch"),
            StoredMessage(recipient: "r2", key: MessageKey(sender: "s", id: 3), savedAtMicroseconds: 0, text: "cannot be written"),
        ]
        #expect(throws: StoreError.self) { try store.save(batch, mailboxLimit: 10) }
        #expect(try store.messages(for: "r1") == [first], "r1's part of the failed batch is gone")
        #expect(try FileStore(directory: folder.path).messages(for: "r1") == [first], "and so it is for a new process")
        _ = try store.save([batch[0]], mailboxLimit: 10)
        #expect(try store.messages(for: "r1").map(\.key.id) == [1, 2], "the mailbox takes new saves after the failure")
    }
}
