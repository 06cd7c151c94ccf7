/// Saves on their way to storage: each message is stored once however often its sender retries, and
/// every address that asked is answered when the store reports the outcome.
struct SaveIntake {
    struct SaveKey: Hashable {
        var recipient: String
        var key: MessageKey
    }

    /// Who to answer, per save handed to storage and not yet finished.
    private var inProgress: [SaveKey: [Address]] = [:]
    private var recentlySaved: RecentKeys

    init(remembered: Int) {
        recentlySaved = RecentKeys(capacity: remembered)
    }

    /// True when message `key` was stored recently: a retry is answered "saved" again, not stored twice.
    func wasSaved(_ key: MessageKey) -> Bool { recentlySaved.contains(key) }

    /// True while the save of `key` for `recipient` is with the store.
    func isPending(_ key: MessageKey, for recipient: String) -> Bool {
        inProgress[SaveKey(recipient: recipient, key: key)] != nil
    }

    /// Records that `source` asks to save `key` for `recipient`; true when storage must be asked (the
    /// first ask), false when the save is already under way and `source` just waits for its outcome.
    mutating func ask(_ key: MessageKey, for recipient: String, from source: Address) -> Bool {
        let saveKey = SaveKey(recipient: recipient, key: key)
        if inProgress[saveKey] != nil {
            inProgress[saveKey]?.append(source)
            return false
        }
        inProgress[saveKey] = [source]
        return true
    }

    /// Storage finished `message`; returns the addresses to answer.
    mutating func finished(_ message: StoredMessage, stored: Bool) -> [Address] {
        if stored { recentlySaved.insert(message.key) }
        return inProgress.removeValue(forKey: SaveKey(recipient: message.recipient, key: message.key)) ?? []
    }
}
