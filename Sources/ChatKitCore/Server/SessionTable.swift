/// The server's sessions: each nickname's `ClientRecord`, and which nickname each token belongs to.
///
/// A request counts as the holder's only when its token, its source address and "online" all agree, so
/// neither a stolen address nor an old token speaks for anyone.
struct SessionTable {
    private(set) var records: [String: ClientRecord] = [:]
    private var nickByToken: [UInt64: String] = [:]

    subscript(nick: String) -> ClientRecord? { records[nick] }

    /// How many nicknames the server knows, and how many of them are online.
    var counts: (known: Int, online: Int) { (records.count, records.values.filter(\.online).count) }

    var anyOnline: Bool { records.values.contains(where: \.online) }

    /// The nickname whose online session `token` is, when the request came from that session's address.
    func holder(of token: UInt64, at source: Address) -> String? {
        guard token != 0, let nick = nickByToken[token], let record = records[nick], record.address == source,
            record.online
        else { return nil }
        return nick
    }

    /// The nickname that `token` belongs to, online or not.
    func nick(of token: UInt64) -> String? { token == 0 ? nil : nickByToken[token] }

    /// Opens a new session for `nick` at `address`, with a fresh token; the old session's token stops
    /// counting. The round trip measured to the same address carries over (it is the same path), and so does
    /// the address token (its retries may still present it). Returns the new record.
    mutating func open(
        _ nick: String, at address: Address, candidates: [Address] = [], registrationID: UInt64, now: Instant,
        random: inout RandomSource
    ) -> ClientRecord {
        let outcome: RegisterOutcome = records[nick] == nil ? .registered : .reRegistered
        if let oldToken = records[nick]?.token { nickByToken[oldToken] = nil }
        var token = random.nextNonZero()
        while nickByToken[token] != nil { token = random.nextNonZero() }
        var record = ClientRecord(
            nick: nick, address: address, candidates: candidates, online: true, token: token, registrationID: registrationID,
            registrationOutcome: outcome, lastSeen: now)
        if let old = records[nick], old.address == address {
            record.roundTrip = old.roundTrip
            record.addressToken = old.addressToken
        }
        records[nick] = record
        nickByToken[token] = nick
        return record
    }

    /// Where a nick known only from an earlier run (its pinned key) is: nowhere yet.
    static let noAddress = Address(host: "", port: 0)

    /// Knows `nick` again, offline and with no address, as an earlier run left it (its key was pinned).
    mutating func restoreOffline(_ nick: String, now: Instant) {
        records[nick] = ClientRecord(
            nick: nick, address: Self.noAddress, online: false, token: 0, registrationID: 0, registrationOutcome: .reRegistered,
            lastSeen: now)
    }

    /// A new address token for `nick`'s session, from `tokens`: the bytes its welcome carries.
    mutating func issueAddressToken(_ nick: String, from tokens: AddressTokens, now: Instant, random: inout RandomSource) -> [UInt8] {
        guard var record = records[nick] else { return [] }
        let bytes = tokens.issue(into: &record, now: now, random: &random)
        records[nick] = record
        return bytes
    }

    /// One measured round trip to `nick`'s session.
    mutating func sampleRoundTrip(_ nick: String, _ sample: Duration) {
        records[nick]?.roundTrip.add(sample)
    }

    /// `nick` was heard from now.
    mutating func seen(_ nick: String, at now: Instant) {
        records[nick]?.lastSeen = now
    }

    /// `nick` is offline; `deregistered` when the client itself said so.
    mutating func close(_ nick: String, deregistered: Bool) {
        records[nick]?.online = false
        if deregistered { records[nick]?.deregistered = true }
    }

    /// Forgets `nick` and its token (the nickname expired).
    mutating func remove(_ nick: String) {
        guard let record = records.removeValue(forKey: nick) else { return }
        nickByToken[record.token] = nil
    }

    /// The online nicknames not heard from for `timeout`, sorted.
    func silent(now: Instant, timeout: Duration) -> [String] {
        records.values.filter { $0.online && $0.lastSeen + timeout <= now }.map(\.nick).sorted()
    }
}
