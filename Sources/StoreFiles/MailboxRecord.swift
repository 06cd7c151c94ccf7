import ChatKitCore

/// The on-disk form of one stored message: a record in its recipient's mailbox file.
///
/// `length (u32) | crc32 of payload (u32) | payload`, where the payload is sender, message id,
/// save time, text and (when known) the sender's source network, in the wire codec's style; records
/// written before the network was kept end after the text. A record cut short by a crash, or damaged, fails its
/// length or checksum and ends the readable part of the file.
enum MailboxRecord {
    static let headerBytes = 8

    static func encode(_ message: StoredMessage) -> [UInt8] {
        var payload = ByteWriter(capacity: 64 + message.text.utf8.count)
        payload.string(message.key.sender)
        payload.u64(message.key.id)
        payload.i64(message.savedAtMicroseconds)
        payload.string(message.text)
        if let network = message.senderNetwork { payload.string(network) }
        var record = ByteWriter(capacity: headerBytes + payload.bytes.count)
        record.u32(UInt32(payload.bytes.count))
        record.u32(CRC32.checksum(payload.bytes))
        return record.bytes + payload.bytes
    }

    /// The intact records at the start of `bytes`, and how many bytes they span.
    static func decodeAll(_ bytes: [UInt8], recipient: String) -> (messages: [StoredMessage], validLength: Int) {
        var reader = ByteReader(bytes)
        var messages: [StoredMessage] = []
        var validLength = 0
        while reader.remaining > 0 {
            guard let message = try? decodeOne(&reader, recipient: recipient) else { break }
            messages.append(message)
            validLength = reader.offset
        }
        return (messages, validLength)
    }

    private static func decodeOne(_ reader: inout ByteReader, recipient: String) throws(WireError) -> StoredMessage {
        let length = Int(try reader.u32("record length"))
        let checksum = try reader.u32("record checksum")
        let payload = Array(try reader.bytes(length, "record"))
        guard CRC32.checksum(payload) == checksum else {
            throw .invalidValue(field: "record checksum", value: UInt64(checksum))
        }
        var fields = ByteReader(payload)
        let sender = try fields.string("sender")
        let id = try fields.u64("message id")
        let savedAt = try fields.i64("saved at")
        let text = try fields.string("text")
        let network = fields.remaining > 0 ? try fields.string("sender network") : nil
        try fields.expectEnd()
        return StoredMessage(
            recipient: recipient, key: MessageKey(sender: sender, id: id), savedAtMicroseconds: savedAt, text: text,
            senderNetwork: network)
    }
}
