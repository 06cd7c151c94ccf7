import ChatKitCrypto
import ChatKitTesting
import Testing

/// X25519, both AEADs, HKDF and the Noise XX handshake, against published vectors.
@Suite("Noise XX and its primitives (system libcrypto)")
struct NoiseTests {
    static func bytes(_ hex: String) -> [UInt8] { Hex.bytes(hex) }

    @Test("X25519: RFC 7748 §6.1, both sides reach the same secret")
    func x25519() throws {
        let alice = try X25519Key(privateKey: Self.bytes("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
        let bob = try X25519Key(privateKey: Self.bytes("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"))
        #expect(alice.publicKey == Self.bytes("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"))
        let shared = Self.bytes("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
        #expect(try alice.sharedSecret(with: bob.publicKey) == shared)
        #expect(try bob.sharedSecret(with: alice.publicKey) == shared)
        #expect(throws: CryptoError.self, "a small-order point") { try alice.sharedSecret(with: [UInt8](repeating: 0, count: 32)) }
    }

    @Test("HKDF-SHA-256: RFC 5869 test case 3 (no salt, no info)")
    func hkdf() throws {
        let blocks = try HKDF.sha256(salt: [], inputKeyMaterial: [UInt8](repeating: 0x0B, count: 22), outputs: 2)
        #expect(Array((blocks[0] + blocks[1]).prefix(42)) == Self.bytes(
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"))
    }

    @Test("both AEADs: a changed byte, counter or associated data does not open", arguments: [AEADAlgorithm.chaChaPoly, .aesGCM])
    func aead(_ algorithm: AEADAlgorithm) throws {
        let key = [UInt8](repeating: 7, count: 32)
        let sealed = try algorithm.seal(Array("body".utf8), key: key, counter: 5, associatedData: [1, 2])
        #expect(sealed.count == 4 + AEADAlgorithm.tagLength)
        #expect(algorithm.open(sealed, key: key, counter: 5, associatedData: [1, 2]) == Array("body".utf8))
        #expect(algorithm.open(sealed, key: key, counter: 6, associatedData: [1, 2]) == nil)
        #expect(algorithm.open(sealed, key: key, counter: 5, associatedData: [1]) == nil)
        var changed = sealed
        changed[0] ^= 1
        #expect(algorithm.open(changed, key: key, counter: 5, associatedData: [1, 2]) == nil)
        #expect(algorithm.open(Array(sealed.prefix(3)), key: key, counter: 5) == nil, "shorter than a tag")
        #expect(try algorithm.open(algorithm.seal([], key: key, counter: 0), key: key, counter: 0) == [])
        #expect(try ChaChaPoly.seal(Array("body".utf8), key: key, counter: 5) == AEADAlgorithm.chaChaPoly.seal(Array("body".utf8), key: key, counter: 5))
    }

    /// A Noise XX run with the cacophony vector's keys, prologue ("John Galt") and payloads: three handshake
    /// messages, three transport messages (the responder's first), and the handshake hash.
    struct XXVector: Sendable, CustomTestStringConvertible {
        let cipher: AEADAlgorithm
        let ciphertexts: [String]
        let handshakeHash: String
        var testDescription: String { cipher.noiseName }
    }

    static let payloads = [
        "4c756477696720766f6e204d69736573", "4d757272617920526f746862617264", "462e20412e20486179656b", "4361726c204d656e676572",
        "4a65616e2d426170746973746520536179", "457567656e2042f6686d20766f6e2042617765726b",
    ]

    /// Noise_XX_25519_ChaChaPoly_SHA256: cacophony's own vector. Noise_XX_25519_AESGCM_SHA256 (what peers
    /// run): the same run computed by an independent implementation (Python's `cryptography`), which
    /// reproduces the ChaChaPoly vector byte for byte.
    static let vectors = [
        XXVector(
            cipher: .chaChaPoly,
            ciphertexts: [
                "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573",
                "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f14480884381cbad1f276e038c48378ffce2b65285e08d6b68aaa3629a5a8639392490e5b9bd5269c2f1e4f488ed8831161f19b7815528f8982ffe09be9b5c412f8a0db50f8814c7194e83f23dbd8d162c9326ad",
                "c7195ffacac1307ff99046f219750fc47693e23c3cb08b89c2af808b444850a80ae475b9df0f169ae80a89be0865b57f58c9fea0d4ec82a286427402f113e4b6ae769a1d95941d49b25030",
                "96763ed773f8e47bb3712f0e29b3060ffc956ffc146cee53d5e1df",
                "3e40f15f6f3a46ae446b253bf8b1d9ffb6ed9b174d272328ff91a7e2e5c79c07f5",
                "eb3f3515110702e047a6c9da4478b6ead94873c11c0f2d710ddb3f09fce024b3a58502ae3f",
            ],
            handshakeHash: "c8e5f64e846193be2a834104c2a009868d6c9f3bd3c186299888b488b2f1f58e"),
        XXVector(
            cipher: .aesGCM,
            ciphertexts: [
                "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573",
                "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843757117acceb05bd7a45733bc22015c97a9d0cbaf41b80446d5988ff5127235d76b79eade70f473d6a4ef521fdcbeda5340d01e028ba793fc059f2724a83af05f12dda0448a7621a926b379a92477fd",
                "c90f1cf77eba4e50edb038991565e36c9758943a989229b6051244dc4fbecb6946744b401af2ee1a5881b65fbb87fd07cb6a328ececc9ce6ce84c399dc332d4fd521fa4bb7f467ce909395",
                "bc3fa77f6aca3e8466d7dc6bea10013e88a6a29add5132b461806c",
                "250b01074cdfe0df2ecf8ccbf1737b15a2ddb5b52fd9a396604e9c793cee3b3bb9",
                "449d4d433b3cdc3d02bf6fc881774b9df54366ebcffb9689bb13f14709822cd7ef42bcdb4d",
            ],
            handshakeHash: "1b7aefb1125762aa21a252890d00af54519638b76437444538f9a52f21e2e0dc"),
    ]

    @Test("Noise XX with the cacophony vector's keys, byte for byte", arguments: vectors)
    func xxVector(_ vector: XXVector) throws {
        let prologue = Self.bytes("4a6f686e2047616c74")
        var initiator = try NoiseHandshake(
            role: .initiator, prologue: prologue,
            staticKey: X25519Key(privateKey: Self.bytes("e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1")),
            ephemeral: X25519Key(privateKey: Self.bytes("893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a")),
            cipher: vector.cipher)
        var responder = try NoiseHandshake(
            role: .responder, prologue: prologue,
            staticKey: X25519Key(privateKey: Self.bytes("4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893")),
            ephemeral: X25519Key(privateKey: Self.bytes("bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b")),
            cipher: vector.cipher)
        let messages = Array(zip(Self.payloads, vector.ciphertexts))
        for (index, message) in messages.prefix(3).enumerated() {
            let written: [UInt8]
            let read: [UInt8]
            if index % 2 == 0 {
                written = try initiator.writeMessage(payload: Self.bytes(message.0))
                read = try responder.readMessage(written)
            } else {
                written = try responder.writeMessage(payload: Self.bytes(message.0))
                read = try initiator.readMessage(written)
            }
            #expect(written == Self.bytes(message.1), "handshake message \(index)")
            #expect(read == Self.bytes(message.0))
        }
        #expect(initiator.isComplete && responder.isComplete)
        #expect(initiator.handshakeHash == Self.bytes(vector.handshakeHash))
        #expect(responder.handshakeHash == initiator.handshakeHash)
        var initiatorCipher = try SessionCipher(initiator)
        var responderCipher = try SessionCipher(responder)
        for (index, message) in messages.enumerated().dropFirst(3) {
            let fromInitiator = index % 2 == 0
            let sealed = fromInitiator
                ? try initiatorCipher.seal(Self.bytes(message.0), associatedData: [])
                : try responderCipher.seal(Self.bytes(message.0), associatedData: [])
            #expect(sealed.sealed == Self.bytes(message.1), "transport message \(index)")
            let opened = fromInitiator
                ? responderCipher.open(sealed.sealed, counter: sealed.counter, associatedData: [])
                : initiatorCipher.open(sealed.sealed, counter: sealed.counter, associatedData: [])
            #expect(opened == Self.bytes(message.0))
        }
    }

    @Test("a tampered handshake message is refused and changes nothing; turns are kept")
    func tamperedHandshake() throws {
        func side(_ role: NoiseHandshake.Role, _ seed: UInt8) throws -> NoiseHandshake {
            try NoiseHandshake(
                role: role, prologue: [], staticKey: X25519Key(privateKey: [UInt8](repeating: seed, count: 32)),
                ephemeral: X25519Key(privateKey: [UInt8](repeating: seed &+ 1, count: 32)), cipher: .aesGCM)
        }
        var initiator = try side(.initiator, 1)
        var responder = try side(.responder, 9)
        #expect(throws: NoiseError.outOfTurn) { try responder.writeMessage() }
        _ = try responder.readMessage(initiator.writeMessage())
        let second = try responder.writeMessage(payload: [42])
        var changed = second
        changed[40] ^= 1
        #expect(throws: NoiseError.decryptionFailed) { try initiator.readMessage(changed) }
        #expect(throws: NoiseError.truncated) { try initiator.readMessage(Array(second.prefix(20))) }
        #expect(initiator.remoteStaticKey == nil && initiator.step == 1, "nothing committed")
        #expect(try initiator.readMessage(second) == [42])
        _ = try responder.readMessage(initiator.writeMessage())
        #expect(responder.remoteStaticKey == (try X25519Key(privateKey: [UInt8](repeating: 1, count: 32))).publicKey)
    }

    @Test("a session cipher refuses replays and what is older than its window, and takes reordering")
    func replayWindow() throws {
        var sender = try SessionCipher(sendKey: [UInt8](repeating: 1, count: 32), receiveKey: [UInt8](repeating: 2, count: 32), algorithm: .aesGCM)
        var receiver = try SessionCipher(sendKey: [UInt8](repeating: 2, count: 32), receiveKey: [UInt8](repeating: 1, count: 32), algorithm: .aesGCM)
        var sealed: [(counter: UInt64, sealed: [UInt8])] = []
        for index in 0..<2_000 { sealed.append(try sender.seal([UInt8(truncatingIfNeeded: index)], associatedData: [])) }
        #expect(receiver.open(sealed[5].sealed, counter: 5, associatedData: []) == [5])
        #expect(receiver.open(sealed[5].sealed, counter: 5, associatedData: []) == nil, "a replay")
        #expect(receiver.open(sealed[3].sealed, counter: 3, associatedData: []) == [3], "reordered, still new")
        #expect(receiver.open(sealed[1_500].sealed, counter: 1_500, associatedData: []) != nil)
        #expect(receiver.open(sealed[100].sealed, counter: 100, associatedData: []) == nil, "older than the window")
        #expect(receiver.open(sealed[1_000].sealed, counter: 1_000, associatedData: []) != nil, "inside the window")
        #expect(receiver.open(sealed[1_000].sealed, counter: 1_000, associatedData: []) == nil)
        #expect(receiver.open(sealed[1_001].sealed, counter: 1_002, associatedData: []) == nil, "a wrong counter")
        #expect(receiver.open(sealed[1_002].sealed, counter: 1_002, associatedData: []) != nil, "a forgery burns no counter")
    }
}
