import ChatKitCrypto

/// The welcome: the one answer that grants a registration, carrying the server's key so clients pin it
/// (trust on first use) and recognise the server by key at any address.
extension ServerMachine {
    /// Welcomes `nick`'s registration `id` with `outcome` and `token`. A signed registration gets the
    /// server's signature over the welcome; an unsigned one (a new nick's first, which proves nothing)
    /// gets the key alone, so a storm of new nicks costs the server no signatures.
    mutating func welcome(
        _ id: UInt64, nick: String, _ outcome: RegisterOutcome, token: UInt64, addressToken: [UInt8], signed: Bool, to source: Address
    ) {
        reply(id, .registerReply(outcome, token: token, cookie: addressToken, server: serverProof(nick: nick, requestID: id, token: token, signed: signed)), to: source)
    }

    private mutating func serverProof(nick: String, requestID: UInt64, token: UInt64, signed: Bool) -> ServerProof? {
        guard let serverKey else { return nil }
        guard signed else { return ServerProof(publicKey: serverKey.publicKey, signature: []) }
        do {
            return try ServerProof.signed(by: serverKey, nick: nick, requestID: requestID, token: token)
        } catch {
            // Unsigned, the client with a pin refuses the welcome and retries: the failure is not silent.
            log(.serverKeyFailed("\(error)"))
            return ServerProof(publicKey: serverKey.publicKey, signature: [])
        }
    }
}
