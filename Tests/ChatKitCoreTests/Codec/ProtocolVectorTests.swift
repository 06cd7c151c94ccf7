import ChatKitCore
import ChatKitCrypto
import Foundation
import ChatKitTesting
import Testing

/// Checks the byte-level test vectors printed in `docs/PROTOCOL.md` against the codec, so the document
/// and the code cannot drift apart.
@Suite("Protocol document test vectors")
struct ProtocolVectorTests {
    static let token: UInt64 = 0x0102_0304_0506_0708

    /// RFC 8032's first test key, so the document's signature can be checked by anyone.
    static let rfc8032: IdentityKey = {
        let seed = Hex.bytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        guard let key = try? IdentityKey(privateKey: seed) else { preconditionFailure("libcrypto refused the RFC 8032 key") }
        return key
    }()
    static let cookie: [UInt8] = Array(0x00...0x0F)

    /// Each vector's name, as it appears in the document, and the packet it must encode.
    static let vectors: KeyValuePairs<String, Packet> = [
        "register": Packet(id: 1, message: .register(nick: "x", token: 0, proof: IdentityProof(publicKey: rfc8032.publicKey))),
        "register-reply-challenge": Packet(id: 1, message: .registerReply(.challenge, token: 0, cookie: cookie)),
        "register-signed": Packet(id: 1, message: .register(nick: "x", token: 0, proof: .signed(cookie: cookie, nick: "x", key: rfc8032))),
        "register-reply": Packet(id: 1, message: .registerReply(.registered, token: token)),
        "deregister": Packet(id: 2, message: .deregister(nick: "x", token: token)),
        "deregister-reply": Packet(id: 2, message: .deregisterReply(.deregistered)),
        "chat": Packet(id: 0x2A, message: .chat(from: "x", text: "hello")),
        "chat-ack": Packet(id: 0x2A, message: .chatAck),
        "chat-acks": Packet(id: 0x40, message: .chatAcks(ids: [0x2A, 0x2B])),
        "save": Packet(id: 0x2B, message: .save(SaveRequest(token: token, recipient: "y", reason: .recipientOffline, text: "offline?"))),
        "save-reply": Packet(id: 0x2B, message: .saveReply(.saved, peer: nil)),
        "register-candidates": Packet(
            id: 1, message: .register(nick: "x", token: 0, proof: IdentityProof(publicKey: rfc8032.publicKey), candidates: [Address(host: "192.168.1.5", port: 6061)],
                restarted: true)),
        "punch-request": Packet(id: 0x50, message: .punchRequest(token: token, peer: "y", nonce: 0x1122_3344_5566_7788, padding: 3)),
        "punch-order": Packet(
            id: 0x50, message: .punchOrder(token: token, peer: "x", nonce: 0x1122_3344_5566_7788, candidates: [Address(host: "203.0.113.5", port: 40_001), Address(host: "192.168.1.5", port: 6061)])),
        "punch": Packet(id: 0x51, message: .punch(from: "y", nonce: 0x1122_3344_5566_7788)),
        "relayed-chat": Packet(id: 0x2A, message: .relayedChat(token: token, from: "x", text: "hello")),
        "relayed-chat-ack": Packet(id: 0x2A, message: .relayedChatAck(token: token)),
        "save-reply-relayed": Packet(id: 0x2A, message: .saveReply(.relayed, peer: nil)),
        "table-row-candidates": Packet(
            id: 0x33,
            message: .lookupReply(.found, entry: {
                var row = TableEntry(nick: "z", address: Address(host: "203.0.113.7", port: 40_000), online: true, version: 5)
                row.candidates = [Address(host: "10.0.0.7", port: 6063)]
                return row
            }())),
        "save-reply-online": Packet(id: 0x2B, message: .saveReply(.recipientOnline, peer: Address(host: "127.0.0.1", port: 6062))),
        "offline-batch": Packet(
            id: 0x11,
            message: .offlineBatch(
                token: token,
                messages: [
                    OfflineMessage(key: MessageKey(sender: "y", id: 0x2B), savedAtMicroseconds: 1_497_408_017_501_063, text: "offline?")
                ])),
        "offline-ack": Packet(id: 0x11, message: .offlineAck(token: token)),
        "keepalive": Packet(id: 0x30, message: .keepalive(token: token, tableVersion: 4)),
        "keepalive-reply": Packet(id: 0x30, message: .keepaliveReply(.alive, tableVersion: 4)),
        "probe": Packet(id: 0x31, message: .probe(token: token)),
        "probe-reply": Packet(id: 0x31, message: .probeReply(token: token)),
        "forwarded-probe": Packet(id: 0x61, message: .probe(token: 0)),
        "forwarded-in-use": Packet(id: 0x61, message: .registerReply(.nickInUse, token: 0)),
        "table-delta": Packet(
            id: 0x12,
            message: .tableDelta(
                TableDelta(
                    token: token, from: 3, to: 5, latest: 5, mode: .whole,
                    entries: [
                        TableEntry(nick: "y", address: Address(host: "::1", port: 6062), online: false, version: 4),
                        TableEntry(nick: "z", address: Address(host: "10.0.0.7", port: 6063), online: true, version: 5),
                    ]))),
        "table-ack": Packet(id: 0x32, message: .tableAck(token: token, version: 5)),
        "lookup": Packet(id: 0x33, message: .lookup(token: token, nick: "z")),
        "lookup-reply": Packet(
            id: 0x33,
            message: .lookupReply(.found, entry: TableEntry(nick: "z", address: Address(host: "10.0.0.7", port: 6063), online: true, version: 5))),
        "lookup-reply-none": Packet(id: 0x34, message: .lookupReply(.noSuchClient, entry: nil)),
        "who": Packet(id: 0x35, message: .who(token: token, prefix: "a", after: "")),
        "who-reply": Packet(
            id: 0x35,
            message: .whoReply(
                entries: [TableEntry(nick: "al", address: Address(host: "127.0.0.1", port: 6061), online: true, version: 2)],
                more: false)),
    ]

