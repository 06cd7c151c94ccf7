import ChatKitCore
import StoreFiles
import StoreMemory
import Testing

/// A way to make a fresh, empty store, and to reopen it as a new process would.
struct StoreFactory: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable () throws -> (store: any OfflineStore, reopen: @Sendable () throws -> any OfflineStore, keepAlive: AnyObject?)

    var testDescription: String { name }

    static let memory = StoreFactory(name: "memory") {
        let store = MemoryStore()
        return (store, { store }, nil)
    }

    static let files = StoreFactory(name: "files") {
        let folder = try TemporaryFolder()
        let path = folder.path
        return (try FileStore(directory: path), { try FileStore(directory: path) }, folder)
    }

    static let all = [memory, files]
}

/// The `OfflineStore` contract: every store passes the same tests.
@Suite("Offline store contract")
struct StoreContractTests {
    static func message(_ recipient: String, from sender: String, id: UInt64, _ text: String = "hello") -> StoredMessage {
        StoredMessage(
            recipient: recipient, key: MessageKey(sender: sender, id: id),
            savedAtMicroseconds: 1_497_408_017_501_063 + Int64(id), text: text)
    }

    @Test("an unknown recipient has no messages", arguments: StoreFactory.all)
    func empty(_ factory: StoreFactory) throws {
        let (store, _, folder) = try factory.make()
        #expect(try store.messages(for: "nobody").isEmpty)
        try store.remove([MessageKey(sender: "a", id: 1)], for: "nobody")
        withExtendedLifetime(folder) {}
    }

    @Test("messages come back in the order saved, per recipient", arguments: StoreFactory.all)
    func order(_ factory: StoreFactory) throws {
        let (store, _, folder) = try factory.make()
        let forX = (1...5).map { Self.message("x", from: "y", id: UInt64($0), "m\($0)") }
        _ = try store.save([forX[0], forX[1], Self.message("z", from: "y", id: 9)], mailboxLimit: .max)
        _ = try store.save(Array(forX[2...]), mailboxLimit: .max)
        #expect(try store.messages(for: "x") == forX)
        #expect(try store.messages(for: "z").map(\.key.id) == [9])
        withExtendedLifetime(folder) {}
    }

    @Test("saving the same message again keeps one copy", arguments: StoreFactory.all)
    func idempotentSave(_ factory: StoreFactory) throws {
        let (store, _, folder) = try factory.make()
        let message = Self.message("x", from: "y", id: 1)
        _ = try store.save([message], mailboxLimit: .max)
        _ = try store.save([message, message], mailboxLimit: .max)
        #expect(try store.messages(for: "x") == [message])
        withExtendedLifetime(folder) {}
    }

    @Test("removing takes exactly the given messages", arguments: StoreFactory.all)
    func remove(_ factory: StoreFactory) throws {
        let (store, _, folder) = try factory.make()
        let messages = (1...4).map { Self.message("x", from: "y", id: UInt64($0)) }
        _ = try store.save(messages, mailboxLimit: .max)
        try store.remove([messages[0].key, messages[2].key, MessageKey(sender: "q", id: 99)], for: "x")
        #expect(try store.messages(for: "x") == [messages[1], messages[3]])
        try store.remove([messages[1].key, messages[3].key], for: "x")
        #expect(try store.messages(for: "x").isEmpty)
        _ = try store.save([messages[0]], mailboxLimit: .max)
        #expect(try store.messages(for: "x") == [messages[0]])
        withExtendedLifetime(folder) {}
    }

    @Test("what was saved is there after reopening", arguments: StoreFactory.all)
    func reopen(_ factory: StoreFactory) throws {
        let (store, reopen, folder) = try factory.make()
        let messages = (1...3).map { Self.message("x", from: "y", id: UInt64($0), "héllo wörld \($0)") }
        _ = try store.save(messages, mailboxLimit: .max)
        try store.remove([messages[0].key], for: "x")
        #expect(try reopen().messages(for: "x") == Array(messages[1...]))
        withExtendedLifetime(folder) {}
    }

    @Test(
        "awkward nicknames are kept apart",
        arguments: StoreFactory.all)
    func awkwardNicknames(_ factory: StoreFactory) throws {
        let (store, _, folder) = try factory.make()
        let names = ["../../x", "a/b", "..", ".", "x", "X", "%2E%2E", "Zoë", "用户", "\u{1F600}", "a b", "-", "_x.mbox"]
        for (index, name) in names.enumerated() {
            _ = try store.save([Self.message(name, from: "s", id: UInt64(index))], mailboxLimit: .max)
        }
        for (index, name) in names.enumerated() {
            #expect(try store.messages(for: name).map(\.key.id) == [UInt64(index)], "mailbox of \(name)")
        }
        withExtendedLifetime(folder) {}
    }

    @Test("one sender's share of a mailbox is capped; other senders still have room", arguments: StoreFactory.all)
    func senderShare(_ factory: StoreFactory) throws {
        let (store, reopen, folder) = try factory.make()
        let limits = MailboxLimits(perRecipient: 10, perSender: 3)
        let flood = (1...5).map { Self.message("x", from: "flooder", id: UInt64($0)) }
        let refused = try store.save(flood, limits: limits)
        #expect(Set(refused.keys) == Set(flood.suffix(2).map(\.key)))
        #expect(refused.values.allSatisfy { $0 == .mailboxFull })
        #expect(try reopen().save([Self.message("x", from: "flooder", id: 9)], limits: limits).count == 1, "the share is counted from what is stored")
        #expect(try store.save([Self.message("x", from: "friend", id: 1)], limits: limits).isEmpty)
        try store.remove([flood[0].key], for: "x")
        #expect(try reopen().save([Self.message("x", from: "flooder", id: 10)], limits: limits).isEmpty, "room again after delivery")
        withExtendedLifetime(folder) {}
    }

