/// Letters whose sender's key the client cannot judge yet: a fresh process gets its stored messages
/// before its table, and in on-demand mode a sender's row must be looked up. They wait, unacknowledged
/// (so the server keeps them if the client goes), until the table is caught up or the lookup answered.
struct LettersAwaitingKeys {
    /// An offline batch, as it arrived.
    struct Batch: Equatable {
        var id: UInt64
        var token: UInt64
        var messages: [OfflineMessage]
    }

    /// A relayed chat, as it arrived.
    struct Relayed: Equatable {
        var id: UInt64
        var sender: String
        var letter: String
    }

    /// At most this many relayed chats wait; more go unacknowledged, and the server stores them.
    static let maxRelayed = 64

    private(set) var batch: Batch?
    private(set) var relayed: [Relayed] = []
    /// Senders whose rows were asked for on demand: once answered, they are judged as they are.
    private(set) var lookedUp: Set<String> = []

    var isEmpty: Bool { batch == nil && relayed.isEmpty }

    /// Keeps `batch` (a resent one replaces it).
    mutating func hold(_ batch: Batch) { self.batch = batch }

    /// Keeps `chat` unless it already waits or too many do; returns whether it is kept.
    @discardableResult
    mutating func hold(_ chat: Relayed) -> Bool {
        guard relayed.count < Self.maxRelayed, !relayed.contains(where: { $0.id == chat.id && $0.sender == chat.sender }) else {
            return false
        }
        relayed.append(chat)
        return true
    }

    /// Notes that `nick`'s row was asked for; returns whether it was not asked for before.
    mutating func askFor(_ nick: String) -> Bool { lookedUp.insert(nick).inserted }

    /// Everything waiting, in arrival order, emptied to be judged again.
    mutating func takeAll() -> (batch: Batch?, relayed: [Relayed]) {
        defer {
            batch = nil
            relayed = []
        }
        return (batch, relayed)
    }

    /// Forgets everything: a new registration starts over, and the server keeps what was not acknowledged.
    mutating func reset() {
        batch = nil
        relayed = []
        lookedUp = []
    }
}
