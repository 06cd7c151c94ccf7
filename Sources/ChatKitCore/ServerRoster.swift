/// Where servers that share one store find each other: each announces itself now and then, and reads
/// who else was heard from lately. A store several servers share (PostgreSQL) keeps it; others need not.
public protocol ServerRoster: AnyObject, Sendable {
    /// Records that the server listed as `listing` is alive at `microseconds` since 1970.
    func announce(_ listing: ServerListing, atMicroseconds microseconds: Int64) throws(StoreError)
    /// The servers announced at or after `microseconds`, in a stable order (by port, then host).
    func servers(heardSinceMicroseconds microseconds: Int64) throws(StoreError) -> [ServerListing]
    /// Publishes where one of this server's clients is (or that it went offline). An offline row replaces
    /// only a row of the same server: a client that moved on stays online where it went.
    func publish(_ row: PresenceRow) throws(StoreError)
    /// Publishes several rows as `publish` does, in order: a shared store makes them one write.
    func publish(_ rows: [PresenceRow]) throws(StoreError)
    /// Leaves a packet for another server's client (a punch order), for that server's next read.
    func forward(_ forward: ServerForward) throws(StoreError)
    /// What changed since `cursor` (0 at first): presence rows, recipients of new mail, and the packets
    /// forwarded to the server with key `serverKey`; and the cursor to pass next time. Changes are read in
    /// the order they were committed.
    func news(after cursor: GroupCursor, for serverKey: [UInt8]) throws(StoreError) -> (news: GroupNews, cursor: GroupCursor)
    /// Calls `onChange` whenever a server of the group commits news, so it is read at once rather than at
    /// the next announce. Optional: without it, news waits for the announce.
    func watchChanges(_ onChange: @escaping @Sendable () -> Void) throws(StoreError)
}

extension ServerRoster {
    /// Publishes each row in turn. By default one `publish` each.
    public func publish(_ rows: [PresenceRow]) throws(StoreError) {
        for row in rows { try publish(row) }
    }

    /// By default nothing is watched: news is read at each announce.
    public func watchChanges(_ onChange: @escaping @Sendable () -> Void) throws(StoreError) {}
}

/// How far a server has read the group's changes: one position in the presence rows, one in the mail.
public struct GroupCursor: Equatable, Sendable {
    /// The last presence change read.
    public var presence: Int64 = 0
    /// The last stored message read.
    public var mail: Int64 = 0
    /// The last forwarded packet read.
    public var forwards: Int64 = 0

    /// Nothing read yet.
    public init() {}
}
