import ChatKitCore
import Glibc
import Synchronization

/// Offline messages on disk: one append-only mailbox file per recipient under a data folder.
///
/// `save` appends checksummed records and fsyncs the file (and the folder, for a new file) before it
/// returns, so a message reported saved survives a crash. A crash mid-append leaves at most a torn last
/// record, which reading ignores and the next append cuts off. `remove` rewrites the mailbox into a
/// temporary file, fsyncs it and renames it over the old one, so a crash leaves the old or the new
/// mailbox, never a mix. Nicknames are encoded (see `MailboxFileName`), never used as paths.
public final class FileStore: OfflineStore, Sendable {
    /// The folder holding the mailbox files.
    public let directory: String

    /// What the store knows of one mailbox file, so appends need not re-read it.
    private struct Mailbox {
        var keys: Set<MessageKey>
        /// How many of the messages each share (sender nick, sender network) holds.
        var shares = MailboxShares()
        /// The length of the file's intact records; anything after it is a torn write to cut off.
        var validLength: Int
        var fileLength: Int
    }

    /// What the store knows without reading files again: mailboxes it has touched, and the bytes held
    /// (read from every mailbox at the first save or removal, and nil again after a failed write).
    private struct Knowledge {
        var mailboxes: [String: Mailbox] = [:]
        var usage: StoreUsage?
    }

    private let knowledge = Mutex(Knowledge())

    /// A store in `directory`, created (with its parents) if it does not exist.
    public init(directory: String) throws(StoreError) {
        self.directory = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        try PosixFiles.makeDirectories(self.directory)
    }

    public func save(_ messages: [StoredMessage], limits: MailboxLimits) throws(StoreError) -> [MessageKey: SaveRefusal] {
        var order: [String] = []
        var byRecipient: [String: [StoredMessage]] = [:]
        for message in messages {
            if byRecipient[message.recipient] == nil { order.append(message.recipient) }
            byRecipient[message.recipient, default: []].append(message)
        }
        return try knowledge.withLock { (known: inout Knowledge) throws(StoreError) in
            var usage: StoreUsage
            if let known = known.usage { usage = known } else { usage = try scanUsage() }
            var refused: [MessageKey: SaveRefusal] = [:]
            // Where each mailbox written so far ended before this call: if a later one fails (a full disk,
            // say), every one goes back, so "storage failed" is true of the whole batch it answers.
            var written: [(path: String, length: Int)] = []
            do throws(StoreError) {
                for recipient in order {
                    let batch = byRecipient[recipient] ?? []
                    refused.merge(
                        try append(batch, to: recipient, limits: limits, usage: &usage, cache: &known.mailboxes, written: &written)
                    ) { first, _ in first }
                }
            } catch {
                for (path, length) in written { Self.cut(path, to: length) }
                for recipient in order { known.mailboxes[recipient] = nil }
                known.usage = nil
                throw error
            }
            known.usage = usage
            return refused
        }
    }

