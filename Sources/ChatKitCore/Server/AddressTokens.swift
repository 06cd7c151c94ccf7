/// Address-validation tokens, as QUIC's NEW_TOKEN: each welcome carries a fresh random token, and the
/// client's next registration from the same address may present it (signed, as a cookie) in place of a
/// cookie, saving the challenge round trip. A token serves once: the registration it allows is given a
/// new one. The retry of that registration may still present the one before. The key is checked after, as
/// for a cookie: the token proves the address only. Tokens live in the nick's `ClientRecord` (no table of
/// their own), and go to the session's address.
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

        var bytes: [UInt8] { [high, low].flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> (56 - 8 * $0)) } } }

        /// Equality in constant time: no early exit tells a guesser how much it got right.
        func matches(_ other: Token) -> Bool { (high ^ other.high) | (low ^ other.low) == 0 }
    }

    /// What a session keeps of its tokens.
    struct Issued {
        var token: Token
        var issuedAt: Instant
        /// The token before, good only for retries of the registration it allowed.
        var previous: Token?
    }

    /// How long a token is good for.
    let lifetime: Duration

    /// The size of a token on the wire.
    static let size = 16

    /// A new token for `record`'s session; the one it replaces serves only retries.
    func issue(into record: inout ClientRecord, now: Instant, random: inout RandomSource) -> [UInt8] {
        let bytes = random.bytes(Self.size)
        guard let token = Token(bytes) else { return [] }
        record.addressToken = Issued(token: token, issuedAt: now, previous: record.addressToken?.token)
        return bytes
    }

    /// Whether `presented` proves `source`'s address for the nick of `record`: the current token, or for a
    /// retry of the registration it allowed, the one before.
    func accepts(_ presented: [UInt8], record: ClientRecord?, from source: Address, isRetry: Bool, now: Instant) -> Bool {
        guard let token = Token(presented), let record, let issued = record.addressToken, record.address == source,
            now - issued.issuedAt <= lifetime
        else { return false }
        if issued.token.matches(token) { return true }
        return isRetry && issued.previous?.matches(token) == true
    }
}
