/// What falls due with time: each part of the client returns its directives for `now`, and the machine
/// carries them out in one place.
extension ClientMachine {
    /// A `.tick`: chats resent or handed to the server, paths kept open, keepalives, requests retried or
    /// given up, echoes on a lossy path; each part says what is due with its directives.
    mutating func expireDeadlines() {
        prepareSpareEphemeral()
        let dueChats = chats.due(now)
        for case .resend(let chat) in dueChats { transmitChat(chat, quietSince: chat.deadline + (.zero - config.ackTimeout)) }
        if phase == .online {
            for case .refresh(_, let address) in paths.refreshDue(now) { punch([address], nonce: 0) }
        }
        for case .expired(let chat) in dueChats {
            show(.noAck(from: chat.recipient))
            startSave(chat, .noAck)
        }
        for directive in watch.due(now) {
            switch directive {
            case .keepalive where phase == .online:
                // An idle client whose server stays silent for the limit moves on too, if it can.
                if watch.isQuiet, let silence = requests.silence(at: now), silence >= config.serverSilenceLimit, moveToNextServer() {
                    return
                }
                sendKeepalive()
            case .keepalive: watch.stop()
            case .becameQuiet where phase == .online:
                // Quiet keepalives alone are not the verdict (loss makes a few); silence for the limit is.
                show(.serverQuiet)
            case .becameQuiet: break
            }
        }
        for directive in requests.due(now) {
            switch directive {
            case .tellSilence: show(.noAnswerYet(from: server))
            case .giveUp:
                if moveToNextServer() { return }
                if !toldServerSilent { show(.serverNotResponding) }
                let stays = phase == .online && config.staysWhenServerIsSilent
                keepUntaken(includingWaitingSends: !stays)
                guard stays else { return exit(code: 1, notice: .exitingAfterFailure) }
                // At a terminal an online client stays: what is unanswered is kept, and still tried.
                if !toldServerSilent { show(.keptWhileServerSilent(count: outboxHeld.count)) }
                toldServerSilent = true
                requests.forgiveSilence(now)
            case .retry(let id): transmitRequest(id)
            }
        }
        for id in requests.dueEchoes(now) {
            guard let request = requests[id] else { continue }
            transmit(Packet(id: id, message: requestMessage(for: request.purpose)), to: server)
        }
    }

    /// A keepalive, with the table version held; only its reply counts as one.
    private mutating func sendKeepalive() {
        let id = newMessageID()
        keepaliveIDs.append(id)
        if keepaliveIDs.count > 16 { keepaliveIDs.removeFirst() }
        transmit(Packet(id: id, message: .keepalive(token: token, tableVersion: replica.version)), to: server)
    }
}
