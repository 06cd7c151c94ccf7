/// What a server read from the group's store since it last asked: the rows that changed, the
/// recipients for whom mail was stored (by any server), and the packets other servers forwarded to it.
public struct GroupNews: Equatable, Sendable {
    /// Presence rows changed since the last read, oldest first.
    public var presence: [PresenceRow]
    /// Nicknames with new stored mail since the last read.
    public var mailFor: [String]
    /// Packets for this server's clients, oldest first.
    public var forwards: [ServerForward]

    /// Makes the news.
    public init(presence: [PresenceRow] = [], mailFor: [String] = [], forwards: [ServerForward] = []) {
        self.presence = presence
        self.mailFor = mailFor
        self.forwards = forwards
    }
}
