import ChatKitCrypto
import Foundation

/// A message the server relays or keeps, sealed end to end: to the recipient's signed prekey with a
/// fresh ephemeral X25519 key (the sender needs no session), and signed inside by the sender's identity
/// key, so the server can neither read it nor write one in anyone's name. It travels as base64 in the
/// text field of `save`, `relayed-chat` and `offline-batch`:
///
///     version 01 | prekey id u32 | ephemeral public key (32) | ChaCha20-Poly1305(signature (64) | text)
enum Letter {
    static let version: UInt8 = 1
    /// What sealing adds to the text, before base64.
    static let overheadBytes = 1 + 4 + 32 + 64 + ChaChaPoly.tagLength

    /// The message a letter belongs to: it authenticates these, so it cannot be moved to another.
    struct Envelope {
        var sender: String
        var recipient: String
        var id: UInt64

        var bytes: [UInt8] {
            Array("chatkit v10 letter".utf8) + [0] + Array(sender.utf8) + [0] + Array(recipient.utf8) + [0]
                + (0..<8).map { UInt8(truncatingIfNeeded: id >> (56 - 8 * UInt64($0))) }
        }
    }

    /// An opened letter: the text, and the signature with what it signs, for the caller to check
    /// against the sender's key.
    struct Opened: Equatable {
        var text: String
        var signature: [UInt8]
        var signedBytes: [UInt8]
    }

    /// `text` sealed for `envelope.recipient`'s `prekey` and signed by `identity`, as base64.
    static func seal(
        _ text: String, envelope: Envelope, to prekey: PublishedPrekey, identity: IdentityKey, ephemeral: [UInt8]
    ) throws(CryptoError) -> String {
        let ephemeralKey = try X25519Key(privateKey: ephemeral)
        let key = try derive(ephemeralKey.sharedSecret(with: prekey.publicKey), ephemeral: ephemeralKey.publicKey, prekey: prekey.publicKey)
        let header = [version] + idBytes(prekey.id) + ephemeralKey.publicKey
        let associatedData = envelope.bytes + header
        let body = Array(text.utf8)
        let signature = try identity.sign(associatedData + body)
        let sealed = try ChaChaPoly.seal(signature + body, key: key, counter: 0, associatedData: associatedData)
        return Data(header + sealed).base64EncodedString()
    }

    /// The letter opened with the prekey it names, if it is one of `prekeys`; nil for anything else
    /// (malformed, an unknown or erased prekey, a tampered or moved letter).
    static func open(_ letter: String, envelope: Envelope, prekeys: [Prekey]) -> Opened? {
        guard let data = Data(base64Encoded: letter) else { return nil }
        let bytes = [UInt8](data)
        guard bytes.count >= overheadBytes, bytes[0] == version else { return nil }
        let id = bytes[1..<5].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let ephemeral = Array(bytes[5..<37])
        guard let prekey = prekeys.first(where: { $0.id == id }), let pair = try? prekey.keyPair(),
            let shared = try? pair.sharedSecret(with: ephemeral),
            let key = try? derive(shared, ephemeral: ephemeral, prekey: pair.publicKey)
        else { return nil }
        let associatedData = envelope.bytes + Array(bytes[0..<37])
        guard let plaintext = ChaChaPoly.open(Array(bytes[37...]), key: key, counter: 0, associatedData: associatedData),
            plaintext.count > 64, let text = String(validating: plaintext[64...], as: UTF8.self)
        else { return nil }
        return Opened(text: text, signature: Array(plaintext[0..<64]), signedBytes: associatedData + Array(plaintext[64...]))
    }

    /// The AEAD key: HKDF-SHA-256 over the shared secret and both public keys.
    private static func derive(_ shared: [UInt8], ephemeral: [UInt8], prekey: [UInt8]) throws(CryptoError) -> [UInt8] {
        try HKDF.sha256(salt: Array("chatkit v10 letter".utf8), inputKeyMaterial: shared + ephemeral + prekey, outputs: 1)[0]
    }

    private static func idBytes(_ id: UInt32) -> [UInt8] {
        [UInt8(id >> 24), UInt8(truncatingIfNeeded: id >> 16), UInt8(truncatingIfNeeded: id >> 8), UInt8(truncatingIfNeeded: id)]
    }
}
