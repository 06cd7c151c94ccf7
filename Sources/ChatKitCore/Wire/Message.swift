/// One datagram's worth of protocol: an id and a message.
///
/// Every request carries a fresh id and every reply or acknowledgement echoes the id of what it answers.
/// A chat message keeps its id when it is handed to the server, so `MessageKey(sender, id)` names it
/// end to end.
public struct Packet: Equatable, Sendable {
    /// The request's id, or for a reply the id of the request it answers.
    public var id: UInt64
    /// What the datagram says.
    public var message: Message

    /// Makes a packet.
    public init(id: UInt64, message: Message) {
        self.id = id
        self.message = message
    }
}

/// Everything ChatKit peers say to each other. `docs/PROTOCOL.md` gives the byte layout of each.
public enum Message: Equatable, Sendable {
    /// Client → server: register `nick` at the datagram's source address. `token` is the session token of
    /// an earlier registration in this process, or 0.
    case register(nick: String, token: UInt64)
    /// Server → client: the answer to `register`, with the session token to use from now on.
    case registerReply(RegisterOutcome, token: UInt64)
    /// Client → server: go offline. Only the holder of `token` may deregister `nick`.
    case deregister(nick: String, token: UInt64)
    /// Server → client: the answer to `deregister`.
    case deregisterReply(DeregisterOutcome)
    /// Server → client: one part of a snapshot of the client table.
    case table(TableChunk)
    /// Server → client: the rows that changed between two table versions.
    case tableDelta(TableDelta)
    /// Client → server: "my table has a gap, send me a snapshot".
    case tableRequest(token: UInt64)
    /// Client → client: a chat line from `from`.
    case chat(from: String, text: String)
    /// Client → client: the chat with this packet's id has been shown.
    case chatAck
    /// Client → client: the chats with these ids (two or more, in arrival order) have been shown; one
    /// datagram for a burst of chats from one peer. The packet's own id is fresh and means nothing.
    case chatAcks(ids: [UInt64])
    /// Client → server: keep a message for an offline recipient. The packet id is the chat's id.
    case save(SaveRequest)
    /// Server → client: the answer to `save`; `peer` is the recipient's address when it is online.
    case saveReply(SaveOutcome, peer: Address?)
    /// Server → client: stored messages, oldest first, for the holder of `token`.
    case offlineBatch(token: UInt64, messages: [OfflineMessage])
    /// Client → server: the batch with this packet's id has been shown and may be deleted.
    case offlineAck(token: UInt64)
    /// Client → server: "I am still here", every few seconds, so the server can tell live clients from
    /// dead ones and rebuild its table after a restart.
    case keepalive(token: UInt64)
    /// Server → client: the answer to `keepalive`, with the table version the server has sent this
    /// client, so a client whose last delta was lost notices it is behind.
    case keepaliveReply(KeepaliveOutcome, tableVersion: UInt64)
    /// Server → client: "are you still there?", sent to the holder of `token` before its nickname is
    /// given to someone else.
    case probe(token: UInt64)
    /// Client → server: the answer to `probe`, echoing its id and the holder's token.
    case probeReply(token: UInt64)
}

/// The one-byte kind code of each message.
public enum MessageKind: UInt8, CaseIterable, Sendable {
    /// Register a nickname.
    case register = 0x01
    /// The answer to a registration.
    case registerReply = 0x02
    /// Go offline.
    case deregister = 0x03
    /// The answer to a deregistration.
    case deregisterReply = 0x04
    /// A part of a table snapshot.
    case table = 0x05
    /// A chat message between clients.
    case chat = 0x06
    /// The acknowledgement of a chat.
    case chatAck = 0x07
    /// Keep a message for an offline recipient.
    case save = 0x08
    /// The answer to a save.
    case saveReply = 0x09
    /// Stored messages for their recipient.
    case offlineBatch = 0x0A
    /// The acknowledgement of a batch of stored messages.
    case offlineAck = 0x0B
    /// A client is still alive.
    case keepalive = 0x0C
    /// The answer to a keepalive.
    case keepaliveReply = 0x0D
    /// Is the holder of a nickname alive?
    case probe = 0x0E
    /// The holder answers a probe.
    case probeReply = 0x0F
    /// Table rows changed since a version.
    case tableDelta = 0x10
    /// A client asks for a table snapshot.
    case tableRequest = 0x11
    /// The acknowledgement of several chats at once.
    case chatAcks = 0x12
}

extension Message {
    /// This message's kind code.
    public var kind: MessageKind {
        switch self {
        case .register: .register
        case .registerReply: .registerReply
        case .deregister: .deregister
        case .deregisterReply: .deregisterReply
        case .table: .table
        case .chat: .chat
        case .chatAck: .chatAck
        case .chatAcks: .chatAcks
        case .save: .save
        case .saveReply: .saveReply
        case .offlineBatch: .offlineBatch
        case .offlineAck: .offlineAck
        case .keepalive: .keepalive
        case .keepaliveReply: .keepaliveReply
        case .probe: .probe
        case .probeReply: .probeReply
        case .tableDelta: .tableDelta
        case .tableRequest: .tableRequest
        }
    }
}

