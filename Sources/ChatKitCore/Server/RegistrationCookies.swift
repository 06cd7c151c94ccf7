import ChatKitCrypto

/// Stateless cookies for registrations, as QUIC's Retry and DTLS's HelloVerifyRequest: an HMAC of the
/// source address, request id, nick, public key and time window under a server secret. Bound to the
/// request id, a cookie is good for one registration: its retries are answered as that registration,
/// and a new one needs a new round trip. A client that echoes one
/// receives at that address, so the server sends an address nothing bigger than the small challenge
/// until it has; and a signature over it cannot be replayed from anywhere else.
struct RegistrationCookies {
    let secret: [UInt8]
    let window: Duration

    /// The cookie to challenge this request with (this window's), or nil when `echoed` is good: the
    /// cookie for this request in the window of `now` or the one before.
    func challenge(
        unless echoed: [UInt8], from source: Address, request id: UInt64, nick: String, publicKey: [UInt8], now: Instant
    ) -> [UInt8]? {
        let window = windowNumber(now)
        let current = cookie(for: source, request: id, nick: nick, publicKey: publicKey, window: window)
        guard !echoed.isEmpty else { return current }
        if Digest.constantTimeEqual(echoed, current)
            || Digest.constantTimeEqual(echoed, cookie(for: source, request: id, nick: nick, publicKey: publicKey, window: window &- 1))
        {
            return nil
        }
        return current
    }

    private func windowNumber(_ now: Instant) -> Int64 {
        now.nanoseconds / max(1, window.components.seconds * 1_000_000_000 + window.components.attoseconds / 1_000_000_000)
    }

    private func cookie(for source: Address, request id: UInt64, nick: String, publicKey: [UInt8], window: Int64) -> [UInt8] {
        var writer = ByteWriter()
        writer.string(source.host)
        writer.u16(source.port)
        writer.u64(id)
        writer.string(nick)
        writer.shortBytes(publicKey)
        writer.u64(UInt64(bitPattern: window))
        return Array(((try? Digest.hmacSHA256(key: secret, data: writer.bytes)) ?? []).prefix(16))
    }
}
