import ChatKitCore
import Foundation
import Synchronization

/// Offline messages, pinned keys, nick use and quotas in PostgreSQL, so several servers can share them.
///
/// A save returns only after its transaction committed (PostgreSQL's durable commit), so "saved" is never
/// answered for mail a crash could lose. Claims on nicknames are decided by the database (`claim`).
public final class PostgresStore: OfflineStore, Sendable {
    let connection: PostgresConnection
    /// How to connect again, for the listener a server of a group starts (`watchChanges`).
    let conninfo: String
    /// The channel the group's writes notify: one per schema, so groups in one database stay apart.
    let channel: String
    /// The listener `watchChanges` started, if any.
    let listener = Mutex<PostgresListener?>(nil)

    /// Connects with a libpq connection URI or string, and creates the tables and functions that are
    /// missing, in `schema` if one is given (made if missing), else in the connection's search path.
    public init(connecting conninfo: String, schema: String? = nil) throws(StoreError) {
        var setup: [String] = []
        if let schema {
            guard schema.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }), !schema.isEmpty else {
                throw .ioFailure("PostgreSQL: schema names are letters, digits and underscores")
            }
            setup = ["CREATE SCHEMA IF NOT EXISTS \(schema)", "SET search_path TO \(schema)"]
        }
        connection = try PostgresConnection(conninfo, setup: setup)
        self.conninfo = conninfo
        channel = "chatkit_" + (schema ?? "group")
        try write(holding: PostgresSchema.mailLock) { connection throws(StoreError) in
            for statement in PostgresSchema.statements { _ = try connection.run(statement, []) }
        }
    }

    public func save(_ messages: [StoredMessage], limits: MailboxLimits) throws(StoreError) -> [MessageKey: SaveRefusal] {
        // The group's servers read the new mail at once (the notification goes out at commit).
        try write(holding: PostgresSchema.mailLock, notifies: true) { connection throws(StoreError) in
            var refused: [MessageKey: SaveRefusal] = [:]
            for message in messages {
                let outcome = try connection.run(
                    "SELECT chatkit_save($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    [
                        .text(Self.stored(message.recipient)), .text(Self.stored(message.key.sender)),
                        .integer(Int64(bitPattern: message.key.id)), .integer(message.savedAtMicroseconds),
                        .bytes(Array(message.text.utf8)), .optionalText(message.senderNetwork),
                        .integer(Int64(message.quotaBytes)), .integer(Int64(limits.perRecipient)),
                        .integer(Int64(limits.perSender)), .integer(Int64(limits.bytesPerSender)),
                        .integer(Int64(limits.totalBytes)),
                    ])
                switch try outcome.rows.first.map({ row throws(StoreError) in try PostgresRows.integer(row, 0) }) {
                case 0: break
                case 1: refused[message.key] = .mailboxFull
                case 2: refused[message.key] = .overQuota
                default: throw .ioFailure("PostgreSQL: chatkit_save answered nothing known")
                }
            }
            return refused
        }
    }

    public func messages(for recipient: String) throws(StoreError) -> [StoredMessage] {
        let result = try connection.execute(
            "SELECT sender, id, saved_at, body, sender_network FROM chatkit_messages WHERE recipient = $1 ORDER BY seq",
            [.text(Self.stored(recipient))])
        var messages: [StoredMessage] = []
        for row in result.rows {
            let body = try PostgresRows.bytes(row, 3)
            messages.append(StoredMessage(
                recipient: recipient,
                key: MessageKey(sender: try PostgresRows.text(row, 0), id: UInt64(bitPattern: try PostgresRows.integer(row, 1))),
                savedAtMicroseconds: try PostgresRows.integer(row, 2), text: String(decoding: body, as: UTF8.self),
                senderNetwork: row.count > 4 ? row[4] : nil))
        }
        return messages
    }

    public func remove(_ keys: Set<MessageKey>, for recipient: String) throws(StoreError) {
        guard !keys.isEmpty else { return }
        try write(holding: PostgresSchema.mailLock) { connection throws(StoreError) in
            for key in keys {
                _ = try connection.run(
                    "SELECT chatkit_remove($1, $2, $3)",
                    [.text(Self.stored(recipient)), .text(Self.stored(key.sender)), .integer(Int64(bitPattern: key.id))])
            }
        }
    }

    public func forget(_ nick: String) throws(StoreError) {
        try write(holding: PostgresSchema.mailLock) { connection throws(StoreError) in
            _ = try connection.run(
                "SELECT chatkit_remove(recipient, sender, id) FROM chatkit_messages WHERE recipient = $1", [.text(Self.stored(nick))])
            _ = try connection.run("DELETE FROM chatkit_pins WHERE nick = $1", [.text(Self.stored(nick))])
        }
    }

    deinit {
        listener.withLock { $0?.stop() }
    }

    /// Runs `body` in one transaction, holding advisory lock `lock` if given, so writes under one lock
    /// commit in order. `notifies`: the group's listeners hear of it at commit. Not `durable`: the commit
    /// does not wait for the WAL flush (soft state, written again soon).
    func write<T>(
        holding lock: Int64? = nil, notifies: Bool = false, durable: Bool = true, _ body: (PostgresConnection) throws(StoreError) -> T
    ) throws(StoreError) -> T {
        try connection.transaction { connection throws(StoreError) in
            if !durable { _ = try connection.run("SET LOCAL synchronous_commit TO OFF", []) }
            if let lock { _ = try connection.run("SELECT pg_advisory_xact_lock($1)", [.integer(lock)]) }
            let result = try body(connection)
            if notifies { _ = try connection.run("SELECT pg_notify($1, '')", [.text(channel)]) }
            return result
        }
    }

    /// Names as the tables keep them: in NFC, so canonically equivalent spellings are one.
    static func stored(_ name: String) -> String {
        name.precomposedStringWithCanonicalMapping
    }
}
