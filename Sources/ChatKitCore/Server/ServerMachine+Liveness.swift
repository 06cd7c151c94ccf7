/// Liveness: keepalives, probes of holders that may be gone, and the sweep of silent clients.
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

    mutating func startProbe(of record: ClientRecord, takeover: HolderProbes.Takeover? = nil) {
        let probe = probes.probe(
            record.nick, token: record.token, address: record.address, probeID: random.next(), now: now,
            interval: retransmissionTimeout(toward: record.nick, floor: config.probeMinInterval, cap: config.probeInterval),
            takeover: takeover)
        if let probe { carryOut([probe]) }
    }

    /// The holder of `nick` showed a sign of life during `probe`: a newcomer waiting for it is refused.
    mutating func holderAnswered(_ nick: String, _ probe: HolderProbes.Probe) {
        guard let takeover = probe.takeover else { return }
        log(.refusedLiveHolder(nick: nick, from: takeover.requester))
        reply(takeover.requestID, .registerReply(.nickInUse, token: 0), to: takeover.requester)
    }

    /// The retransmission timeout toward `nick`'s session (RFC 6298, from its measured round trips),
    /// within `floor`…`cap`; `cap` until a round trip is measured.
    func retransmissionTimeout(toward nick: String, floor: Duration, cap: Duration) -> Duration {
        sessions[nick]?.retransmissionTimeout(floor: floor, cap: cap) ?? cap
    }

    mutating func probeHolders() {
        carryOut(probes.tick(now))
    }

    /// Carries out what the probes decided: probes go out, and a holder silent to every probe is gone.
    mutating func carryOut(_ directives: [HolderProbes.Directive]) {
        for directive in directives {
            switch directive {
            case .probe(let token, let holder, let id):
                emit(.send(Packet(id: id, message: .probe(token: token)), to: holder))
            case .silent(let nick, let probe) where sessions[nick]?.token == probe.token && sessions[nick]?.online == true:
                log(.holderSilent(nick: nick, probes: config.probeAttempts, newcomer: probe.takeover?.requester))
                if let takeover = probe.takeover {
                    grant(takeover.requestID, nick: nick, to: takeover.requester)
                } else {
                    markOffline(nick)
                }
            case .silent:
                break  // the session ended or changed meanwhile: the verdict is moot
            }
        }
    }

    mutating func keepalive(_ id: UInt64, token: UInt64, version: UInt64, from source: Address) {
        guard let nick = heardFrom(token, at: source) else {
            return reply(id, .keepaliveReply(.unknownSession, tableVersion: 0), to: source)
        }
        tableAcknowledged(version, by: nick)
        reply(id, .keepaliveReply(.alive, tableVersion: publisher.sentVersion(of: nick)), to: source)
    }

    /// Marks offline every online client silent for longer than `clientTimeout`.
    mutating func sweepSilentClients() {
        guard let due = nextSweep, due <= now else { return }
        for nick in sessions.silent(now: now, timeout: config.clientTimeout) {
            log(.silentClient(nick: nick, after: config.clientTimeout))
            markOffline(nick)
        }
        nextSweep = sessions.anyOnline ? now + config.sweepInterval : nil
    }
}
