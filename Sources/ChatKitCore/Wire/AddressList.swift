/// Lists of addresses on the wire (a client's candidates): a count `u8`, then each as host `str` and
/// port `u16`. At most `Address.maxCandidates` are sent; more are refused when read.
extension Address {
    /// The most addresses one list carries.
    public static let maxCandidates = 8

    static func encodeList(_ addresses: [Address], into writer: inout ByteWriter) {
        let sent = addresses.prefix(maxCandidates)
        writer.u8(UInt8(sent.count))
        for address in sent {
            writer.string(address.host)
            writer.u16(address.port)
        }
    }

    static func decodeList(from reader: inout ByteReader) throws(WireError) -> [Address] {
        let count = Int(try reader.u8("address count"))
        guard count <= maxCandidates else { throw .invalidValue(field: "address count", value: UInt64(count)) }
        var addresses: [Address] = []
        for _ in 0..<count {
            addresses.append(Address(host: try reader.string("address host"), port: try reader.u16("address port")))
        }
        return addresses
    }
}

extension TableEntry {
    /// The extension item type of host candidates.
    static let candidatesItem: UInt8 = 1
    /// The extension item type of the identity key the server knows the nick by (version 10).
    static let identityKeyItem: UInt8 = 2

    /// The client's own addresses (host candidates), from the row's extension block; empty when it has
    /// none or the block is malformed. Setting it replaces that item and keeps every other.
    public var candidates: [Address] {
        get {
            guard let value = item(Self.candidatesItem) else { return [] }
            var reader = ByteReader(value)
            return (try? Address.decodeList(from: &reader)) ?? []
        }
        set {
            var value = ByteWriter(capacity: 64)
            Address.encodeList(newValue, into: &value)
            setItem(Self.candidatesItem, newValue.isEmpty ? nil : value.bytes)
        }
    }

    /// The 32-byte Ed25519 key the server knows this nick by, from the row's extension block: a peer's
    /// session must prove this key (nil: the row has none, or a malformed one).
    public var identityKey: [UInt8]? {
        get { item(Self.identityKeyItem).flatMap { $0.count == 32 ? $0 : nil } }
        set { setItem(Self.identityKeyItem, newValue) }
    }

    func item(_ type: UInt8) -> [UInt8]? {
        Self.items(extensions).first { $0.type == type }?.value
    }

    /// Replaces (or with nil removes) the item of `type`, keeping every other in order.
    mutating func setItem(_ type: UInt8, _ value: [UInt8]?) {
        var writer = ByteWriter(capacity: 64)
        for item in Self.items(extensions) where item.type != type {
            writer.u8(item.type)
            writer.u16(UInt16(item.value.count))
            writer.raw(item.value[...])
        }
        if let value {
            writer.u8(type)
            writer.u16(UInt16(value.count))
            writer.raw(value[...])
        }
        extensions = writer.bytes
    }

    /// The well-formed items at the start of an extension block.
    private static func items(_ block: [UInt8]) -> [(type: UInt8, value: [UInt8])] {
        var reader = ByteReader(block)
        var items: [(type: UInt8, value: [UInt8])] = []
        while reader.remaining > 0, let type = try? reader.u8("item type"), let length = try? reader.u16("item length"),
            let value = try? reader.bytes(Int(length), "item value")
        {
            items.append((type, Array(value)))
        }
        return items
    }
}
