/// Something the server did or refused, for its log. Typed, so an embedder can count, filter or forward
/// events without parsing text; `description` is the log line and `level` how much it matters.
public enum ServerLogEvent: Equatable, Sendable, CustomStringConvertible {
    /// A nickname was registered at an address; `returning` when it was known before.
    case registered(nick: String, at: Address, returning: Bool)
    /// A client deregistered.
    case deregistered(nick: String)
    /// A registration named an invalid nickname.
    case refusedInvalidNick(from: Address)
    /// A deregistration came without the session's token or from another address.
    case refusedDeregistration(nick: String, from: Address)
    /// A newcomer asked for a nickname whose holder is already being probed for another newcomer.
    case refusedWhileProbing(nick: String, from: Address, holder: Address)
    /// A newcomer was refused a nickname because its holder answered a probe.
    case refusedLiveHolder(nick: String, from: Address)
    /// A newcomer asks for a nickname held elsewhere: its holder is being probed.
    case probingHolder(nick: String, holder: Address, newcomer: Address)
    /// A peer reported "no ACK" for a client that seems online: it is being probed.
    case probingAfterNoAck(nick: String, reportedBy: String)
    /// A holder answered none of its probes: its nickname went to `newcomer`, or it was marked offline.
    case holderSilent(nick: String, probes: Int, newcomer: Address?)
    /// An online client sent nothing for `after`, and was marked offline.
    case silentClient(nick: String, after: Duration)
    /// The table outgrew the whole-table limit: clients now hold only the rows they use.
    case switchedToOnDemand(rows: Int, limit: Int)
    /// A client asked to save a message for a recipient it thought offline, which is online.
    case recipientOnline(recipient: String, sender: String)
    /// A message was stored durably.
    case saved(sender: String, recipient: String)
    /// A recipient's mailbox is full; a message was refused.
    case mailboxFull(recipient: String, sender: String)
    /// A sender's byte quota, or the store's, is used up; a message was refused.
    case overQuota(recipient: String, sender: String)
    /// A new nickname was refused because it looks like one already held (`held`).
    case refusedLookalike(nick: String, held: String, from: Address)
    /// A nickname unused for the nick lifetime expired, with its key and stored messages.
    case nickExpired(nick: String)
    /// The store failed to save a message.
    case saveFailed(recipient: String, error: StoreError)
    /// The store failed to read a mailbox.
    case loadFailed(recipient: String, error: StoreError)
    /// The store failed to remove delivered messages: they may be delivered again.
    case removeFailed(recipient: String, error: StoreError)
    /// Stored messages older than the server's message lifetime were removed unread.
    case expired(count: Int, recipient: String)
    /// Stored messages are being delivered.
    case delivering(count: Int, recipient: String)
    /// A recipient acknowledged stored messages.
    case delivered(count: Int, recipient: String)
    /// A recipient did not acknowledge its stored messages; delivery waits for its next sign of life.
    case deliveryStalled(recipient: String)
    /// A datagram was invalid or unexpected; `total` dropped so far.
    case dropped(reason: String, total: Int)
    /// A message could not be encoded (a bug, never input).
    case encodingFailed(kind: MessageKind, destination: Address)
    /// The store failed to pin (or read the pinned) keys.
    case pinFailed(nick: String, error: StoreError)
    /// The server's key could not sign a welcome (it went out unsigned, and the client retries).
    case serverKeyFailed(String)
    /// An address registered too many new nicknames in the last minute.
    case refusedNewNick(nick: String, from: Address)
    /// A registration came with another key than the one the nick is pinned to.
    case refusedKey(nick: String, from: Address)
    /// So many events of `cause` came in the last minute that `count` of them were not logged.
    case heldBack(count: Int, cause: String)
    /// The servers sharing this one's store changed: `others` are listed to clients now.
    case serverGroupChanged(others: Int)
    /// `nick`, online here, registered since at another server of the group (at `address`): its session
    /// here ends.
    case movedToAnotherServer(nick: String, at: Address)
    /// The shared store's roster could not be written or read.
    case rosterFailed(error: StoreError)

