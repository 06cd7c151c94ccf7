/// Nick expiry: a nickname unused (never online) for `config.nickLifetime` goes, with its key, its row
/// and its stored messages, so a flood of registrations cannot hold memory and disk forever.
extension ServerMachine {
    /// Marks `nick` used now, here and (best effort) in the store.
    mutating func usedNow(_ nick: String) {
        guard pins[nick] != nil else { return }
        pins.touch(nick, atMicroseconds: wallClockMicroseconds)
        emit(.touchNick(nick: nick, atMicroseconds: wallClockMicroseconds))
    }

    /// At most once an hour of wall-clock time, forgets the nicknames unused for the nick lifetime.
    /// Online ones are in use, whatever their last mark says, here or at another server of the group
    /// (whose clients' comings and goings mark their nicks used here too).
    mutating func expireUnusedNicks() {
        guard wallClockMicroseconds >= nextExpiryCheck else { return }
        nextExpiryCheck = wallClockMicroseconds + 3_600 * 1_000_000
        let cutoff = wallClockMicroseconds - config.nickLifetime.components.seconds * 1_000_000
        for nick in pins.unused(before: cutoff) where sessions[nick]?.online != true && group.liveRemote(nick) == nil {
            mark(nick, as: .expired)
        }
    }
}
