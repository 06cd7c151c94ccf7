import ChatKitCrypto

/// Address-validation tokens, as QUIC's NEW_TOKEN: each welcome carries a fresh random token, and the
/// client's next registration from the same address, with the same key, may present it (signed) in place
/// of a cookie, saving the challenge round trip. A token serves once: the registration it allows is given
/// a new one. The retry of that registration may still present the one before.
struct AddressTokens {
    struct Issued {
        var token: [UInt8]
        var address: Address
        var publicKey: [UInt8]
        var issuedAt: Instant
        /// The token before, good only for retries of the registration it allowed.
        var previous: [UInt8]?
    }

    /// How long a token is good for.
    let lifetime: Duration
    private(set) var issued: [String: Issued] = [:]

    /// The size of a token on the wire.
    static let size = 16

    /// A new token for `nick` at `address` with `publicKey`; the one it replaces serves only retries.
    mutating func issue(for nick: String, at address: Address, publicKey: [UInt8], now: Instant, random: inout RandomSource) -> [UInt8] {
        let token = random.bytes(Self.size)
        issued[nick] = Issued(token: token, address: address, publicKey: publicKey, issuedAt: now, previous: issued[nick]?.token)
        return token
    }

    /// The token `nick` holds now (empty if none): a retried welcome carries it again.
    func current(for nick: String) -> [UInt8] { issued[nick]?.token ?? [] }

    /// Whether `presented` proves `source`'s address for `nick` and `publicKey`: the current token, or for a
    /// retry of the registration it allowed, the one before.
    func accepts(_ presented: [UInt8], nick: String, from source: Address, publicKey: [UInt8], isRetry: Bool, now: Instant) -> Bool {
        guard presented.count == Self.size, let entry = issued[nick], entry.address == source, now - entry.issuedAt <= lifetime,
            Digest.constantTimeEqual(entry.publicKey, publicKey)
        else { return false }
        if Digest.constantTimeEqual(entry.token, presented) { return true }
        return isRetry && entry.previous.map { Digest.constantTimeEqual($0, presented) } == true
    }

    /// Forgets `nick`'s token (the nickname expired).
    mutating func forget(_ nick: String) {
        issued[nick] = nil
    }
}
