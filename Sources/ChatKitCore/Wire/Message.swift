import ChatKitCrypto

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
    /// an earlier registration in this process, or 0; `proof` shows the client holds the nick's key;
    /// `candidates` are the client's own (host) addresses, for peers behind the same router. `restarted`:
    /// no other process of this user runs on this host (its lock was free), so a session of the nick
    /// held from this host's address is a dead one, and the server hands the nick over at once.
    /// `prekey` is the client's signed prekey, which the server publishes in its row.
    case register(
        nick: String, token: UInt64, proof: IdentityProof = IdentityProof(), candidates: [Address] = [], restarted: Bool = false,
        prekey: PublishedPrekey? = nil)
    /// Server → client: the answer to `register`, with the session token to use from now on; with
    /// outcome `challenge`, the cookie to sign and send back. A welcome carries the server's signed
    /// `ServerProof`, so a client recognises its server by key.
    case registerReply(RegisterOutcome, token: UInt64, cookie: [UInt8] = [], server: ServerProof? = nil)
    /// Client → server: go offline. Only the holder of `token` may deregister `nick`.
    case deregister(nick: String, token: UInt64)
    /// Server → client: the answer to `deregister`.
    case deregisterReply(DeregisterOutcome)
    /// Server → client: the rows that changed between two table versions. A client that holds no table
    /// yet gets the whole table as deltas from version 0.
    case tableDelta(TableDelta)
    /// Client → server: "I hold every row up to this version" (a cumulative acknowledgement); the server
    /// resends what is missing until it hears it.
    case tableAck(token: UInt64, version: UInt64)
    /// Client → server: the current row of `nick`, whose row the client does not hold (yet).
    case lookup(token: UInt64, nick: String)
    /// Server → client: the answer to `lookup`; the row, or nil when no such client exists.
    case lookupReply(LookupOutcome, entry: TableEntry?)
    /// Client → server: one page of the directory, nicknames starting with `prefix`, after `after`.
    case who(token: UInt64, prefix: String, after: String)
    /// Server → client: the answer to `who`, in nickname order; `more` when another page follows.
    case whoReply(entries: [TableEntry], more: Bool)
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
    /// dead ones and rebuild its table after a restart. It carries the table version held, as a `tableAck`.
    case keepalive(token: UInt64, tableVersion: UInt64)
    /// Server → client: the answer to `keepalive`, with the latest table version the server has for this
    /// client (for diagnostics; resending what is missing is the server's job).
    case keepaliveReply(KeepaliveOutcome, tableVersion: UInt64)
    /// Server → client: "are you still there?", sent to the holder of `token` before its nickname is
    /// given to someone else.
    case probe(token: UInt64)
    /// Client → server: the answer to `probe`, echoing its id and the holder's token.
    case probeReply(token: UInt64)
    /// Client → server: "have `peer` punch toward me": the server passes `nonce` and the asker's addresses
    /// to the peer in a `punchOrder`, so the peer's router opens a way in for the asker's chats. `padding`
    /// zero bytes make the request as big as the order it causes: the server never sends the peer more.
    case punchRequest(token: UInt64, peer: String, nonce: UInt64, padding: Int = 0)
    /// Server → client (the holder of `token`): send a `punch` carrying `nonce` to each of `peer`'s
    /// `candidates` (the address the server sees first, then the peer's own).
    case punchOrder(token: UInt64, peer: String, nonce: UInt64, candidates: [Address])
    /// Client → client: opens (or keeps open) the sender's router toward the receiver. A `nonce` from a
    /// `punchRequest` proves to the asker that the punch comes from `from`; 0 only keeps a path open.
    case punch(from: String, nonce: UInt64)
    /// Server → client (the holder of `token`): a chat from `from` that could not go directly, relayed by
    /// the server. The packet id is the chat's id.
    case relayedChat(token: UInt64, from: String, text: String)
    /// Client → server: the relayed chat with this packet's id has been shown.
    case relayedChatAck(token: UInt64)
    /// Client → client: the first message of a peer session's Noise XX handshake (`-> e`) from `from`,
    /// whose index for the session is `sender`. `padding` zero bytes make it as big as the reply it
    /// causes: a peer never answers a forged source with more than it was sent.
    case handshakeInit(from: String, sender: UInt32, noise: [UInt8], padding: Int = 0)
    /// Client → client: the handshake's second message (`<- e, ee, s, es`, with the responder's identity
    /// proof), answering the initiator's index `receiver` with the responder's own `sender`.
    case handshakeReply(sender: UInt32, receiver: UInt32, noise: [UInt8])
    /// Client → client: the handshake's third message (`-> s, se`, with the initiator's identity proof).
    case handshakeFinish(receiver: UInt32, noise: [UInt8])
    /// Client → client: a packet (a chat, an ACK) sealed with the session whose index at the receiver is
    /// `receiver`. The packet's id is the message counter: the nonce, and the replay window's key.
    case sealed(receiver: UInt32, ciphertext: [UInt8])
    /// Server → client: the other servers sharing this server's database, for the client holding `token`
    /// to move to when this one falls silent; signed by this server's key (`ServerListing.signedBytes`).
    case serverList(token: UInt64, servers: [ServerListing], signature: [UInt8])
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
    /// A client acknowledges the table version it holds.
    case tableAck = 0x11
    /// The acknowledgement of several chats at once.
    case chatAcks = 0x12
    /// A client asks for one row.
    case lookup = 0x13
    /// The answer to a lookup.
    case lookupReply = 0x14
    /// A client asks for a page of the directory.
    case who = 0x15
    /// The answer to a who.
    case whoReply = 0x16
    /// A client asks the server to have a peer punch toward it.
    case punchRequest = 0x17
    /// The server tells a client to punch toward a peer.
    case punchOrder = 0x18
    /// A hole punch (or path keep-alive) between clients.
    case punch = 0x19
    /// A chat relayed by the server.
    case relayedChat = 0x1A
    /// The acknowledgement of a relayed chat.
    case relayedChatAck = 0x1B
    /// A peer session's first handshake message.
    case handshakeInit = 0x1C
    /// A peer session's second handshake message.
    case handshakeReply = 0x1D
    /// A peer session's third handshake message.
    case handshakeFinish = 0x1E
    /// A packet sealed with a peer session.
    case sealed = 0x1F
    /// The other servers sharing the database.
    case serverList = 0x20
}

