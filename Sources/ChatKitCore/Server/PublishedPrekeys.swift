/// The signed prekeys the server publishes in its rows: offered with a registration, and published
/// only once that registration is granted with the key that signed it (the nick's pinned key). The
/// server cannot make a prekey of its own that a client's pinned key would accept.
struct PublishedPrekeys {
    private var offered: [String: (key: [UInt8], prekey: PublishedPrekey)] = [:]
    private(set) var published: [String: PublishedPrekey] = [:]

    subscript(nick: String) -> PublishedPrekey? { published[nick] }

    /// A registration of `nick` with identity `key` offers `prekey`; kept only if `key` signed it. The
    /// prekey already published was checked against the pinned key, so a re-registration offering it
    /// again costs no signature check (the grant still compares `key` with the pin).
    mutating func offer(_ prekey: PublishedPrekey?, nick: String, key: [UInt8]) {
        guard let prekey, prekey == published[nick] || prekey.isValid(nick: nick, identityKey: key) else { return }
        offered[nick] = (key, prekey)
    }

    /// `nick` was granted with `pinnedKey`: its offered prekey, if that key signed it, is published now;
    /// returns it when it is new (to be kept durably).
    mutating func granted(_ nick: String, pinnedKey: [UInt8]?) -> PublishedPrekey? {
        guard let offer = offered.removeValue(forKey: nick), offer.key == pinnedKey, published[nick] != offer.prekey else { return nil }
        published[nick] = offer.prekey
        return offer.prekey
    }

    /// What an earlier run kept (at start), each checked against its nick's pinned key.
    mutating func restore(_ prekey: PublishedPrekey, nick: String, key: [UInt8]) {
        if prekey.isValid(nick: nick, identityKey: key) { published[nick] = prekey }
    }

    /// Forgets `nick`'s prekeys (it expired).
    mutating func forget(_ nick: String) {
        offered[nick] = nil
        published[nick] = nil
    }
}