    /// Cuts a mailbox back to `length` bytes (its last good end) and makes that durable, as far as the
    /// medium allows: a failed save must leave no record behind to be delivered later.
    private static func cut(_ path: String, to length: Int) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { _ = close(fd) }
        _ = ftruncate(fd, off_t(length))
        _ = fsync(fd)
    }

    public func messages(for recipient: String) throws(StoreError) -> [StoredMessage] {
        let path = try path(for: recipient)
        return try knowledge.withLock { (_: inout Knowledge) throws(StoreError) in
            guard let bytes = try PosixFiles.readFile(path) else { return [] }
            return MailboxRecord.decodeAll(bytes, recipient: recipient).messages
        }
    }

    public func remove(_ keys: Set<MessageKey>, for recipient: String) throws(StoreError) {
        let path = try path(for: recipient)
        try knowledge.withLock { (known: inout Knowledge) throws(StoreError) in
            known.mailboxes[recipient] = nil
            guard let bytes = try PosixFiles.readFile(path) else { return }
            let all = MailboxRecord.decodeAll(bytes, recipient: recipient).messages
            let kept = all.filter { !keys.contains($0.key) }
            for message in all where keys.contains(message.key) { known.usage?.remove(message) }
            if kept.isEmpty {
                try PosixFiles.remove(path)
            } else {
                try PosixFiles.replaceFile(path, with: kept.flatMap(MailboxRecord.encode))
            }
            try PosixFiles.syncDirectory(directory)
        }
    }

    // MARK: - Appending

    /// Appends what is new and fits under `limits`, counting it in `usage`; returns the keys refused.
    private func append(
        _ messages: [StoredMessage], to recipient: String, limits: MailboxLimits, usage: inout StoreUsage,
        cache: inout [String: Mailbox], written: inout [(path: String, length: Int)]
    ) throws(StoreError) -> [MessageKey: SaveRefusal] {
        let path = try path(for: recipient)
        var mailbox: Mailbox
        if let cached = cache[recipient] {
            mailbox = cached
        } else {
            mailbox = try scan(path, recipient: recipient)
        }
        var records: [UInt8] = []
        var refused: [MessageKey: SaveRefusal] = [:]
        var added: Set<MessageKey> = []
        var shares = mailbox.shares
        for message in messages where !mailbox.keys.contains(message.key) && !added.contains(message.key) {
            if mailbox.keys.count + added.count >= limits.perRecipient || shares.isFull(for: message, perShare: limits.perSender) {
                refused[message.key] = .mailboxFull
            } else if let refusal = usage.refusal(of: message, limits: limits) {
                refused[message.key] = refusal
            } else {
                added.insert(message.key)
                shares.add(message)
                usage.add(message)
                records += MailboxRecord.encode(message)
            }
        }
        guard !records.isEmpty else { return refused }
        let isNewFile = mailbox.fileLength == 0
        let fd = try PosixFiles.openFile(path, O_WRONLY | O_CREAT)
        defer { _ = close(fd) }
        if mailbox.fileLength != mailbox.validLength {
            try PosixFiles.truncate(fd, to: mailbox.validLength, path: path)
        }
        guard lseek(fd, off_t(mailbox.validLength), SEEK_SET) >= 0 else { throw PosixFiles.failure("lseek", path) }
        written.append((path, mailbox.validLength))
        do throws(StoreError) {
            try PosixFiles.writeAll(fd, records, path: path)
            try PosixFiles.sync(fd, path: path)
            if isNewFile { try PosixFiles.syncDirectory(directory) }
        } catch {
            cache[recipient] = nil  // the file's state is unknown now: read it again next time
            throw error
        }
        mailbox.keys.formUnion(added)
        mailbox.shares = shares
        mailbox.validLength += records.count
        mailbox.fileLength = mailbox.validLength
        cache[recipient] = mailbox
        return refused
    }

    /// The bytes held by every mailbox in the folder (read once, at the first save or removal).
    private func scanUsage() throws(StoreError) -> StoreUsage {
        var usage = StoreUsage()
        for name in try PosixFiles.fileNames(in: directory) where name.hasSuffix(MailboxFileName.suffix) {
            // A mailbox that cannot be read fails its own saves, with its own error; the others still count.
            guard let bytes = (try? PosixFiles.readFile(directory + "/" + name)) ?? nil else { continue }
            for message in MailboxRecord.decodeAll(bytes, recipient: "").messages { usage.add(message) }
        }
        return usage
    }

    private func scan(_ path: String, recipient: String) throws(StoreError) -> Mailbox {
        guard let bytes = try PosixFiles.readFile(path) else { return Mailbox(keys: [], validLength: 0, fileLength: 0) }
        let (messages, validLength) = MailboxRecord.decodeAll(bytes, recipient: recipient)
        var shares = MailboxShares()
        for message in messages { shares.add(message) }
        return Mailbox(keys: Set(messages.map(\.key)), shares: shares, validLength: validLength, fileLength: bytes.count)
    }

    private func path(for recipient: String) throws(StoreError) -> String {
        guard let name = MailboxFileName.encode(recipient) else { throw .unstorableRecipient(recipient) }
        return directory + "/" + name
    }
}
