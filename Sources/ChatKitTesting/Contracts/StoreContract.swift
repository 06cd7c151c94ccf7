import ChatKitCore

/// The `OfflineStore` contract, as clauses an embedder's own tests can run against its own store: every
/// store in this package passes them, and so must a new one (see docs/EXTENDING.md).
public enum StoreContract {
    /// A fresh, empty store, and how to open its data again as a new process would.
    public struct Subject: Sendable {
        /// The store under test.
        public let store: any OfflineStore
        /// Opens the same data again (a store in memory may return itself).
        public let reopen: @Sendable () throws -> any OfflineStore
        /// Whatever must outlive the check (a temporary folder, say).
        public let keepAlive: (any Sendable)?

        /// A subject for the contract.
        public init(store: any OfflineStore, reopen: @escaping @Sendable () throws -> any OfflineStore, keepAlive: (any Sendable)? = nil) {
            self.store = store
            self.reopen = reopen
            self.keepAlive = keepAlive
        }
    }

    /// The promises every store keeps, each checked on a fresh subject.
    public enum Clause: String, CaseIterable, Sendable, CustomStringConvertible {
        case empty = "an unknown recipient has no messages"
        case order = "messages come back in the order saved, per recipient"
        case idempotentSave = "saving the same message again keeps one copy"
        case remove = "removing takes exactly the given messages"
        case reopen = "what was saved is there after reopening"
        case awkwardNicknames = "awkward nicknames are kept apart"
        case senderShare = "one sender's share of a mailbox is capped; other senders still have room"
        case byteQuotas = "byte quotas: one sender's bytes over all mailboxes, and the store's, are capped"
        case pinnedKeys = "a pinned key is there after reopening, for awkward nicks too, until it is released"
        case lastUseAndForget = "a nick's last use is kept with its key, and forgetting a nick takes its key and its mail"
        case canonicalEquivalence = "canonically equivalent spellings of a nickname share one mailbox"
        case mailboxLimit = "a full mailbox refuses new messages whole, still accepts retries, and has room after removal"
        case claim = "a claim pins a free nick and finds the key already pinned to a taken one, alone or in a batch"

        /// The clause in words.
        public var description: String { rawValue }
    }

    /// Checks `clause` on a fresh subject from `make`; nil when it holds.
    public static func check(_ clause: Clause, on make: () throws -> Subject) -> ContractViolation? {
        ClauseCheck.run(clause.rawValue) { check in
            let subject = try make()
            defer { withExtendedLifetime(subject) {} }
            switch clause {
            case .empty: try empty(subject, check)
            case .order: try order(subject, check)
            case .idempotentSave: try idempotentSave(subject, check)
            case .remove: try remove(subject, check)
            case .reopen: try reopen(subject, check)
            case .awkwardNicknames: try awkwardNicknames(subject, check)
            case .senderShare: try senderShare(subject, check)
            case .byteQuotas: try byteQuotas(subject, check)
            case .pinnedKeys: try pinnedKeys(subject, check)
            case .lastUseAndForget: try lastUseAndForget(subject, check)
            case .canonicalEquivalence: try canonicalEquivalence(subject, check)
            case .mailboxLimit: try mailboxLimit(subject, check)
            case .claim: try claim(subject, check)
            }
        }
    }

    /// Every clause, each on a fresh subject from `make`: the violations, empty when the store keeps the contract.
    public static func violations(of make: () throws -> Subject) -> [ContractViolation] {
        Clause.allCases.compactMap { check($0, on: make) }
    }

    private static func message(_ recipient: String, from sender: String, id: UInt64, _ text: String = "hello") -> StoredMessage {
        StoredMessage(
            recipient: recipient, key: MessageKey(sender: sender, id: id),
            savedAtMicroseconds: 1_497_408_017_501_063 + Int64(id), text: text)
    }

