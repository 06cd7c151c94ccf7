import ChatKitCore
import Testing

@Suite("Wire codec")
struct CodecTests {
    @Test("every message kind has a sample")
    func everyKindIsCovered() {
        let kinds = Set(SamplePackets.all.map(\.message.kind))
        #expect(kinds == Set(MessageKind.allCases))
    }

    @Test("encode then decode gives the same packet", arguments: SamplePackets.all)
    func roundTrip(_ packet: Packet) throws {
        let bytes = try packet.encoded()
        #expect(bytes.count <= WireLimits.maxDatagramBytes)
        #expect(try Packet(decoding: bytes) == packet)
    }

    @Test("the longest chat and the fullest chat-acks still fit a datagram once sealed")
    func sealedFits() throws {
        let chat = try Packet(id: 1, message: .chat(from: SamplePackets.longestNick, text: SamplePackets.longestText)).encoded()
        let acks = try Packet(id: 1, message: .chatAcks(ids: Array(repeating: .max, count: WireLimits.maxAcksPerDatagram))).encoded()
        for inner in [chat, acks] {
            let sealed = Packet(id: .max, message: .sealed(receiver: .max, ciphertext: inner + [UInt8](repeating: 0, count: 16)))
            #expect(try sealed.encoded().count <= WireLimits.maxDatagramBytes)
        }
    }

    @Test("a row's extension block (room for more addresses and a key) is kept whole, whatever it holds")
    func rowExtensions() throws {
        var row = TableEntry(nick: "y", address: Address(host: "10.0.0.2", port: 6062), online: true, version: 3)
        row.extensions = [0x01, 0x20] + Array(repeating: 0xAB, count: 32)
        let packet = Packet(id: 9, message: .lookupReply(.found, entry: row))
        let decoded = try Packet(decoding: packet.encoded())
        #expect(decoded == packet)
    }

    @Test("every cut-short datagram is an error, not a crash", arguments: SamplePackets.all)
    func truncation(_ packet: Packet) throws {
        let bytes = try packet.encoded()
        for length in 0..<bytes.count {
            #expect(throws: WireError.self) { try Packet(decoding: Array(bytes.prefix(length))) }
        }
    }

    /// (A `sealed` packet's ciphertext is the rest of the datagram, so an extra byte is ciphertext: it then
    /// fails authentication instead.)
    @Test("an extra byte after a message is an error", arguments: SamplePackets.all.filter { $0.message.kind != .sealed })
    func trailingBytes(_ packet: Packet) throws {
        #expect(throws: WireError.trailingBytes(count: 1)) { try Packet(decoding: try packet.encoded() + [0]) }
    }

