extension Packet {
    /// The datagram for this packet. Throws `wouldExceedLimit` rather than produce one over
    /// `WireLimits.maxDatagramBytes`.
    public func encoded() throws(WireError) -> [UInt8] {
        var writer = ByteWriter(capacity: 128)
        writer.u8(WireLimits.magic.0)
        writer.u8(WireLimits.magic.1)
        writer.u8(WireLimits.version)
        writer.u8(message.kind.rawValue)
        writer.u64(id)
        message.encodeBody(into: &writer)
        guard writer.bytes.count <= WireLimits.maxDatagramBytes else {
            throw .wouldExceedLimit(bytes: writer.bytes.count)
        }
        return writer.bytes
    }

    /// Decodes one datagram. Total: any byte string gives a packet or a `WireError`, never a crash.
    public init(decoding bytes: [UInt8]) throws(WireError) {
        guard bytes.count <= WireLimits.maxDatagramBytes else { throw .tooLong(length: bytes.count) }
        guard bytes.count >= WireLimits.headerBytes else { throw .tooShort(length: bytes.count) }
        guard bytes[0] == WireLimits.magic.0, bytes[1] == WireLimits.magic.1 else { throw .badMagic }
        guard bytes[2] == WireLimits.version else { throw .unsupportedVersion(bytes[2]) }
        guard let kind = MessageKind(rawValue: bytes[3]) else { throw .unknownKind(bytes[3]) }
        var reader = ByteReader(bytes, offset: 4)
        let id = try reader.u64("id")
        let message = try Message.decodeBody(kind, from: &reader)
        try reader.expectEnd()
        self.init(id: id, message: message)
    }
}

extension Message {
    fileprivate func encodeBody(into writer: inout ByteWriter) {
        switch self {
        case .register(let nick, let token, let proof, let candidates, let restarted, let prekey):
            writer.string(nick)
            writer.u64(token)
            writer.shortBytes(proof.publicKey)
            writer.shortBytes(proof.cookie)
            writer.shortBytes(proof.signature)
            Address.encodeList(candidates, into: &writer)
            writer.bool(restarted)
            writer.shortBytes(prekey?.bytes ?? [])
        case .registerReply(let outcome, let token, let cookie, let server):
            writer.u8(outcome.rawValue)
            writer.u64(token)
            writer.shortBytes(cookie)
            writer.shortBytes(server?.bytes ?? [])
        case .deregister(let nick, let token):
            writer.string(nick)
            writer.u64(token)
        case .deregisterReply(let outcome):
            writer.u8(outcome.rawValue)
        case .chat(let from, let text):
            writer.string(from)
            writer.string(text)
        case .chatAck:
            break
        case .chatAcks(let ids):
            writer.u16(UInt16(clamping: ids.count))
            for id in ids.prefix(Int(UInt16.max)) { writer.u64(id) }
        case .save(let request):
            writer.u64(request.token)
            writer.string(request.recipient)
            writer.u8(request.reason.rawValue)
            writer.string(request.text)
        case .saveReply(let outcome, let peer):
            writer.u8(outcome.rawValue)
            writer.string(peer?.host ?? "")
            writer.u16(peer?.port ?? 0)
        case .offlineBatch(let token, let messages):
            writer.u64(token)
            writer.u16(UInt16(clamping: messages.count))
            for message in messages.prefix(Int(UInt16.max)) {
                writer.string(message.key.sender)
                writer.u64(message.key.id)
                writer.i64(message.savedAtMicroseconds)
                writer.string(message.text)
            }
        case .offlineAck(let token), .probe(let token), .probeReply(let token):
            writer.u64(token)
        case .keepalive(let token, let version), .tableAck(let token, let version):
            writer.u64(token)
            writer.u64(version)
        case .tableDelta(let delta):
            writer.u64(delta.token)
            writer.u64(delta.from)
            writer.u64(delta.to)
            writer.u64(delta.latest)
            writer.u8(delta.mode.rawValue)
            TableEntry.encodeList(delta.entries, into: &writer)
        case .lookup(let token, let nick):
            writer.u64(token)
            writer.string(nick)
        case .lookupReply(let outcome, let entry):
            writer.u8(outcome.rawValue)
            if outcome == .found, let entry { entry.encode(into: &writer) }
        case .who(let token, let prefix, let after):
            writer.u64(token)
            writer.string(prefix)
            writer.string(after)
        case .whoReply(let entries, let more):
            writer.bool(more)
            TableEntry.encodeList(entries, into: &writer)
        case .keepaliveReply(let outcome, let tableVersion):
            writer.u8(outcome.rawValue)
            writer.u64(tableVersion)
        case .punchRequest(let token, let peer, let nonce, let padding):
            writer.u64(token)
            writer.string(peer)
            writer.u64(nonce)
            let zeros = max(0, min(padding, WireLimits.maxDatagramBytes))
            writer.u16(UInt16(zeros))
            writer.raw(repeatElement(0, count: zeros))
        case .punchOrder(let token, let peer, let nonce, let candidates):
            writer.u64(token)
            writer.string(peer)
            writer.u64(nonce)
            Address.encodeList(candidates, into: &writer)
        case .punch(let from, let nonce):
            writer.string(from)
            writer.u64(nonce)
        case .relayedChat(let token, let from, let text):
            writer.u64(token)
            writer.string(from)
            writer.string(text)
        case .relayedChatAck(let token):
            writer.u64(token)
        case .handshakeInit(let from, let sender, let noise, let padding):
            writer.string(from)
            writer.u32(sender)
            writer.shortBytes(noise)
            let zeros = max(0, min(padding, WireLimits.maxDatagramBytes))
            writer.u16(UInt16(zeros))
            writer.raw(repeatElement(0, count: zeros))
        case .handshakeReply(let sender, let receiver, let noise):
            writer.u32(sender)
            writer.u32(receiver)
            writer.shortBytes(noise)
        case .handshakeFinish(let receiver, let noise):
            writer.u32(receiver)
            writer.shortBytes(noise)
        case .sealed(let receiver, let ciphertext):
            writer.u32(receiver)
            writer.raw(ciphertext)
        case .serverList(let token, let servers, let signature):
            writer.u64(token)
            ServerListing.encode(servers, into: &writer)
            writer.shortBytes(signature)
        }
    }