    @Test("byte quotas: one sender's bytes over all mailboxes, and the store's, are capped", arguments: StoreFactory.all)
    func byteQuotas(_ factory: StoreFactory) throws {
        let (store, reopen, folder) = try factory.make()
        let size = Self.message("a", from: "flooder", id: 1).quotaBytes
        let limits = MailboxLimits(perRecipient: .max, bytesPerSender: 3 * size, totalBytes: 5 * size)
        // Each message to a mailbox of its own: only the byte quota can stop them.
        let flood = (1...5).map { Self.message("r\($0)", from: "flooder", id: UInt64($0)) }
        let refused = try store.save(flood, limits: limits)
        #expect(refused.count == 2 && refused.values.allSatisfy { $0 == .overQuota })
        #expect(try reopen().save([Self.message("r9", from: "flooder", id: 9)], limits: limits).count == 1, "counted from what is stored")
        #expect(try store.save([Self.message("r1", from: "friend", id: 1)], limits: limits).isEmpty)
        let others = [Self.message("r1", from: "other", id: 1), Self.message("r1", from: "other", id: 2)]
        #expect(try reopen().save(others, limits: limits).count == 1, "the store's total is full")
        try store.remove([flood[0].key], for: "r1")
        #expect(try reopen().save([Self.message("r1", from: "flooder", id: 10)], limits: limits).isEmpty, "room again after delivery")
        withExtendedLifetime(folder) {}
    }

    @Test("a pinned key is there after reopening, for awkward nicks too, until it is released", arguments: StoreFactory.all)
    func pinnedKeys(_ factory: StoreFactory) throws {
        let (store, reopen, folder) = try factory.make()
        let key = Array(UInt8(1)...UInt8(32))
        try store.pin(key, for: "x")
        try store.pin(Array(repeating: 7, count: 32), for: "../é t")
        #expect(try reopen().pinnedKeys().mapValues(\.key) == ["x": key, "../é t": Array(repeating: 7, count: 32)])
        try store.releaseKey(of: "x")
        #expect(try reopen().pinnedKeys().keys.sorted() == ["../é t"])
        withExtendedLifetime(folder) {}
    }

    @Test("a nick's last use is kept with its key, and forgetting a nick takes its key and its mail", arguments: StoreFactory.all)
    func lastUseAndForget(_ factory: StoreFactory) throws {
        let (store, reopen, folder) = try factory.make()
        try store.pin(Array(repeating: 1, count: 32), for: "x")
        try store.pin(Array(repeating: 2, count: 32), for: "y")
        try store.touch("x", atMicroseconds: 1_500_000_000_000_000)
        #expect(try reopen().pinnedKeys()["x"]?.lastUsedMicroseconds == 1_500_000_000_000_000)
        let limits = MailboxLimits(perRecipient: .max, totalBytes: 1_000)
        _ = try store.save([Self.message("x", from: "y", id: 1), Self.message("y", from: "x", id: 1)], limits: limits)
        try reopen().forget("x")
        #expect(try reopen().pinnedKeys().keys.sorted() == ["y"])
        #expect(try reopen().messages(for: "x").isEmpty)
        #expect(try reopen().messages(for: "y").count == 1)
        withExtendedLifetime(folder) {}
    }

    @Test("canonically equivalent spellings of a nickname share one mailbox", arguments: StoreFactory.all)
    func canonicalEquivalence(_ factory: StoreFactory) throws {
        let (store, _, folder) = try factory.make()
        _ = try store.save([Self.message("Zoë", from: "s", id: 1)], mailboxLimit: .max)
        _ = try store.save([Self.message("Zoe\u{308}", from: "s", id: 2)], mailboxLimit: .max)
        #expect(try store.messages(for: "Zoe\u{308}").map(\.key.id) == [1, 2])
        try store.remove([MessageKey(sender: "s", id: 1)], for: "Zoë")
        #expect(try store.messages(for: "Zoë").map(\.key.id) == [2])
        withExtendedLifetime(folder) {}
    }

    @Test("a full mailbox refuses new messages whole, still accepts retries, and has room after removal", arguments: StoreFactory.all)
    func mailboxLimit(_ factory: StoreFactory) throws {
        let (store, reopen, folder) = try factory.make()
        let messages = (1...5).map { Self.message("x", from: "y", id: UInt64($0)) }
        #expect(try store.save(Array(messages[0..<3]), mailboxLimit: 3).isEmpty)
        #expect(try store.save([messages[3], messages[2], messages[4]], mailboxLimit: 3) == [messages[3].key: .mailboxFull, messages[4].key: .mailboxFull])
        #expect(try reopen().messages(for: "x") == Array(messages[0..<3]))
        #expect(try store.save([Self.message("z", from: "y", id: 1)], mailboxLimit: 3).isEmpty, "the limit is per recipient")
        try store.remove([messages[0].key], for: "x")
        #expect(try store.save([messages[3], messages[3]], mailboxLimit: 3).isEmpty)
        #expect(try reopen().messages(for: "x") == [messages[1], messages[2], messages[3]])
        withExtendedLifetime(folder) {}
    }
}
