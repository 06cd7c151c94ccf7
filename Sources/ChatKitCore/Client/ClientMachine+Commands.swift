/// Typed commands: `send`, `who`, `reg`, `dereg`, `help` and `quit`, each checked before it runs.
extension ClientMachine {
    /// Commands wait while registering or deregistering, and while `maxChatsInFlight` chats await their
    /// ACK (so input piped in streams at the pace the peers keep up with).
    var acceptsCommands: Bool {
        (phase == .online || phase == .offline) && chats.count < config.maxChatsInFlight
    }

    mutating func runHeldCommands() {
        while acceptsCommands, let command = heldCommands.popFirst() {
            run(command)
        }
    }

    mutating func run(_ command: ClientCommand) {
        switch command {
        case .nothing: break
        case .invalid(let reason): show(.problem(reason))
        case .help:
            show(.info("Commands:"))
            for line in ClientCommand.usage { show(.info("  " + line)) }
        case .key: show(.info("Your key's fingerprint: \(identity?.fingerprint ?? "none")"))
        case .verify(let nick, let confirmed): verify(nick, confirmed: confirmed)
        case .who(let prefix): who(prefix: (try? Nickname.normalized(prefix)) ?? prefix)
        case .quit:
            // Nothing typed after `quit` runs.
            inputEnded = true
            heldCommands.removeAll()
        case .send(let recipient, let text): send(to: recipient, text: text)
        case .register(let nick): register(as: nick)
        case .deregister(let nick): deregister(as: nick)
        }
    }

    mutating func who(prefix: String) {
        guard replica.mode == .onDemand, phase == .online else {
            let rows = tableEntries.filter { $0.nick.hasPrefix(prefix) }
            guard !rows.isEmpty else {
                return show(.info(prefix.isEmpty ? "The client table is empty." : "No client's nickname starts with \(prefix)."))
            }
            return showRows(rows)
        }
        startRequest(newMessageID(), .who(prefix: prefix, after: "", shown: 0))
    }

    /// The rows as aligned columns, the client's own row marked "(you)" and shown offline while it is, and
    /// each peer chatted with marked "direct" or "via server".
    mutating func showRows(_ rows: [TableEntry]) {
        let nickWidth = rows.map(\.nick.count).max() ?? 0
        // A nick the server knows only from an earlier run (by its key) has no address yet.
        let address = { (entry: TableEntry) in entry.address.host.isEmpty ? "-" : "\(entry.address)" }
        let addressWidth = rows.map { address($0).count }.max() ?? 0
        for entry in rows {
            let own = entry.nick == config.nick
            let online = own ? phase != .offline && entry.online : entry.online
            var status = online ? "online" : "offline"
            if !online, let since = replica.offlineSince[entry.nick] { status += ", seen " + Self.ago(now - since) }
            // How chats reach the peer, once one has: directly, or through the server's relay.
            if online, !own, let path = paths.describe(entry.nick) { status += ", " + path }
            let columns = [
                padded(entry.nick, to: nickWidth), padded(address(entry), to: addressWidth),
                own ? padded(status, to: 7) + "  (you)" : status,
            ]
            show(.info(columns.joined(separator: "  ")))
        }
    }

    /// A duration as people say it: "12 s ago", "5 min ago", "3 h ago".
    static func ago(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        if seconds < 60 { return "\(seconds) s ago" }
        if seconds < 3_600 { return "\(seconds / 60) min ago" }
        return "\(seconds / 3_600) h ago"
    }

    /// Sends `text` to `rawRecipient`; `id` is the message's id when it was typed in an earlier run (kept
    /// in the outbox), so a copy the recipient already has is not shown twice.
    mutating func send(to rawRecipient: String, text: String, id: UInt64? = nil) {
        guard phase == .online else {
            return show(.problem("You are offline. Type reg \(config.nick) to come back online first."))
        }
        do {
            try MessageText.validate(text)
        } catch {
            return show(.problem("Message not sent: \(error)."))
        }
        // Swift strings hash and compare by canonical equivalence, so any spelling of a nickname finds its
        // (NFC) entry without normalizing it first.
        guard let entry = replica[rawRecipient] else {
            // Not held (a table behind the server, or a directory too big to hold): ask the server.
            guard let nick = try? Nickname.normalized(rawRecipient) else {
                return show(.problem("<\(rawRecipient)> is not a valid nickname."))
            }
            return startRequest(newMessageID(), .lookup(recipient: nick, text: text, chatID: id))
        }
        send(text, to: entry, id: id)
    }

    mutating func send(_ text: String, to entry: TableEntry, id: UInt64? = nil) {
        guard entry.nick != config.nick else { return show(.problem("You cannot send a message to yourself.")) }
        let chat = OutgoingChat(id: id ?? newMessageID(), recipient: entry.nick, text: text, peer: entry.address)
        if entry.online, config.relayOnly || paths.usesRelay(entry.nick) {
            // Direct tries failed: straight to the relay, with no 500 ms wait; now and then a punch is
            // offered in the background, and a path it proves carries the next chats.
            paths.used(entry.nick, now: now)
            if !config.relayOnly, paths.shouldTryDirect(entry.nick, now: now) { requestPunch(toward: entry) }
            startSave(chat, .viaRelay)
        } else if entry.online {
            sendDirectly(chat)
        } else {
            show(.recipientOffline(entry.nick))
            startSave(chat, .recipientOffline)
        }
    }

    mutating func register(as rawNick: String) {
        guard rawNick.isEmpty || (try? Nickname.normalized(rawNick)) == config.nick else {
            return show(.problem("You can only register as yourself: reg \(config.nick)"))
        }
        guard phase == .offline else { return show(.problem("You are already registered.")) }
        beginRegistration()
    }

    mutating func deregister(as rawNick: String) {
        guard rawNick.isEmpty || (try? Nickname.normalized(rawNick)) == config.nick else {
            return show(.problem("You can only deregister yourself: dereg \(config.nick)"))
        }
        guard phase == .online else { return show(.problem("You are already offline.")) }
        enter(.deregistering(requestID: newMessageID()))
    }
}

/// `text` followed by spaces up to `width` characters.
private func padded(_ text: String, to width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - text.count))
}