    fileprivate static func decodeBody(_ kind: MessageKind, from reader: inout ByteReader) throws(WireError) -> Message {
        switch kind {
        case .register:
            let nick = try reader.string("nick")
            let token = try reader.u64("token")
            let proof = IdentityProof(
                publicKey: try reader.shortBytes("public key"), cookie: try reader.shortBytes("cookie"),
                signature: try reader.shortBytes("signature"))
            let candidates = try Address.decodeList(from: &reader)
            let restarted = try reader.bool("restarted")
            let prekeyBytes = try reader.shortBytes("prekey")
            // One encoding per packet: no prekey is an empty field, and a prekey is exactly 100 bytes.
            guard prekeyBytes.isEmpty || prekeyBytes.count == PublishedPrekey.encodedBytes else {
                throw .invalidValue(field: "prekey length", value: UInt64(prekeyBytes.count))
            }
            return .register(
                nick: nick, token: token, proof: proof, candidates: candidates, restarted: restarted,
                prekey: PublishedPrekey(bytes: prekeyBytes))
        case .registerReply:
            let outcome = try reader.code("outcome", as: RegisterOutcome.self)
            let (token, cookie) = (try reader.u64("token"), try reader.shortBytes("cookie"))
            let serverBytes = try reader.shortBytes("server proof")
            // One encoding per packet: no proof is an empty field; a key alone 32 bytes, a signed one 96.
            guard serverBytes.isEmpty || ServerProof(bytes: serverBytes) != nil else {
                throw .invalidValue(field: "server proof length", value: UInt64(serverBytes.count))
            }
            return .registerReply(outcome, token: token, cookie: cookie, server: ServerProof(bytes: serverBytes))
        case .deregister:
            return .deregister(nick: try reader.string("nick"), token: try reader.u64("token"))
        case .deregisterReply:
            return .deregisterReply(try reader.code("outcome", as: DeregisterOutcome.self))
        case .tableDelta:
            let token = try reader.u64("token")
            let from = try reader.u64("from version")
            let to = try reader.u64("to version")
            guard to > from else { throw .invalidValue(field: "to version", value: to) }
            let latest = try reader.u64("latest version")
            guard latest >= to else { throw .invalidValue(field: "latest version", value: latest) }
            let mode = try reader.code("mode", as: TableMode.self)
            let entries = try TableEntry.decodeList(from: &reader)
            return .tableDelta(TableDelta(token: token, from: from, to: to, latest: latest, mode: mode, entries: entries))
        case .tableAck:
            return .tableAck(token: try reader.u64("token"), version: try reader.u64("table version"))
        case .lookup:
            return .lookup(token: try reader.u64("token"), nick: try reader.string("nick"))
        case .lookupReply:
            let outcome = try reader.code("outcome", as: LookupOutcome.self)
            return .lookupReply(outcome, entry: outcome == .found ? try TableEntry.decode(from: &reader) : nil)
        case .who:
            return .who(token: try reader.u64("token"), prefix: try reader.string("prefix"), after: try reader.string("after"))
        case .whoReply:
            let more = try reader.bool("more")
            return .whoReply(entries: try TableEntry.decodeList(from: &reader), more: more)
        case .chat:
            return .chat(from: try reader.string("sender"), text: try reader.string("text"))
        case .chatAck:
            return .chatAck
        case .chatAcks:
            let count = Int(try reader.u16("ack count"))
            // One encoding per packet: a single acknowledgement is a plain chat-ack.
            guard count >= 2 else { throw .invalidValue(field: "ack count", value: UInt64(count)) }
            guard reader.remaining >= count * 8 else { throw .truncated(field: "acked ids") }
            var ids: [UInt64] = []
            ids.reserveCapacity(count)
            for _ in 0..<count { ids.append(try reader.u64("acked id")) }
            return .chatAcks(ids: ids)
        case .save:
            let token = try reader.u64("token")
            let recipient = try reader.string("recipient")
            let reason = try reader.code("reason", as: SaveReason.self)
            let text = try reader.string("text")
            return .save(SaveRequest(token: token, recipient: recipient, reason: reason, text: text))
        case .saveReply:
            let outcome = try reader.code("outcome", as: SaveOutcome.self)
            let host = try reader.string("peer host")
            let port = try reader.u16("peer port")
            // One encoding per packet: "no peer" is an empty host and port 0, nothing else.
            if host.isEmpty, port != 0 { throw .invalidValue(field: "peer port", value: UInt64(port)) }
            return .saveReply(outcome, peer: host.isEmpty ? nil : Address(host: host, port: port))
        case .offlineBatch:
            let token = try reader.u64("token")
            let count = Int(try reader.u16("message count"))
            var messages: [OfflineMessage] = []
            for _ in 0..<min(count, reader.remaining) {
                let sender = try reader.string("sender")
                let id = try reader.u64("message id")
                let savedAt = try reader.i64("saved at")
                let text = try reader.string("text")
                messages.append(OfflineMessage(key: MessageKey(sender: sender, id: id), savedAtMicroseconds: savedAt, text: text))
            }
            guard messages.count == count else { throw .truncated(field: "messages") }
            return .offlineBatch(token: token, messages: messages)
        case .offlineAck:
            return .offlineAck(token: try reader.u64("token"))
        case .keepalive:
            return .keepalive(token: try reader.u64("token"), tableVersion: try reader.u64("table version"))
        case .keepaliveReply:
            return .keepaliveReply(try reader.code("outcome", as: KeepaliveOutcome.self), tableVersion: try reader.u64("table version"))
        case .probe:
            return .probe(token: try reader.u64("token"))
        case .probeReply:
            return .probeReply(token: try reader.u64("token"))
        case .punchRequest:
            let (token, peer, nonce) = (try reader.u64("token"), try reader.string("peer"), try reader.u64("nonce"))
            let padding = Int(try reader.u16("padding length"))
            _ = try reader.bytes(padding, "padding")
            return .punchRequest(token: token, peer: peer, nonce: nonce, padding: padding)
        case .punchOrder:
            let token = try reader.u64("token")
            let peer = try reader.string("peer")
            let nonce = try reader.u64("nonce")
            return .punchOrder(token: token, peer: peer, nonce: nonce, candidates: try Address.decodeList(from: &reader))
        case .punch:
            return .punch(from: try reader.string("sender"), nonce: try reader.u64("nonce"))
        case .relayedChat:
            return .relayedChat(token: try reader.u64("token"), from: try reader.string("sender"), text: try reader.string("text"))
        case .relayedChatAck:
            return .relayedChatAck(token: try reader.u64("token"))
        case .handshakeInit:
            let (from, sender, noise) = (try reader.string("sender"), try reader.u32("sender index"), try reader.shortBytes("noise"))
            let padding = Int(try reader.u16("padding length"))
            _ = try reader.bytes(padding, "padding")
            return .handshakeInit(from: from, sender: sender, noise: noise, padding: padding)
        case .handshakeReply:
            return .handshakeReply(sender: try reader.u32("sender index"), receiver: try reader.u32("receiver index"), noise: try reader.shortBytes("noise"))
        case .handshakeFinish:
            return .handshakeFinish(receiver: try reader.u32("receiver index"), noise: try reader.shortBytes("noise"))
        case .sealed:
            let receiver = try reader.u32("receiver index")
            guard reader.remaining >= 16 else { throw .truncated(field: "ciphertext") }
            return .sealed(receiver: receiver, ciphertext: Array(try reader.bytes(reader.remaining, "ciphertext")))
        case .serverList:
            let token = try reader.u64("token")
            let servers = try ServerListing.decodeList(from: &reader)
            return .serverList(token: token, servers: servers, signature: try reader.shortBytes("signature"))
        }
    }
}

