/// The takeover rule, whole: a nickname whose holder seems online changes hands only after the holder
/// leaves every one of its probes unanswered (`HolderProbes` counts them), or goes offline meanwhile.
/// A sign of life from the holder ends the round, and the newcomer is refused.
extension ServerMachine {
    /// Someone at another address wants a nickname whose holder seems online: probe the holder, and
    /// tell the newcomer to keep asking until the verdict.
    mutating func probeForTakeover(_ record: ClientRecord, _ id: UInt64, from source: Address) {
        let takeover = HolderProbes.Takeover(requestID: id, requester: source)
        if let pending = probes[record.nick]?.takeover, pending.requester != source {
            log(.refusedWhileProbing(nick: record.nick, from: source, holder: record.address))
            return reply(id, .registerReply(.nickInUse, token: 0), to: source)
        }
        if probes[record.nick] == nil {
            log(.probingHolder(nick: record.nick, holder: record.address, newcomer: source))
        }
        startProbe(of: record, takeover: takeover)
        reply(id, .registerReply(.checking, token: 0), to: source)
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
    /// nickname goes to the newcomer waiting, if any); a holder that answered keeps it, and the newcomer
    /// is refused; a holder that went offline meanwhile leaves it to the newcomer.
    mutating func carryOut(_ directives: [HolderProbes.Directive]) {
        for directive in directives {
            switch directive {
            case .probe(let token, let holder, let id):
                emit(.send(Packet(id: id, message: .probe(token: token)), to: holder))
            case .silent(let nick, let probe) where sessions[nick]?.token == probe.token && sessions[nick]?.online == true:
                log(.holderSilent(nick: nick, probes: config.probeAttempts, newcomer: probe.takeover?.requester))
                if let takeover = probe.takeover {
                    mark(nick, as: .online(requestID: takeover.requestID, address: takeover.requester))
                } else {
                    mark(nick, as: .offline(deregistered: false))
                }
            case .silent:
                break  // the session ended or changed meanwhile: the verdict is moot
            case .answered(let nick, let probe):
                guard let takeover = probe.takeover else { continue }
                log(.refusedLiveHolder(nick: nick, from: takeover.requester))
                reply(takeover.requestID, .registerReply(.nickInUse, token: 0), to: takeover.requester)
            case .holderLeft(let nick, let takeover):
                mark(nick, as: .online(requestID: takeover.requestID, address: takeover.requester))
            }
        }
    }
}
