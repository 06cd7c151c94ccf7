import ChatKitCore
import Foundation
import StoreFiles
import ChatKitTesting
import Testing

/// The client's outbox on disk: one file per server and nickname, replaced whole, gone when empty.
@Suite("File outbox")
struct FileOutboxTests {
    static let server = Address(host: "127.0.0.1", port: 6000)

    @Test("messages kept survive a new process; an empty list removes the file")
    func keepAndClear() throws {
        let folder = try TemporaryFolder()
        let messages = [PendingMessage(id: 1, recipient: "y", text: "hi"), PendingMessage(id: 2, recipient: "z", text: "héllo")]
        try FileOutbox(directory: folder.path + "/outbox", server: Self.server, nick: "x").replace(with: messages)
        let reopened = try FileOutbox(directory: folder.path + "/outbox", server: Self.server, nick: "x")
        #expect(reopened.load() == messages)
        #expect(try FileOutbox(directory: folder.path + "/outbox", server: Self.server, nick: "w").load().isEmpty, "one outbox per nick")
        reopened.replace(with: [])
        #expect(reopened.load().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: reopened.path))
    }

    @Test("a damaged file reads as empty, and a path-like nick stays inside the folder")
    func damagedAndAwkward() throws {
        let folder = try TemporaryFolder()
        let outbox = try FileOutbox(directory: folder.path, server: Self.server, nick: "../../etc")
        #expect(outbox.path.hasPrefix(folder.path + "/") && !outbox.path.dropFirst(folder.path.count + 1).contains("/"))
        try Data("not json".utf8).write(to: URL(fileURLWithPath: outbox.path))
        #expect(outbox.load().isEmpty)
    }
}
