/// The client's life, in one place: every change of phase goes through `enter(_:)`, which tells each part
/// of the client what the change means for it (as the server's sessions go through `mark(_:as:)`).
///
/// notStarted → registering → (welcomed) registering, replied → (whole table) online ⇄ deregistering →
/// offline → registering…; any phase → exited.
extension ClientMachine {
    /// Moves the client to `next`, and tells every part.
    mutating func enter(_ next: Phase) {
        let previous = phase
        phase = next
        switch next {
        case .registering(let id, replied: false, _):
            startRequest(id, .register)
        case .registering(_, replied: true, _):
            inbox.registered()  // "You have messages" is announced again
        case .online:
            // Online once the whole table arrived; a refused deregistration only stays online.
            guard case .registering(let id, replied: true, _) = previous else { return }
            requests.finish(id)
            watch.start(now)
            for parked in requests.parked { transmitRequest(parked) }
            sendKeptMessages()
        case .deregistering(let id):
            startRequest(id, .deregister)
        case .offline, .notStarted:
            break
        case .exited:
            chats.removeAll()
            requests.removeAll()
            heldCommands.removeAll()
        }
    }
}
