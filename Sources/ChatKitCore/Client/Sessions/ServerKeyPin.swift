/// The key of the client's server, pinned at the first welcome from its address (trust on first use,
/// as SSH pins host keys): every later welcome must carry it, signed over that welcome, or it is not
/// taken; a welcome with another key means someone else answers at the server's address.
struct ServerKeyPin {
    /// What a welcome's `ServerProof` says about who sent it.
    enum Verdict: Equatable {
        /// Signed by the pinned key.
        case trusted
        /// No key was pinned: this one is now (signed or not: a first contact proves nothing either way).
        case firstContact([UInt8])
        /// The pinned key, or none, but no valid signature: a forgery to drop.
        case unproven
        /// Another key than the pinned one.
        case otherKey
    }

    private(set) var pinned: [UInt8]?

    init(pinned: [UInt8]?) { self.pinned = pinned }

    /// Judges the welcome of `nick`'s registration `requestID` with `token`, pinning a first key.
    mutating func judge(_ proof: ServerProof?, nick: String, requestID: UInt64, token: UInt64) -> Verdict {
        guard let pinned else {
            guard let proof else { return .trusted }  // a server without a key: nothing to pin
            if !proof.signature.isEmpty, !proof.isValid(nick: nick, requestID: requestID, token: token) { return .unproven }
            self.pinned = proof.publicKey
            return .firstContact(proof.publicKey)
        }
        guard let proof else { return .unproven }
        guard proof.publicKey == pinned else { return .otherKey }
        return proof.isValid(nick: nick, requestID: requestID, token: token) ? .trusted : .unproven
    }
}