    private static func empty(_ subject: Subject, _ check: ClauseCheck) throws {
        let store = subject.store
        try check.expect(store.messages(for: "nobody").isEmpty, "store.messages(for: \"nobody\").isEmpty")
        try store.remove([MessageKey(sender: "a", id: 1)], for: "nobody")
    }

    private static func order(_ subject: Subject, _ check: ClauseCheck) throws {
        let store = subject.store
        let forX = (1...5).map { message("x", from: "y", id: UInt64($0), "m\($0)") }
        _ = try store.save([forX[0], forX[1], message("z", from: "y", id: 9)], mailboxLimit: .max)
        _ = try store.save(Array(forX[2...]), mailboxLimit: .max)
        try check.expect(store.messages(for: "x") == forX, "store.messages(for: \"x\") == forX")
        try check.expect(store.messages(for: "z").map(\.key.id) == [9], "store.messages(for: \"z\").map(\\.key.id) == [9]")
    }

    private static func idempotentSave(_ subject: Subject, _ check: ClauseCheck) throws {
        let store = subject.store
        let message = message("x", from: "y", id: 1)
        _ = try store.save([message], mailboxLimit: .max)
        _ = try store.save([message, message], mailboxLimit: .max)
        try check.expect(store.messages(for: "x") == [message], "store.messages(for: \"x\") == [message]")
    }

    private static func remove(_ subject: Subject, _ check: ClauseCheck) throws {
        let store = subject.store
        let messages = (1...4).map { message("x", from: "y", id: UInt64($0)) }
        _ = try store.save(messages, mailboxLimit: .max)
        try store.remove([messages[0].key, messages[2].key, MessageKey(sender: "q", id: 99)], for: "x")
        try check.expect(store.messages(for: "x") == [messages[1], messages[3]], "store.messages(for: \"x\") == [messages[1], messages[3]]")
        try store.remove([messages[1].key, messages[3].key], for: "x")
        try check.expect(store.messages(for: "x").isEmpty, "store.messages(for: \"x\").isEmpty")
        _ = try store.save([messages[0]], mailboxLimit: .max)
        try check.expect(store.messages(for: "x") == [messages[0]], "store.messages(for: \"x\") == [messages[0]]")
    }

    private static func reopen(_ subject: Subject, _ check: ClauseCheck) throws {
        let (store, reopen) = (subject.store, subject.reopen)
        let messages = (1...3).map { message("x", from: "y", id: UInt64($0), "héllo wörld \($0)") }
        _ = try store.save(messages, mailboxLimit: .max)
        try store.remove([messages[0].key], for: "x")
        try check.expect(reopen().messages(for: "x") == Array(messages[1...]), "reopen().messages(for: \"x\") == Array(messages[1...])")
    }

    private static func awkwardNicknames(_ subject: Subject, _ check: ClauseCheck) throws {
        let store = subject.store
        let names = ["../../x", "a/b", "..", ".", "x", "X", "%2E%2E", "Zoë", "用户", "\u{1F600}", "a b", "-", "_x.mbox"]
        for (index, name) in names.enumerated() {
            _ = try store.save([message(name, from: "s", id: UInt64(index))], mailboxLimit: .max)
        }
        for (index, name) in names.enumerated() {
            try check.expect(store.messages(for: name).map(\.key.id) == [UInt64(index)], "mailbox of \(name)")
        }
    }

    private static func senderShare(_ subject: Subject, _ check: ClauseCheck) throws {
        let (store, reopen) = (subject.store, subject.reopen)
        let limits = MailboxLimits(perRecipient: 10, perSender: 3)
        let flood = (1...5).map { message("x", from: "flooder", id: UInt64($0)) }
        let refused = try store.save(flood, limits: limits)
        try check.expect(Set(refused.keys) == Set(flood.suffix(2).map(\.key)), "Set(refused.keys) == Set(flood.suffix(2).map(\\.key))")
        try check.expect(refused.values.allSatisfy { $0 == .mailboxFull }, "refused.values.allSatisfy { $0 == .mailboxFull }")
        try check.expect(reopen().save([message("x", from: "flooder", id: 9)], limits: limits).count == 1, "the share is counted from what is stored")
        try check.expect(store.save([message("x", from: "friend", id: 1)], limits: limits).isEmpty, "store.save([message(\"x\", from: \"friend\", id: 1)], limits: limits).isEmpty")
        try store.remove([flood[0].key], for: "x")
        try check.expect(reopen().save([message("x", from: "flooder", id: 10)], limits: limits).isEmpty, "room again after delivery")
    }

