/// A peer's identity key as this client pinned it at their first session (trust on first use), and
/// whether the user compared the safety number and marked it verified.
public struct PeerKeyPin: Equatable, Sendable {
    /// The peer's nick.
    public var nick: String
    /// The peer's 32-byte Ed25519 identity public key.
    public var publicKey: [UInt8]
    /// Whether the user ran `verify <nick> ok` for this key.
    public var verified: Bool

    /// Makes a pin.
    public init(nick: String, publicKey: [UInt8], verified: Bool = false) {
        self.nick = nick
        self.publicKey = publicKey
        self.verified = verified
    }
}

/// The keys this client pinned, by nick: each session's key is checked here, and a change is warned.
struct PeerKeyPins {
    /// What a session's key means for the pin.
    enum Verdict: Equatable {
        /// The first key seen for this nick: pinned now.
        case pinned(PeerKeyPin)
        /// The pinned key.
        case same
        /// Another key than the pinned one: pinned now in its place, and the user is warned.
        case changed(PeerKeyPin, wasVerified: Bool)
    }

    private(set) var keys: [String: PeerKeyPin]

    init(_ pins: [PeerKeyPin]) {
        keys = Dictionary(pins.map { ($0.nick, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// `nick` proved `publicKey` in a handshake.
    mutating func observe(_ nick: String, publicKey: [UInt8]) -> Verdict {
        guard let pin = keys[nick] else {
            let pin = PeerKeyPin(nick: nick, publicKey: publicKey)
            keys[nick] = pin
            return .pinned(pin)
        }
        if pin.publicKey == publicKey { return .same }
        let replacement = PeerKeyPin(nick: nick, publicKey: publicKey)
        keys[nick] = replacement
        return .changed(replacement, wasVerified: pin.verified)
    }

    /// Marks `nick`'s pinned key verified; nil when no key is pinned for it.
    mutating func markVerified(_ nick: String) -> PeerKeyPin? {
        guard keys[nick] != nil else { return nil }
        keys[nick]?.verified = true
        return keys[nick]
    }
}
