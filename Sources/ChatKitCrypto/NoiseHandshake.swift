/// One side of a `Noise_XX_25519_<cipher>_SHA256` handshake (the Noise Protocol Framework, rev. 34):
///
///     -> e
///     <- e, ee, s, es
///     -> s, se
///
/// Both static keys travel encrypted, and each side learns the other's; `split()` then gives the two
/// transport keys. A value: a message that fails leaves the state as it was, so a forgery costs nothing.
/// Peers run it with AES-256-GCM (`Noise_XX_25519_AESGCM_SHA256`); the ChaCha20-Poly1305 form is checked
/// against the cacophony vector.
public struct NoiseHandshake: Sendable {
    /// Which side this is.
    public enum Role: Sendable { case initiator, responder }

    /// The protocol name, the start of every handshake's hash (Noise §5.2: `h` is the name padded with
    /// zeros to 32 bytes, or its SHA-256 if longer).
    public var protocolName: String { Self.protocolName(cipher) }
    /// How many messages the pattern has.
    public static let messageCount = 3

    /// This side's role.
    public let role: Role
    /// The AEAD of the handshake and of the session it sets up.
    public let cipher: AEADAlgorithm
    private let staticKey: X25519Key
    private let ephemeral: X25519Key
    private var chainingKey: [UInt8]
    private var hash: [UInt8]
    private var key: [UInt8]?
    private var nonce: UInt64 = 0
    private var remoteEphemeral: [UInt8] = []
    /// The peer's static public key, once its message carrying it was read.
    public private(set) var remoteStaticKey: [UInt8]?
    /// How many of the pattern's messages were written or read.
    public private(set) var step = 0

    /// Starts a handshake: `prologue` binds context both sides must agree on; `ephemeral` is fresh per
    /// handshake (drawn by the caller, so simulations stay deterministic).
    public init(role: Role, prologue: [UInt8], staticKey: X25519Key, ephemeral: X25519Key, cipher: AEADAlgorithm) throws(NoiseError) {
        self.role = role
        self.cipher = cipher
        self.staticKey = staticKey
        self.ephemeral = ephemeral
        let initial = try Self.initialHash(Array(Self.protocolName(cipher).utf8))
        self.hash = initial
        self.chainingKey = initial
        try mixHash(prologue)
    }

    /// Whether all three messages are done.
    public var isComplete: Bool { step == Self.messageCount }

    /// Whether the next message is this side's to write.
    public var isMyTurn: Bool { !isComplete && (step % 2 == 0) == (role == .initiator) }

    /// The handshake hash: both sides hold the same value once complete (a channel binding).
    public var handshakeHash: [UInt8] { hash }

    /// The next message of the pattern, carrying `payload` (encrypted from the second message on).
    public mutating func writeMessage(payload: [UInt8] = []) throws(NoiseError) -> [UInt8] {
        guard isMyTurn else { throw .outOfTurn }
        var next = self
        var message: [UInt8] = []
        switch step {
        case 0:
            message += ephemeral.publicKey
            try next.mixHash(ephemeral.publicKey)
        case 1:
            message += ephemeral.publicKey
            try next.mixHash(ephemeral.publicKey)
            try next.mixKey(next.dh(ephemeral, remoteEphemeral))
            message += try next.encryptAndHash(staticKey.publicKey)
            try next.mixKey(next.dh(staticKey, remoteEphemeral))
        default:
            message += try next.encryptAndHash(staticKey.publicKey)
            try next.mixKey(next.dh(staticKey, remoteEphemeral))
        }
        message += try next.encryptAndHash(payload)
        next.step += 1
        self = next
        return message
    }

