/// A message the client could not hand to anyone before it gave up on the server, kept for its next start.
public struct PendingMessage: Equatable, Hashable, Sendable, Codable {
    /// The message id it was first sent with, so a copy that did arrive is not shown twice.
    public var id: UInt64
    /// Who it is for.
    public var recipient: String
    /// What it says.
    public var text: String

    /// Makes a pending message.
    public init(id: UInt64, recipient: String, text: String) {
        self.id = id
        self.recipient = recipient
        self.text = text
    }
}

/// Where a client keeps the messages it could not send, so nothing typed is lost when the server is
/// gone: the next start of the same nickname (with the same server) sends them and says so.
public protocol Outbox: AnyObject, Sendable {
    /// The messages kept from an earlier run, oldest first.
    func load() -> [PendingMessage]
    /// Keeps exactly `messages` (an empty list clears the outbox). Failures are swallowed: at worst a
    /// message is not kept, which the user was told when it failed.
    func replace(with messages: [PendingMessage])
}