    /// Every vector: the messages above, then the peer session's (computed with fixed keys).
    static var allVectors: [(key: String, value: Packet)] {
        vectors.map { ($0.key, $0.value) } + SessionVectors.packets.map { (key: $0.0, value: $0.1) }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02X", $0) }.joined(separator: " ")
    }

    /// docs/PROTOCOL.md, as text.
    static func documentText() throws -> String {
        let path = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/PROTOCOL.md")
        return try String(contentsOf: path, encoding: .utf8)
    }

    /// The vectors in the document: the hex block after each `<!-- vector: name -->` marker.
    static func documentedVectors() throws -> [String: [UInt8]] {
        let lines = try documentText().components(separatedBy: "\n")
        var vectors: [String: [UInt8]] = [:]
        var index = 0
        while index < lines.count {
            let line = lines[index].trimmingCharacters(in: .whitespaces)
            index += 1
            guard line.hasPrefix("<!-- vector: "), line.hasSuffix(" -->") else { continue }
            let name = String(line.dropFirst("<!-- vector: ".count).dropLast(" -->".count))
            while index < lines.count, !lines[index].hasPrefix("```") { index += 1 }
            index += 1
            var bytes: [UInt8] = []
            while index < lines.count, !lines[index].hasPrefix("```") {
                bytes += lines[index].split(separator: " ").compactMap { UInt8($0, radix: 16) }
                index += 1
            }
            vectors[name] = bytes
        }
        return vectors
    }

    @Test("every vector in docs/PROTOCOL.md encodes and decodes as documented")
    func documentMatchesCodec() throws {
        let documented = try Self.documentedVectors()
        #expect(SessionVectors.packets.count == 9, "the peer session's, the letter's and the server list's vectors are computed")
        for (name, packet) in Self.allVectors {
            let encoded = try packet.encoded()
            guard let bytes = documented[name] else {
                Issue.record("docs/PROTOCOL.md lacks vector \(name):\n<!-- vector: \(name) -->\n```\n\(Self.hex(encoded))\n```")
                continue
            }
            #expect(Self.hex(bytes) == Self.hex(encoded), "vector \(name)")
            #expect(try Packet(decoding: bytes) == packet, "vector \(name)")
        }
        #expect(Set(documented.keys) == Set(Self.allVectors.map(\.key)), "the document has no vector the test does not check")
    }

    @Test("the document's version and every size it states match the codec")
    func documentedVersionAndSizes() throws {
        let text = try Self.documentText()
        let version = String(format: "%02X", WireLimits.version)
        #expect(text.hasPrefix("# The ChatKit wire protocol, version \(WireLimits.version)\n"))
        let headerRow = text.components(separatedBy: "\n").first { $0.contains("| version | `u8` |") } ?? ""
        #expect(headerRow.contains("| `\(version)`;"), "the header table gives version \(version): \(headerRow)")
        // Sizes are stated as "`vector-name`, N bytes"; each must be that vector's length.
        let sizes = Dictionary(uniqueKeysWithValues: try Self.allVectors.map { ($0.key, try $0.value.encoded().count) })
        var stated = 0
        for (name, size) in sizes {
            for part in text.components(separatedBy: "`\(name)`, ").dropFirst() {
                guard let number = Int(part.prefix { $0.isNumber }), part.drop(while: { $0.isNumber }).hasPrefix(" bytes") else { continue }
                #expect(number == size, "docs/PROTOCOL.md says `\(name)` is \(number) bytes; the codec makes \(size)")
                stated += 1
            }
        }
        #expect(stated >= 5, "the document states the sizes of its vectors")
    }
}
