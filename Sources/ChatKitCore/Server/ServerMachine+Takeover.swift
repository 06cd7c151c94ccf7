/// The takeover rule, whole: a nickname whose holder seems online changes hands only after the holder
/// leaves every one of its probes unanswered (`HolderProbes` counts them), or goes offline meanwhile.
/// A sign of life from the holder ends the round, and the newcomer is refused. In a group the holder's
/// own server probes it, asked through the store by the newcomer's server (`GroupTakeovers` waits).
extension ServerMachine {
    /// Someone at another address wants a nickname whose holder seems online: probe the holder, and
    /// tell the newcomer to keep asking until the verdict.
    mutating func probeForTakeover(_ record: ClientRecord, _ id: UInt64, from source: Address) {
        let takeover = HolderProbes.Takeover(requestID: id, newcomer: .here(source))
        if let pending = probes[record.nick]?.takeover, pending.newcomer != takeover.newcomer {
            log(.refusedWhileProbing(nick: record.nick, from: source, holder: record.address))
            return reply(id, .registerReply(.nickInUse, token: 0), to: source)
        }
        if probes[record.nick] == nil {
            log(.probingHolder(nick: record.nick, holder: record.address, newcomer: source))
        }
        startProbe(of: record, takeover: takeover)
        reply(id, .registerReply(.checking, token: 0), to: source)
    }

    /// Someone wants a nickname whose holder is online at another server of the group: that server is
    /// asked (through the store) to probe it, and the newcomer keeps asking until the verdict: "in use"
    /// coming back, or the holder's row going offline, after which its next retry gets the nickname.
    mutating func probeAtHoldersServer(_ row: PresenceRow, _ id: UInt64, from source: Address) {
        switch groupTakeovers.registering(row.nick, requestID: id, requester: source, holderServer: row.serverKey, now: now) {
        case .ask:
            log(.probingHolder(nick: row.nick, holder: row.address, newcomer: source))
            forward(Packet(id: id, message: .probe(token: 0)), for: row.nick, at: row.serverKey)
        case .wait:
            break
        case .busy:
            log(.refusedWhileProbing(nick: row.nick, from: source, holder: row.address))
            return reply(id, .registerReply(.nickInUse, token: 0), to: source)
        }
        reply(id, .registerReply(.checking, token: 0), to: source)
    }

    /// Another server of the group asks this one to probe `nick`'s holder for a newcomer of its own. A
    /// round already waited on by another newcomer answers "in use" at once; a nick not online here (a
    /// row left from before a restart) is published offline, which lets the newcomer have it.
    mutating func probeForServer(_ nick: String, _ id: UInt64, asker: [UInt8]) {
        guard let record = sessions[nick], record.online else { return publishPresence(nick, online: false) }
        let takeover = HolderProbes.Takeover(requestID: id, newcomer: .atServer(asker))
        if let pending = probes[nick]?.takeover, pending.newcomer != takeover.newcomer {
            return forward(Packet(id: id, message: .registerReply(.nickInUse, token: 0)), for: nick, at: asker)
        }
        startProbe(of: record, takeover: takeover)
    }

    /// The holder's server said its holder answered: the newcomer waiting here is refused.
    mutating func holderAnsweredAtServer(_ nick: String, _ id: UInt64) {
        guard let waiting = groupTakeovers.holderAnswered(nick, requestID: id) else { return }
        log(.refusedLiveHolder(nick: nick, from: waiting.requester))
        reply(id, .registerReply(.nickInUse, token: 0), to: waiting.requester)
    }

    /// Probes `record`'s holder, every retransmission timeout toward it; a newcomer may wait for the verdict.
    mutating func startProbe(of record: ClientRecord, takeover: HolderProbes.Takeover? = nil) {
        let probe = probes.probe(
            record.nick, token: record.token, address: record.address, probeID: random.next(), now: now,
            interval: retransmissionTimeout(toward: record.nick, floor: config.probeMinInterval, cap: config.probeInterval),
            takeover: takeover)
        if let probe { carryOut([probe]) }
    }

    mutating func probeHolders() {
        carryOut(probes.tick(now))
    }

    /// Carries out what the probes decided: probes go out; a holder silent to every probe is gone (its
    /// nickname goes to the newcomer waiting here, if any; a newcomer at another server gets it once
    /// the offline row reaches it); a holder that answered keeps it, and the newcomer is refused; a
    /// holder that went offline meanwhile leaves it to the newcomer.
    mutating func carryOut(_ directives: [HolderProbes.Directive]) {
        for directive in directives {
            switch directive {
            case .probe(let token, let holder, let id):
                emit(.send(Packet(id: id, message: .probe(token: token)), to: holder))
            case .silent(let nick, let probe) where sessions[nick]?.token == probe.token && sessions[nick]?.online == true:
                log(.holderSilent(nick: nick, probes: config.probeAttempts, newcomer: probe.takeover?.requesterHere))
                if let takeover = probe.takeover, let requester = takeover.requesterHere {
                    mark(nick, as: .online(requestID: takeover.requestID, address: requester))
                } else {
                    mark(nick, as: .offline(deregistered: false))
                }
            case .silent:
                break  // the session ended or changed meanwhile: the verdict is moot
            case .answered(let nick, let probe):
                guard let takeover = probe.takeover else { continue }
                let refusal = Packet(id: takeover.requestID, message: .registerReply(.nickInUse, token: 0))
                switch takeover.newcomer {
                case .here(let requester):
                    log(.refusedLiveHolder(nick: nick, from: requester))
                    emit(.send(refusal, to: requester))
                case .atServer(let asker):
                    forward(refusal, for: nick, at: asker)
                }
            case .holderLeft(let nick, let takeover):
                // A newcomer at another server sees the offline row this closing published.
                guard let requester = takeover.requesterHere else { continue }
                mark(nick, as: .online(requestID: takeover.requestID, address: requester))
            }
        }
    }
}