/// How the server answered a registration.
public enum RegisterOutcome: UInt8, Sendable {
    /// A nickname the server had not seen.
    case registered = 0
    /// A nickname the server knew, now online again.
    case reRegistered = 1
    /// Another online client at another address holds the nickname.
    case nickInUse = 2
    /// The nickname breaks the nickname rules.
    case invalidNick = 3
}

/// How the server answered a deregistration.
public enum DeregisterOutcome: UInt8, Sendable {
    /// The client is offline now (or already was).
    case deregistered = 0
    /// The request did not come from the holder of the registration.
    case notHolder = 1
}

/// How the server answered a keepalive.
public enum KeepaliveOutcome: UInt8, Sendable {
    /// The session is known and online.
    case alive = 0
    /// The server does not know this session (it restarted, or marked the client offline): register again.
    case unknownSession = 1
}

/// Why a client hands a message to the server.
public enum SaveReason: UInt8, Sendable {
    /// The client's table says the recipient is offline.
    case recipientOffline = 0
    /// The recipient did not acknowledge in time.
    case noAck = 1
}

/// How the server answered a save request.
public enum SaveOutcome: UInt8, Sendable {
    /// Stored durably.
    case saved = 0
    /// Not stored: the server's table says the recipient is online; try it directly.
    case recipientOnline = 1
    /// Not stored: nobody by that name has ever registered.
    case unknownRecipient = 2
    /// Not stored: the sender's session token is not valid.
    case notRegistered = 3
    /// Not stored: the recipient's mailbox is full.
    case mailboxFull = 4
    /// Not stored: the server's storage failed.
    case storageFailed = 5
    /// Not stored: the message breaks the message rules (empty, say).
    case invalidMessage = 6
}

/// A client's request to keep a message for an offline recipient.
public struct SaveRequest: Equatable, Sendable {
    /// The sender's session token; the server knows the sender's nickname from it.
    public var token: UInt64
    /// The recipient's nickname.
    public var recipient: String
    /// Why the message did not go directly.
    public var reason: SaveReason
    /// The message text.
    public var text: String

    /// Makes a save request.
    public init(token: UInt64, recipient: String, reason: SaveReason, text: String) {
        self.token = token
        self.recipient = recipient
        self.reason = reason
        self.text = text
    }
}

/// One row of the client table.
public struct TableEntry: Equatable, Hashable, Sendable {
    /// The client's nickname.
    public var nick: String
    /// Where the client was last registered.
    public var address: Address
    /// Whether the client is online.
    public var online: Bool

    /// Makes a table entry.
    public init(nick: String, address: Address, online: Bool) {
        self.nick = nick
        self.address = address
        self.online = online
    }
}

/// One part of a table snapshot; `parts` datagrams with the same version make the whole table.
public struct TableChunk: Equatable, Sendable {
    /// The receiving client's session token, so forged tables can be told apart.
    public var token: UInt64
    /// The table's version; higher is newer.
    public var version: UInt64
    /// This part's index, from 0.
    public var part: UInt16
    /// How many parts the snapshot has.
    public var parts: UInt16
    /// The rows in this part.
    public var entries: [TableEntry]

    /// Makes a table chunk.
    public init(token: UInt64, version: UInt64, part: UInt16, parts: UInt16, entries: [TableEntry]) {
        self.token = token
        self.version = version
        self.part = part
        self.parts = parts
        self.entries = entries
    }
}

/// The changes that take a client's table from version `from` to version `to`.
///
/// A client applies it only when its table is at `from`; a later `from` means a gap, filled by a
/// snapshot. Rows are the changed clients' latest state, so applying them is idempotent.
public struct TableDelta: Equatable, Sendable {
    /// The receiving client's session token.
    public var token: UInt64
    /// The version the delta applies to.
    public var from: UInt64
    /// The version the table has after it.
    public var to: UInt64
    /// The rows that changed.
    public var entries: [TableEntry]

    /// Makes a table delta.
    public init(token: UInt64, from: UInt64, to: UInt64, entries: [TableEntry]) {
        self.token = token
        self.from = from
        self.to = to
        self.entries = entries
    }
}

/// A stored message as delivered to its recipient.
public struct OfflineMessage: Equatable, Sendable {
    /// The sender and the sender's message id.
    public var key: MessageKey
    /// When the server saved it, in microseconds since 1970 (UTC).
    public var savedAtMicroseconds: Int64
    /// The message text.
    public var text: String

    /// Makes an offline message.
    public init(key: MessageKey, savedAtMicroseconds: Int64, text: String) {
        self.key = key
        self.savedAtMicroseconds = savedAtMicroseconds
        self.text = text
    }
}