    private static func byteQuotas(_ subject: Subject, _ check: ClauseCheck) throws {
        let (store, reopen) = (subject.store, subject.reopen)
        let size = message("a", from: "flooder", id: 1).quotaBytes
        let limits = MailboxLimits(perRecipient: .max, bytesPerSender: 3 * size, totalBytes: 5 * size)
        // Each message to a mailbox of its own: only the byte quota can stop them.
        let flood = (1...5).map { message("r\($0)", from: "flooder", id: UInt64($0)) }
        let refused = try store.save(flood, limits: limits)
        try check.expect(refused.count == 2 && refused.values.allSatisfy { $0 == .overQuota }, "refused.count == 2 && refused.values.allSatisfy { $0 == .overQuota }")
        try check.expect(reopen().save([message("r9", from: "flooder", id: 9)], limits: limits).count == 1, "counted from what is stored")
        try check.expect(store.save([message("r1", from: "friend", id: 1)], limits: limits).isEmpty, "store.save([message(\"r1\", from: \"friend\", id: 1)], limits: limits).isEmpty")
        let others = [message("r1", from: "other", id: 1), message("r1", from: "other", id: 2)]
        try check.expect(reopen().save(others, limits: limits).count == 1, "the store's total is full")
        try store.remove([flood[0].key], for: "r1")
        try check.expect(reopen().save([message("r1", from: "flooder", id: 10)], limits: limits).isEmpty, "room again after delivery")
    }

    private static func pinnedKeys(_ subject: Subject, _ check: ClauseCheck) throws {
        let (store, reopen) = (subject.store, subject.reopen)
        let key = Array(UInt8(1)...UInt8(32))
        try store.pin(key, for: "x")
        try store.pin(Array(repeating: 7, count: 32), for: "../é t")
        try check.expect(reopen().pinnedKeys().mapValues(\.key) == ["x": key, "../é t": Array(repeating: 7, count: 32)], "reopen().pinnedKeys().mapValues(\\.key) == [\"x\": key, \"../é t\": Array(repeating: 7, count: 32)]")
        try store.releaseKey(of: "x")
        try check.expect(reopen().pinnedKeys().keys.sorted() == ["../é t"], "reopen().pinnedKeys().keys.sorted() == [\"../é t\"]")
    }

    private static func lastUseAndForget(_ subject: Subject, _ check: ClauseCheck) throws {
        let (store, reopen) = (subject.store, subject.reopen)
        try store.pin(Array(repeating: 1, count: 32), for: "x")
        try store.pin(Array(repeating: 2, count: 32), for: "y")
        try store.touch("x", atMicroseconds: 1_500_000_000_000_000)
        try check.expect(reopen().pinnedKeys()["x"]?.lastUsedMicroseconds == 1_500_000_000_000_000, "reopen().pinnedKeys()[\"x\"]?.lastUsedMicroseconds == 1_500_000_000_000_000")
        let limits = MailboxLimits(perRecipient: .max, totalBytes: 1_000)
        _ = try store.save([message("x", from: "y", id: 1), message("y", from: "x", id: 1)], limits: limits)
        try reopen().forget("x")
        try check.expect(reopen().pinnedKeys().keys.sorted() == ["y"], "reopen().pinnedKeys().keys.sorted() == [\"y\"]")
        try check.expect(reopen().messages(for: "x").isEmpty, "reopen().messages(for: \"x\").isEmpty")
        try check.expect(reopen().messages(for: "y").count == 1, "reopen().messages(for: \"y\").count == 1")
    }

