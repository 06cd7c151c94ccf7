/// What the server knows of one nickname's session; its row in the table is kept by `Directory`.
struct ClientRecord {
    var nick: String
    var address: Address
    /// The client's own addresses, as it registered them (local-network ones only).
    var candidates: [Address] = []
    var online: Bool
    /// The secret that proves a request comes from the current holder of the registration.
    var token: UInt64
    /// The id of the registration that made this session, to answer retries of it identically.
    var registrationID: UInt64
    var registrationOutcome: RegisterOutcome
    /// When the client was last heard from; silent clients are marked offline.
    var lastSeen: Instant
    /// The client deregistered this session: a late copy of its registration must not revive it.
    var deregistered = false
    /// This session's measured round trip (table pushes and relays answered at the first try), from
    /// which relays to it are timed.
    var roundTrip = RoundTripEstimator()
    /// The address token the last welcome carried, and the one before (`AddressTokens`).
    var addressToken: AddressTokens.Issued?

    /// The retransmission timeout toward this session (RFC 6298, from its measured round trips), within
    /// `floor`…`cap`; `cap` until a round trip is measured.
    func retransmissionTimeout(floor: Duration, cap: Duration) -> Duration {
        roundTrip.timeout(floor: floor, cap: cap, fallback: cap)
    }
}