extension Message {
    /// This message's kind code.
    public var kind: MessageKind {
        switch self {
        case .register: .register
        case .registerReply: .registerReply
        case .deregister: .deregister
        case .deregisterReply: .deregisterReply
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
        case .tableAck: .tableAck
        case .lookup: .lookup
        case .lookupReply: .lookupReply
        case .who: .who
        case .whoReply: .whoReply
        case .punchRequest: .punchRequest
        case .punchOrder: .punchOrder
        case .punch: .punch
        case .relayedChat: .relayedChat
        case .relayedChatAck: .relayedChatAck
        case .handshakeInit: .handshakeInit
        case .handshakeReply: .handshakeReply
        case .handshakeFinish: .handshakeFinish
        case .sealed: .sealed
        case .serverList: .serverList
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
    /// The nickname's holder seems online elsewhere and is being probed: keep asking for the verdict.
    case checking = 4
    /// Prove the address and the key: sign the cookie that comes with this answer and register again.
    case challenge = 5
    /// The server knows the nickname by another key: this identity cannot have it.
    case keyMismatch = 6
    /// This address registered too many new nicknames in the last minute.
    case tooManyNewNicks = 7
    /// The nickname looks like one someone else holds (PRECIS comparison and UTS #39 skeleton).
    case lookalikeNick = 8
}

/// What a registration carries to show who is asking: the client's Ed25519 public key, the cookie the
/// server sent to its address, and the key's signature over `IdentityProof.signedBytes(cookie:nick:)`.
public struct IdentityProof: Equatable, Sendable {
    /// The 32-byte Ed25519 public key; empty only in a registration from a client with no key.
    public var publicKey: [UInt8]
    /// The server's cookie for this address, nick and key (empty on the first try).
    public var cookie: [UInt8]
    /// The 64-byte signature of `signedBytes(cookie:nick:)` (empty with an empty cookie).
    public var signature: [UInt8]

    /// Makes a proof; all empty by default.
    public init(publicKey: [UInt8] = [], cookie: [UInt8] = [], signature: [UInt8] = []) {
        self.publicKey = publicKey
        self.cookie = cookie
        self.signature = signature
    }

    /// The proof `key` gives for registering `nick` with the server's `cookie`.
    public static func signed(cookie: [UInt8], nick: String, key: IdentityKey) -> IdentityProof {
        let signature = cookie.isEmpty ? [] : ((try? key.sign(signedBytes(cookie: cookie, nick: nick))) ?? [])
        return IdentityProof(publicKey: key.publicKey, cookie: cookie, signature: signature)
    }

    /// Whether the signature is the public key's, over this cookie and `nick`.
    public func isValid(for nick: String) -> Bool {
        IdentityKey.verify(signature, of: Self.signedBytes(cookie: cookie, nick: nick), publicKey: publicKey)
    }

    /// What the key signs: a fixed context, the cookie and the nickname, so a signature is good for
    /// nothing but this registration.
    public static func signedBytes(cookie: [UInt8], nick: String) -> [UInt8] {
        Array("chatkit v7 register".utf8) + [0] + cookie + [0] + Array(nick.utf8)
    }
}

/// How the server answered a lookup.
public enum LookupOutcome: UInt8, Sendable {
    /// The row follows.
    case found = 0
    /// Nobody by that name has ever registered.
    case noSuchClient = 1
    /// The asker's session token is not valid: register again.
    case notRegistered = 2
}

/// Whether a client holds the whole table or only the rows it uses.
public enum TableMode: UInt8, Sendable {
    /// The whole table, with `[Client table updated.]` on every change (small directories).
    case whole = 0
    /// Only the rows the client looked up, kept fresh by the server (large directories).
    case onDemand = 1
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
    /// The recipient did not acknowledge in time: the server relays it if the recipient is online, and
    /// stores it only if the relay goes unanswered.
    case noAck = 1
    /// The way to the recipient is known to need the server (a symmetric NAT, say): relay it, and store
    /// it only if the relay goes unanswered.
    case viaRelay = 2
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
    /// Not stored: the sender has used up its byte quota on the server, or the server its storage.
    case overQuota = 7
    /// Delivered through the server's relay and acknowledged by the recipient; not stored.
    case relayed = 8
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
    /// The directory version at which this row last changed; a holder never replaces a row by an older one.
    public var version: UInt64
    /// Room in the row for what later versions add: items of `type u8, length u16, value`. Type 1 is
    /// the client's host candidates (`candidates`). A reader keeps what it does not understand and
    /// passes it on.
    public var extensions: [UInt8] = []

    /// Makes a table entry.
    public init(nick: String, address: Address, online: Bool, version: UInt64 = 0) {
        self.nick = nick
        self.address = address
        self.online = online
        self.version = version
    }
}

/// The changes that take a client's table from version `from` to version `to`.
///
/// It holds every row (of those the client holds) that changed in (`from`, `to`], each in its latest
/// state, so a client whose table is anywhere in [`from`, `to`) may apply it; a later `from` means a gap,
/// which the server fills by resending from the version the client acknowledged.
public struct TableDelta: Equatable, Sendable {
    /// The receiving client's session token.
    public var token: UInt64
    /// The version the delta applies to.
    public var from: UInt64
    /// The version the table has after it.
    public var to: UInt64
    /// The newest version the server has for this client; `to == latest` means "you are up to date".
    public var latest: UInt64
    /// Whether the client holds the whole table or only the rows it uses.
    public var mode: TableMode
    /// The rows that changed.
    public var entries: [TableEntry]

    /// Makes a table delta.
    public init(token: UInt64, from: UInt64, to: UInt64, latest: UInt64, mode: TableMode = .whole, entries: [TableEntry]) {
        self.token = token
        self.from = from
        self.to = to
        self.latest = latest
        self.mode = mode
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