extension TableEntry {
    /// Two empty strings, a port, a flag, a version and an empty extension block.
    static let minimumEncodedBytes = 17

    /// The encoded size of this entry, used to split tables into datagrams.
    var encodedBytes: Int { 2 + nick.utf8.count + 2 + address.host.utf8.count + 2 + 1 + 8 + 2 + extensions.count }

    func encode(into writer: inout ByteWriter) {
        writer.string(nick)
        writer.string(address.host)
        writer.u16(address.port)
        writer.bool(online)
        writer.u64(version)
        writer.u16(UInt16(clamping: extensions.count))
        writer.raw(extensions.prefix(Int(UInt16.max)))
    }

    /// A count, then that many entries.
    static func encodeList(_ entries: [TableEntry], into writer: inout ByteWriter) {
        writer.u16(UInt16(clamping: entries.count))
        for entry in entries.prefix(Int(UInt16.max)) {
            entry.encode(into: &writer)
        }
    }

    /// A count, then that many entries.
    static func decodeList(from reader: inout ByteReader) throws(WireError) -> [TableEntry] {
        let count = Int(try reader.u16("entry count"))
        var entries: [TableEntry] = []
        entries.reserveCapacity(min(count, reader.remaining / minimumEncodedBytes))
        for _ in 0..<count {
            entries.append(try decode(from: &reader))
        }
        return entries
    }

    static func decode(from reader: inout ByteReader) throws(WireError) -> TableEntry {
        let nick = try reader.string("entry nick")
        let host = try reader.string("entry host")
        let port = try reader.u16("entry port")
        let online = try reader.bool("entry online")
        let version = try reader.u64("entry version")
        let extensionBytes = Int(try reader.u16("entry extensions length"))
        var entry = TableEntry(nick: nick, address: Address(host: host, port: port), online: online, version: version)
        entry.extensions = Array(try reader.bytes(extensionBytes, "entry extensions"))
        return entry
    }
}
