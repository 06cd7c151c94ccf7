import ChatKitCore

/// One packet of every message kind, with awkward values (non-ASCII text, IPv6, extremes).
enum SamplePackets {
    static let longestNick = String(repeating: "\u{1F600}", count: Nickname.maxScalars)
    static let longestText = String(repeating: "é", count: MessageText.maxBytes / 2)

    static let all: [Packet] = [
        Packet(id: 1, message: .register(nick: "x", token: 0)),
        Packet(id: .max, message: .register(nick: "Zoë", token: 0xDEAD_BEEF_0000_0001)),
        Packet(
            id: 21,
            message: .register(
                nick: "x", token: 0, candidates: [Address(host: "192.168.1.5", port: 6061), Address(host: "fd00::5", port: 6061)])),
        Packet(id: 22, message: .punchRequest(token: 42, peer: longestNick, nonce: .max)),
        Packet(id: 23, message: .punchOrder(token: 42, peer: "y", nonce: 7, candidates: [Address(host: "203.0.113.9", port: 40_000)])),
        Packet(id: 24, message: .punch(from: "x", nonce: 0)),
        Packet(id: 25, message: .relayedChat(token: 42, from: longestNick, text: longestText)),
        Packet(id: 26, message: .relayedChatAck(token: 42)),
        Packet(id: 28, message: .handshakeInit(from: longestNick, sender: 7, noise: [UInt8](repeating: 0xE1, count: 32), padding: 96)),
        Packet(id: 29, message: .handshakeReply(sender: 8, receiver: 7, noise: [UInt8](repeating: 0xE2, count: 192))),
        Packet(id: 30, message: .handshakeFinish(receiver: 8, noise: [UInt8](repeating: 0xE3, count: 160))),
        Packet(id: 0, message: .sealed(receiver: .max, ciphertext: [UInt8](repeating: 0xC5, count: 16))),
        Packet(id: 27, message: .saveReply(.relayed, peer: nil)),
        Packet(
            id: 31,
            message: .serverList(
                token: 42, servers: [ServerListing(host: "", port: 6001, key: [UInt8](repeating: 0xB1, count: 32)),
                    ServerListing(host: "chat.example", port: 6002, key: [UInt8](repeating: 0xB2, count: 32))],
                signature: [UInt8](repeating: 0x51, count: 64))),
        Packet(id: 2, message: .registerReply(.registered, token: 42)),
        Packet(id: 3, message: .registerReply(.reRegistered, token: 43)),
        Packet(id: 4, message: .registerReply(.nickInUse, token: 0)),
        Packet(id: 5, message: .registerReply(.invalidNick, token: 0)),
        Packet(id: 6, message: .deregister(nick: "x", token: 42)),
        Packet(id: 7, message: .deregisterReply(.deregistered)),
        Packet(id: 8, message: .deregisterReply(.notHolder)),
        Packet(id: 9, message: .registerReply(.checking, token: 0)),
        Packet(id: 10, message: .tableAck(token: 42, version: .max)),
        Packet(id: 11, message: .chat(from: "x", text: "hello")),
        Packet(id: 12, message: .chat(from: longestNick, text: longestText)),
        Packet(id: 13, message: .chatAck),
        Packet(id: 14, message: .chatAcks(ids: [1, 2, .max])),
        Packet(id: 14, message: .save(SaveRequest(token: 42, recipient: "y", reason: .recipientOffline, text: "offline?"))),
        Packet(id: 15, message: .save(SaveRequest(token: 42, recipient: longestNick, reason: .noAck, text: longestText))),
        Packet(id: 16, message: .saveReply(.saved, peer: nil)),
        Packet(id: 17, message: .saveReply(.recipientOnline, peer: Address(host: "fe80::1", port: 9))),
        Packet(id: 18, message: .saveReply(.mailboxFull, peer: nil)),
        Packet(
            id: 19,
            message: .offlineBatch(
                token: 42,
                messages: [
                    OfflineMessage(key: MessageKey(sender: "y", id: 5), savedAtMicroseconds: 1_497_408_017_501_063, text: "offline?"),
                    OfflineMessage(key: MessageKey(sender: "z", id: 6), savedAtMicroseconds: -1, text: "offline?!"),
                ])),
        Packet(
            id: 20,
            message: .offlineBatch(
                token: 42,
                messages: [
                    OfflineMessage(key: MessageKey(sender: longestNick, id: .max), savedAtMicroseconds: .max, text: longestText)
                ])),
        Packet(id: 21, message: .offlineAck(token: 42)),
        Packet(id: 22, message: .keepalive(token: 42, tableVersion: 7)),
        Packet(id: 23, message: .keepaliveReply(.alive, tableVersion: 77)),
        Packet(id: 24, message: .keepaliveReply(.unknownSession, tableVersion: 0)),
        Packet(id: 25, message: .probe(token: .max)),
        Packet(id: 26, message: .probeReply(token: 1)),
        Packet(
            id: 27,
            message: .tableDelta(
                TableDelta(
                    token: 9, from: 41, to: 43, latest: 50, mode: .onDemand,
                    entries: [
                        TableEntry(nick: longestNick, address: Address(host: "2001:db8::1", port: 65535), online: false, version: 42),
                        TableEntry(nick: "q", address: Address(host: "127.0.0.1", port: 1024), online: true, version: .max),
                    ]))),
        Packet(id: 28, message: .tableDelta(TableDelta(token: 9, from: 0, to: 1, latest: 1, entries: []))),
        Packet(id: 29, message: .lookup(token: 9, nick: longestNick)),
        Packet(id: 30, message: .lookupReply(.found, entry: TableEntry(nick: "q", address: Address(host: "::1", port: 1), online: true, version: 3))),
        Packet(id: 31, message: .lookupReply(.noSuchClient, entry: nil)),
        Packet(id: 32, message: .lookupReply(.notRegistered, entry: nil)),
        Packet(id: 33, message: .who(token: 9, prefix: "", after: longestNick)),
        Packet(id: 34, message: .whoReply(entries: [], more: false)),
        Packet(
            id: 35,
            message: .whoReply(
                entries: [TableEntry(nick: "al", address: Address(host: "127.0.0.1", port: 6061), online: true, version: 2)],
                more: true)),
    ]
}
