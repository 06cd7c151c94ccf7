/// Whom each client has written to (asked a punch toward, saved or relayed a message for), as the server
/// sees it. A recipient's mail from a sender it wrote to first is never counted against the sender's
/// source network, so a flood from that network cannot crowd it out. Kept in memory, at most
/// `perClient` nicks each (the oldest are forgotten first); a restart forgets them.
struct Contacts {
    let perClient: Int
    private var written: [String: [String: UInt64]] = [:]
    private var clock: UInt64 = 0

    init(perClient: Int = 1_000) {
        self.perClient = perClient
    }

    /// `writer` wrote to `peer`.
    mutating func wrote(_ writer: String, to peer: String) {
        guard writer != peer else { return }
        clock += 1
        // Changed in place (a copy taken out of the dictionary would be copied whole on every write).
        written[writer, default: [:]][peer] = clock
        guard let peers = written[writer], peers.count > perClient, let oldest = peers.min(by: { $0.value < $1.value })?.key else { return }
        written[writer]?[oldest] = nil
    }

    /// Whether `recipient` has written to `sender`.
    func knows(_ recipient: String, sender: String) -> Bool {
        written[recipient]?[sender] != nil
    }

    /// Forgets `nick` as a writer (it expired).
    mutating func forget(_ nick: String) {
        written[nick] = nil
    }
}
