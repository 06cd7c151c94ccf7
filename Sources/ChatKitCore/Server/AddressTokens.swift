/// Address-validation tokens, as QUIC's NEW_TOKEN: each welcome carries a fresh random token, and the
/// client's next registration from the same address may present it (signed, as a cookie) in place of a
/// cookie, saving the challenge round trip. A token serves once: the registration it allows is given a
/// new one. The retry of that registration may still present the one before. The key is checked after, as
/// for a cookie: the token proves the address only.
struct AddressTokens {
    /// 16 random bytes held as two words, so a server with a million nicks keeps no array per token.
    struct Token: Equatable {
        var high: UInt64
        var low: UInt64

        init?(_ bytes: [UInt8]) {
            guard bytes.count == AddressTokens.size else { return nil }
            high = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
            low = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
        }

        var bytes: [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) } }

        /// Equality in constant time: no early exit tells a guesser how much it got right.
        func matches(_ other: Token) -> Bool { (high ^ other.high) | (low ^ other.low) == 0 }
    }

    struct Issued {
        var token: Token
        var address: Address
        var issuedAt: Instant
        /// The token before, good only for retries of the registration it allowed.
        var previous: Token?
    }

    /// How long a token is good for.
    let lifetime: Duration
    private(set) var issued: [String: Issued] = [:]

    /// The size of a token on the wire.
    static let size = 16

    /// A new token for `nick` at `address`; the one it replaces serves only retries.
    mutating func issue(for nick: String, at address: Address, now: Instant, random: inout RandomSource) -> [UInt8] {
        let bytes = random.bytes(Self.size)
        guard let token = Token(bytes) else { return [] }
        issued[nick] = Issued(token: token, address: address, issuedAt: now, previous: issued[nick]?.token)
        return bytes
    }

    /// The token `nick` holds now (empty if none): a retried welcome carries it again.
    func current(for nick: String) -> [UInt8] { issued[nick]?.token.bytes ?? [] }

    /// Whether `presented` proves `source`'s address for `nick`: the current token, or for a retry of the
    /// registration it allowed, the one before.
    func accepts(_ presented: [UInt8], nick: String, from source: Address, isRetry: Bool, now: Instant) -> Bool {
        guard let token = Token(presented), let entry = issued[nick], entry.address == source, now - entry.issuedAt <= lifetime
        else { return false }
        if entry.token.matches(token) { return true }
        return isRetry && entry.previous?.matches(token) == true
    }

    /// Forgets `nick`'s token (the nickname expired).
    mutating func forget(_ nick: String) {
        issued[nick] = nil
    }
}