    private static func canonicalEquivalence(_ subject: Subject, _ check: ClauseCheck) throws {
        let store = subject.store
        _ = try store.save([message("Zoë", from: "s", id: 1)], mailboxLimit: .max)
        _ = try store.save([message("Zoe\u{308}", from: "s", id: 2)], mailboxLimit: .max)
        try check.expect(store.messages(for: "Zoe\u{308}").map(\.key.id) == [1, 2], "store.messages(for: \"Zoe\\u{308}\").map(\\.key.id) == [1, 2]")
        try store.remove([MessageKey(sender: "s", id: 1)], for: "Zoë")
        try check.expect(store.messages(for: "Zoë").map(\.key.id) == [2], "store.messages(for: \"Zoë\").map(\\.key.id) == [2]")
    }

    private static func mailboxLimit(_ subject: Subject, _ check: ClauseCheck) throws {
        let (store, reopen) = (subject.store, subject.reopen)
        let messages = (1...5).map { message("x", from: "y", id: UInt64($0)) }
        try check.expect(store.save(Array(messages[0..<3]), mailboxLimit: 3).isEmpty, "store.save(Array(messages[0..<3]), mailboxLimit: 3).isEmpty")
        try check.expect(store.save([messages[3], messages[2], messages[4]], mailboxLimit: 3) == [messages[3].key: .mailboxFull, messages[4].key: .mailboxFull], "store.save([messages[3], messages[2], messages[4]], mailboxLimit: 3) == [messages[3].key: .mailboxFull, messages[4].key: .mailboxFull]")
        try check.expect(reopen().messages(for: "x") == Array(messages[0..<3]), "reopen().messages(for: \"x\") == Array(messages[0..<3])")
        try check.expect(store.save([message("z", from: "y", id: 1)], mailboxLimit: 3).isEmpty, "the limit is per recipient")
        try store.remove([messages[0].key], for: "x")
        try check.expect(store.save([messages[3], messages[3]], mailboxLimit: 3).isEmpty, "store.save([messages[3], messages[3]], mailboxLimit: 3).isEmpty")
        try check.expect(reopen().messages(for: "x") == [messages[1], messages[2], messages[3]], "reopen().messages(for: \"x\") == [messages[1], messages[2], messages[3]]")
    }

    private static func claim(_ subject: Subject, _ check: ClauseCheck) throws {
        let (store, reopen) = (subject.store, subject.reopen)
        let (first, second) = (Array(repeating: UInt8(1), count: 32), Array(repeating: UInt8(2), count: 32))
        let claimed = try store.claim(first, for: "x", atMicroseconds: 1_500_000_000_000_000)
        try check.expect(claimed.isNew && claimed.pinned.key == first, "the first claim pins its key")
        let again = try reopen().claim(second, for: "x", atMicroseconds: 1_500_000_000_000_001)
        try check.expect(!again.isNew && again.pinned.key == first, "a later claim finds the first key")
        try check.expect(reopen().pinnedKeys()["x"]?.key == first, "the first key stays pinned")
        // Several at once, as a server claims a batch's new nicks: each answered in order, the first of
        // two claims on one nick winning.
        let answers = try store.claim([("y", first), ("z", second), ("y", second), ("x", second)], atMicroseconds: 1_500_000_000_000_002)
        try check.expect(answers.map(\.isNew) == [true, true, false, false], "a batch of claims pins the free nicks only")
        try check.expect(answers.map(\.pinned.key) == [first, second, first, first], "each claim in a batch finds the key pinned")
        try check.expect(reopen().pinnedKeys()["z"]?.key == second, "a batch's claims stay pinned")
        let asked = try reopen().pinnedKeys(of: ["x", "z", "nobody"])
        try check.expect(asked.mapValues(\.key) == ["x": first, "z": second], "the keys of several nicks, asked at once")
    }
}