    /// Reads the peer's next message and returns its payload; on any failure nothing changes.
    public mutating func readMessage(_ message: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard !isComplete, !isMyTurn else { throw .outOfTurn }
        var next = self
        var rest = message[...]
        switch step {
        case 0:
            next.remoteEphemeral = try Self.take(32, from: &rest)
            try next.mixHash(next.remoteEphemeral)
        case 1:
            next.remoteEphemeral = try Self.take(32, from: &rest)
            try next.mixHash(next.remoteEphemeral)
            try next.mixKey(next.dh(ephemeral, next.remoteEphemeral))
            let remoteStatic = try next.decryptAndHash(Self.take(32 + AEADAlgorithm.tagLength, from: &rest))
            next.remoteStaticKey = remoteStatic
            try next.mixKey(next.dh(ephemeral, remoteStatic))
        default:
            let remoteStatic = try next.decryptAndHash(Self.take(32 + AEADAlgorithm.tagLength, from: &rest))
            next.remoteStaticKey = remoteStatic
            try next.mixKey(next.dh(ephemeral, remoteStatic))
        }
        let payload = try next.decryptAndHash(Array(rest))
        next.step += 1
        self = next
        return payload
    }

    /// The transport keys once complete: the initiator sends with the first and the responder with the
    /// second.
    public func split() throws(NoiseError) -> (initiatorToResponder: [UInt8], responderToInitiator: [UInt8]) {
        guard isComplete else { throw .outOfTurn }
        let keys = try Self.hkdf(chainingKey, [], outputs: 2)
        return (keys[0], keys[1])
    }

    // MARK: - The symmetric state (Noise §5.2)

    private static func protocolName(_ cipher: AEADAlgorithm) -> String { "Noise_XX_25519_\(cipher.noiseName)_SHA256" }

    /// `h` and `ck` at the start: the name padded with zeros to 32 bytes, or its SHA-256 if longer.
    private static func initialHash(_ name: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard name.count > 32 else { return name + [UInt8](repeating: 0, count: 32 - name.count) }
        do { return try Digest.sha256(name) } catch { throw .crypto(error) }
    }

    private mutating func mixHash(_ data: [UInt8]) throws(NoiseError) {
        do { hash = try Digest.sha256(hash + data) } catch { throw .crypto(error) }
    }

    private mutating func mixKey(_ inputKeyMaterial: [UInt8]) throws(NoiseError) {
        let outputs = try Self.hkdf(chainingKey, inputKeyMaterial, outputs: 2)
        chainingKey = outputs[0]
        key = outputs[1]
        nonce = 0
    }

    private mutating func encryptAndHash(_ plaintext: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard let key else {
            try mixHash(plaintext)
            return plaintext
        }
        let ciphertext: [UInt8]
        do { ciphertext = try cipher.seal(plaintext, key: key, counter: nonce, associatedData: hash) } catch {
            throw .crypto(error)
        }
        nonce += 1
        try mixHash(ciphertext)
        return ciphertext
    }

    private mutating func decryptAndHash(_ ciphertext: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard let key else {
            try mixHash(ciphertext)
            return ciphertext
        }
        guard let plaintext = cipher.open(ciphertext, key: key, counter: nonce, associatedData: hash) else {
            throw .decryptionFailed
        }
        nonce += 1
        try mixHash(ciphertext)
        return plaintext
    }

    private func dh(_ own: X25519Key, _ peer: [UInt8]) throws(NoiseError) -> [UInt8] {
        do { return try own.sharedSecret(with: peer) } catch { throw .crypto(error) }
    }

    private static func hkdf(_ chainingKey: [UInt8], _ input: [UInt8], outputs: Int) throws(NoiseError) -> [[UInt8]] {
        do { return try HKDF.sha256(salt: chainingKey, inputKeyMaterial: input, outputs: outputs) } catch { throw .crypto(error) }
    }

    private static func take(_ count: Int, from rest: inout ArraySlice<UInt8>) throws(NoiseError) -> [UInt8] {
        guard rest.count >= count else { throw .truncated }
        defer { rest = rest.dropFirst(count) }
        return Array(rest.prefix(count))
    }
}