    /// The kind of event, as its case name (`registered`, `dropped`, …): the log admits at most 20 lines
    /// a minute of each, since a remote party can cause any of them at will.
    public var cause: String {
        switch self {
        case .registered: "registered"
        case .deregistered: "deregistered"
        case .refusedInvalidNick: "refusedInvalidNick"
        case .refusedDeregistration: "refusedDeregistration"
        case .refusedWhileProbing: "refusedWhileProbing"
        case .refusedLiveHolder: "refusedLiveHolder"
        case .probingHolder: "probingHolder"
        case .probingAfterNoAck: "probingAfterNoAck"
        case .holderSilent: "holderSilent"
        case .silentClient: "silentClient"
        case .switchedToOnDemand: "switchedToOnDemand"
        case .recipientOnline: "recipientOnline"
        case .saved: "saved"
        case .mailboxFull: "mailboxFull"
        case .overQuota: "overQuota"
        case .refusedLookalike: "refusedLookalike"
        case .nickExpired: "nickExpired"
        case .saveFailed: "saveFailed"
        case .loadFailed: "loadFailed"
        case .removeFailed: "removeFailed"
        case .expired: "expired"
        case .delivering: "delivering"
        case .delivered: "delivered"
        case .deliveryStalled: "deliveryStalled"
        case .dropped: "dropped"
        case .encodingFailed: "encodingFailed"
        case .pinFailed: "pinFailed"
        case .serverKeyFailed: "serverKeyFailed"
        case .refusedNewNick: "refusedNewNick"
        case .refusedKey: "refusedKey"
        case .heldBack: "heldBack"
        case .serverGroupChanged: "serverGroupChanged"
        case .movedToAnotherServer: "movedToAnotherServer"
        case .rosterFailed: "rosterFailed"
        }
    }

    /// How much the event matters: `info` for what a person running the server cares about, `debug`
    /// for the rest.
    public var level: LogLevel {
        switch self {
        case .probingHolder, .probingAfterNoAck, .delivering, .dropped: .debug
        default: .info
        }
    }

    /// The log line.
    public var description: String {
        switch self {
        case .registered(let nick, let address, let returning): "\(returning ? "re-registered" : "registered") \(nick) at \(address)"
        case .deregistered(let nick): "deregistered \(nick)"
        case .refusedInvalidNick(let source): "refused invalid nickname from \(source)"
        case .refusedDeregistration(let nick, let source): "refused deregistration of \(nick) from \(source)"
        case .refusedWhileProbing(let nick, let source, let holder):
            "refused \(nick) from \(source): held by \(holder), already being probed"
        case .refusedLiveHolder(let nick, let source): "refused \(nick) from \(source): the holder answered"
        case .probingHolder(let nick, let holder, let newcomer): "\(newcomer) asks for \(nick), held by \(holder): probing the holder"
        case .probingAfterNoAck(let nick, let sender): "\(nick) did not acknowledge \(sender): probing it"
        case .holderSilent(let nick, let probes, let newcomer?):
            "the holder of \(nick) answered none of \(probes) probes: it goes to \(newcomer)"
        case .holderSilent(let nick, let probes, nil): "\(nick) answered none of \(probes) probes; marking it offline"
        case .silentClient(let nick, let after): "\(nick) has been silent for \(after); marking it offline"
        case .switchedToOnDemand(let rows, let limit):
            "the table has \(rows) rows, over \(limit): clients now hold only the rows they use"
        case .recipientOnline(let recipient, let sender): "\(sender) thinks \(recipient) is offline; it is not"
        case .saved(let sender, let recipient): "saved a message from \(sender) for \(recipient)"
        case .mailboxFull(let recipient, let sender): "the mailbox of \(recipient) is full; refused a message from \(sender)"
        case .overQuota(let recipient, let sender): "refused a message from \(sender) for \(recipient): over the byte quota"
        case .refusedLookalike(let nick, let held, let source): "refused \(nick) from \(source): it looks like \(held)"
        case .nickExpired(let nick): "\(nick) was unused for the nick lifetime: its key and stored messages are gone"
        case .saveFailed(let recipient, let error): "could not save a message for \(recipient): \(error)"
        case .loadFailed(let recipient, let error): "could not read stored messages for \(recipient): \(error)"
        case .removeFailed(let recipient, let error): "could not remove delivered messages of \(recipient): \(error)"
        case .delivering(let count, let recipient): "delivering \(count) stored message(s) to \(recipient)"
        case .expired(let count, let recipient): "removed \(count) stored message(s) for \(recipient) unread: older than the message lifetime"
        case .delivered(let count, let recipient): "\(recipient) received \(count) stored message(s)"
        case .deliveryStalled(let recipient):
            "\(recipient) does not acknowledge its stored messages; trying again at its next sign of life"
        case .dropped(let reason, let total): "dropped datagram from \(reason) (\(total) dropped so far)"
        case .encodingFailed(let kind, let destination): "could not encode a \(kind) message for \(destination)"
        case .pinFailed(let nick, let error): "could not keep the key of \(nick): \(error)"
        case .serverKeyFailed(let error): "could not sign with the server's key: \(error)"
        case .refusedKey(let nick, let source): "refused \(nick) from \(source): another key holds it"
        case .refusedNewNick(let nick, let source): "refused \(nick) from \(source): too many new nicknames from that address"
        case .heldBack(let count, let cause): "\(count) more \(cause) line(s) in the last minute were not logged"
        case .serverGroupChanged(let others): "\(others) other server(s) share the database; clients are told of them"
        case .movedToAnotherServer(let nick, let address): "\(nick) registered at another server, from \(address); its session here ends"
        case .rosterFailed(let error): "could not announce this server to the others: \(error)"
        }
    }
}