    @Test("header problems are named")
    func headerErrors() throws {
        let good = try Packet(id: 1, message: .chatAck).encoded()
        #expect(throws: WireError.tooShort(length: 3)) { try Packet(decoding: [0x43, 0x4B, 1]) }
        #expect(throws: WireError.badMagic) { try Packet(decoding: [0x00] + good.dropFirst()) }
        var version = good
        version[2] = WireLimits.version + 1
        #expect(throws: WireError.unsupportedVersion(WireLimits.version + 1)) { try Packet(decoding: version) }
        var kind = good
        kind[3] = 0xEE
        #expect(throws: WireError.unknownKind(0xEE)) { try Packet(decoding: kind) }
        #expect(throws: WireError.tooLong(length: 1201)) {
            try Packet(decoding: good + [UInt8](repeating: 0, count: 1201 - good.count))
        }
    }

    @Test(
        "a string's bytes must be valid UTF-8, however they fail",
        arguments: [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0x61, 0x80]] as [[UInt8]])
    func invalidUTF8(_ bad: [UInt8]) {
        // A length, then the bytes: an overlong form, a surrogate, a cut sequence, past U+10FFFF, a lone
        // continuation byte.
        var reader = ByteReader([0, UInt8(bad.count)] + bad)
        #expect(throws: WireError.invalidUTF8(field: "text")) { try reader.string("text") }
    }

    @Test("valid UTF-8 reads back as it was, U+FFFD's own bytes included")
    func validUTF8() throws {
        for text in ["", "hello", "Zoë", "用户", "\u{FFFD}", "a\u{FFFD}b", "🙂"] {
            var reader = ByteReader([0, UInt8(text.utf8.count)] + Array(text.utf8))
            #expect(try reader.string("text") == text)
        }
    }

    @Test("bad field values are errors")
    func fieldErrors() throws {
        var outcome = try Packet(id: 1, message: .registerReply(.registered, token: 1)).encoded()
        outcome[12] = 99
        #expect(throws: WireError.invalidValue(field: "outcome", value: 99)) { try Packet(decoding: outcome) }
        var utf8 = try Packet(id: 1, message: .chat(from: "x", text: "ab")).encoded()
        utf8[utf8.count - 1] = 0xFF
        #expect(throws: WireError.invalidUTF8(field: "text")) { try Packet(decoding: utf8) }
        var latest = try Packet(id: 1, message: .tableDelta(TableDelta(token: 1, from: 1, to: 2, latest: 2, entries: []))).encoded()
        latest[43] = 1  // latest version 1, before "to" version 2
        #expect(throws: WireError.invalidValue(field: "latest version", value: 1)) { try Packet(decoding: latest) }
        var found = try Packet(id: 1, message: .lookupReply(.noSuchClient, entry: nil)).encoded()
        found += [0]  // "no such client" carries no row
        #expect(throws: WireError.self) { try Packet(decoding: found) }
    }

    @Test("every packet has exactly one encoding (a port without a host is refused)")
    func canonicalForm() throws {
        // Found by the fuzzer: this used to decode to "no peer" and re-encode with port 0.
        let bytes: [UInt8] = [0x43, 0x4B, WireLimits.version, 0x09, 0, 1, 0x78, 0, 0, 0, 2, 0, 0, 0, 0, 0, 4]
        #expect(throws: WireError.invalidValue(field: "peer port", value: 4)) { try Packet(decoding: bytes) }
    }

    @Test("a packet that would exceed the datagram limit is refused when encoding")
    func encodeLimit() {
        let text = String(repeating: "a", count: 1_300)
        #expect(throws: WireError.self) { try Packet(id: 1, message: .chat(from: "x", text: text)).encoded() }
    }

    @Test("200,000 random byte strings decode to a packet or an error")
    func randomInputs() {
        var random = RandomSource.seeded(2017)
        let prefix: [UInt8] = [0x43, 0x4B, WireLimits.version]
        var decoded = 0
        for round in 0..<200_000 {
            let length = Int(random.next() % 80)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if round % 2 == 0 {
                // Half the inputs get a valid header, so the body decoders see garbage too.
                bytes = prefix + [UInt8(1 + random.next() % UInt64(MessageKind.allCases.count))] + bytes
            }
            if (try? Packet(decoding: bytes)) != nil { decoded += 1 }
        }
        #expect(decoded < 200_000)
    }

    @Test("random mutations of valid packets decode to a packet or an error")
    func mutatedInputs() throws {
        var random = RandomSource.seeded(7)
        for packet in SamplePackets.all {
            let bytes = try packet.encoded()
            for _ in 0..<2_000 {
                var mutated = bytes
                for _ in 0...(random.next() % 4) {
                    mutated[Int(random.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: random.next())
                }
                _ = try? Packet(decoding: mutated)
            }
        }
    }
}

@Suite("Table chunking")
struct TableChunkerTests {
    static func rows(_ count: Int, from first: UInt64 = 1) -> [TableEntry] {
        (0..<count).map {
            TableEntry(
                nick: "client-\($0)", address: Address(host: "2001:db8::\($0)", port: UInt16(2000 + $0)), online: $0 % 3 != 0,
                version: first + UInt64($0))
        }
    }

    @Test("a large table splits into contiguous deltas under the datagram limit, the last one ending at latest")
    func splitsLargeTables() throws {
        let rows = Self.rows(1_000)
        let deltas = TableChunker.deltas(of: rows, from: 0, latest: 1_005, token: 5)
        #expect(deltas.count > 1)
        for delta in deltas {
            let bytes = try Packet(id: 1, message: .tableDelta(delta)).encoded()
            #expect(bytes.count <= WireLimits.maxDatagramBytes)
            #expect(delta.latest == 1_005)
        }
        #expect(deltas.flatMap(\.entries) == rows)
        #expect(deltas.first?.from == 0)
        #expect(deltas.last?.to == 1_005)
        for (earlier, later) in zip(deltas, deltas.dropFirst()) { #expect(earlier.to == later.from) }
    }

    @Test("no rows but a newer version is one empty delta; nothing newer is no delta")
    func emptyDeltas() {
        #expect(TableChunker.deltas(of: [], from: 3, latest: 7, token: 1) == [TableDelta(token: 1, from: 3, to: 7, latest: 7, entries: [])])
        #expect(TableChunker.deltas(of: [], from: 7, latest: 7, token: 1).isEmpty)
    }
}
