import ChatKitCore

/// The delivery promises, checked over typed records (as TigerBeetle's state checker checks its
/// replicas): what each process was told to do, and the `Notice`s it showed. Safety holds at every step,
/// nothing shown twice and nothing shown that was not sent; liveness is checked once the run settles:
/// every command ended in an outcome, and every message confirmed (ACKed or saved) was shown.
public struct DeliveryChecker: Sendable {
    /// A command typed into a process.
    public enum Command: Equatable, Sendable {
        case send(to: String, text: String)
        case dereg
        case reg
    }

    /// How a send ended, as its sender was told.
    public enum Outcome: Equatable, Sendable {
        case delivered, saved
        case failed(String)
    }

    /// A broken promise, named by its class.
    public enum Failure: Equatable, Sendable, CustomStringConvertible {
        /// Promise 1 (liveness): a send never ended in an outcome line.
        case endedInSilence(sender: String, text: String)
        /// Promise 2 (safety): a process showed one message twice.
        case shownTwice(process: String, text: String)
        /// Promise 3 (safety): a process showed a message nobody sent it.
        case shownButNeverSent(process: String, sender: String, text: String)
        /// Promise 3 (liveness): a message was ACKed or saved but its recipient never showed it.
        case confirmedButNeverShown(recipient: String, text: String, outcome: Outcome)
        /// An answer (an outcome, a failure) shown with no command waiting for it.
        case answerWithoutCommand(process: String, notice: Notice)
        /// An ACK naming another peer than the send's recipient.
        case answerForAnotherPeer(process: String, notice: Notice, recipient: String)
        /// A process exited while a command waited for its answer, with the server answering.
        case exitedWithCommandOutstanding(process: String)
        /// A process gave up on a server that was up and reachable.
        case gaveUpOnHealthyServer(process: String)

        public var description: String {
            switch self {
            case .endedInSilence(let sender, let text): "promise 1 (silence): \(sender)'s send \"\(text)\" ended in silence"
            case .shownTwice(let process, let text): "promise 2 (shown twice): \(process) showed \"\(text)\" twice"
            case .shownButNeverSent(let process, let sender, let text):
                "promise 3 (never sent): \(process) showed \"\(text)\" from \(sender), which nobody sent it"
            case .confirmedButNeverShown(let recipient, let text, let outcome):
                "promise 3 (lost): \"\(text)\" was \(outcome == .delivered ? "ACKed" : "saved") but \(recipient) never showed it"
            case .answerWithoutCommand(let process, let notice): "answer without command: \(process) showed \(notice.line)"
            case .answerForAnotherPeer(let process, let notice, let recipient):
                "answer for another peer: \(process) showed \(notice.line) for a send to \(recipient)"
            case .exitedWithCommandOutstanding(let process): "exit with command outstanding: \(process)"
            case .gaveUpOnHealthyServer(let process): "give-up: \(process) gave up on a healthy server"
            }
        }
    }

    /// One send, and how it ended.
    public struct Send: Sendable {
        public let sender: String
        public let recipient: String
        public let text: String
        let process: Int
        public internal(set) var outcome: Outcome?
    }

    /// A command typed and not yet answered; a send is known by its number in `sends`.
    enum Waiting: Equatable {
        case send(Int)
        case dereg
        case reg
    }

    /// What the checker knows of one process.
    public struct Process: Sendable {
        public let nick: String
        /// Messages shown by an impostor count as shown to its nick, but are not held to the safety checks.
        let isImpostor: Bool
        /// The command waiting for its answer: a send (by its number in `sends`), or a dereg or reg.
        var outstanding: Waiting?
        /// Whether its own first registration has finished (commands wait for it).
        public internal(set) var registered = false
        /// Whether its last `dereg` succeeded and no `reg` has since.
        public internal(set) var deregistered = false
        public internal(set) var serverGaveUp = false
        public internal(set) var crashed = false
        public internal(set) var exited = false
        var shown: [String: Int] = [:]

        public var alive: Bool { !crashed && !exited }
        /// Registered, alive and waiting for no answer: ready for a command.
        public var isIdle: Bool { alive && registered && outstanding == nil }
    }

    public private(set) var sends: [Send] = []
    public private(set) var processes: [Int: Process] = [:]
    public private(set) var failures: [Failure] = []
    /// From this instant the server is up and reachable: giving up on it is a failure.
    private var healthyServerSince: Instant?

    /// A checker with nothing recorded.
    public init() {}

    /// Process `id` started under `nick`.
    public mutating func started(_ id: Int, nick: String, impostor: Bool = false) {
        processes[id] = Process(nick: nick, isImpostor: impostor)
    }

    /// `command` was typed into process `id`.
    public mutating func typed(_ command: Command, into id: Int) {
        guard let nick = processes[id]?.nick else { return }
        switch command {
        case .send(let recipient, let text):
            sends.append(Send(sender: nick, recipient: recipient, text: text, process: id))
            processes[id]?.outstanding = .send(sends.count - 1)
        case .dereg: processes[id]?.outstanding = .dereg
        case .reg: processes[id]?.outstanding = .reg
        }
    }

    /// Process `id` crashed: what it waited for may never come.
    public mutating func crashed(_ id: Int) {
        processes[id]?.crashed = true
    }

    /// The run switches to liveness: the server is up and reachable from `instant` on.
    public mutating func serverHealthy(from instant: Instant) {
        healthyServerSince = instant
    }

    /// Process `id` exited (its driver said so).
    public mutating func exited(_ id: Int) {
        guard let process = processes[id], !process.exited else { return }
        processes[id]?.exited = true
        if process.outstanding != nil, !process.serverGaveUp { fail(.exitedWithCommandOutstanding(process: name(id))) }
    }

    /// Process `id` showed `notice` at `now`.
    public mutating func shown(_ notice: Notice, by id: Int, at now: Instant) {
        guard let process = processes[id] else { return }
        if process.isImpostor {
            // Only what it shows counts: it was told to do nothing.
            if case .chat(let sender, let text) = notice { shownMessage(text, from: sender, by: id) }
            if case .offlineMessage(let sender, _, let text) = notice { shownMessage(text, from: sender, by: id) }
            return
        }
        switch notice {
        case .delivered(let recipient): complete(id, .delivered, recipient: recipient, notice)
        case .savedByServer: complete(id, .saved, recipient: nil, notice)
        case .serverNotResponding:
            // A crashed process's timers still run in a simulation; its giving up says nothing of the server.
            if let healthy = healthyServerSince, now > healthy, !process.crashed { fail(.gaveUpOnHealthyServer(process: name(id))) }
            processes[id]?.serverGaveUp = true
            fail(id, notice.text)
        case .deregistered:
            guard process.outstanding == .dereg else { return fail(.answerWithoutCommand(process: name(id), notice: notice)) }
            processes[id]?.outstanding = nil
            processes[id]?.deregistered = true
        case .registered, .reRegistered:
            if !process.registered {
                processes[id]?.registered = true
            } else if process.outstanding == .reg {
                processes[id]?.outstanding = nil
                processes[id]?.deregistered = false
            }
        case .noAck, .recipientExists, .recipientOffline, .tableUpdated, .youHaveMessages, .exitingAfterFailure, .exiting,
            .connecting, .presence, .serverQuiet, .serverBack, .noAnswerYet, .keptWhileServerSilent, .resendingOutbox,
            .peerKeyChanged, .safetyNumber, .keyVerified, .unprovenMessage, .movedToServer:
            break
        case .problem(let text) where text.hasPrefix("The nickname <") && !process.registered:
            break  // refused at start-up while another newcomer's probe was under way: a clear exit
        case .problem(let text):
            // A clear failure line: the end of whatever command was outstanding.
            guard process.outstanding != nil else { return fail(.answerWithoutCommand(process: name(id), notice: notice)) }
            fail(id, "[\(text)]")
        case .info:
            fail(.answerWithoutCommand(process: name(id), notice: notice))
        case .chat(let sender, let text), .offlineMessage(let sender, _, let text):
            shownMessage(text, from: sender, by: id)
        }
    }

    /// Liveness, once the run has settled: every send of a process that did not crash ended, and every
    /// message ACKed or saved was shown to its recipient (by any of its processes).
    public mutating func finish() {
        for send in sends {
            let crashed = processes[send.process]?.crashed == true
            let shownToRecipient = processes.values.contains { $0.nick == send.recipient && $0.shown[send.text] != nil }
            switch send.outcome {
            case nil where !crashed: fail(.endedInSilence(sender: send.sender, text: send.text))
            case .delivered? where !shownToRecipient, .saved? where !shownToRecipient:
                fail(.confirmedButNeverShown(recipient: send.recipient, text: send.text, outcome: send.outcome ?? .saved))
            default: break
            }
        }
    }

    private mutating func complete(_ id: Int, _ outcome: Outcome, recipient: String?, _ notice: Notice) {
        guard case .send(let number)? = processes[id]?.outstanding else {
            return fail(.answerWithoutCommand(process: name(id), notice: notice))
        }
        if let recipient, recipient != sends[number].recipient {
            fail(.answerForAnotherPeer(process: name(id), notice: notice, recipient: sends[number].recipient))
        }
        sends[number].outcome = outcome
        processes[id]?.outstanding = nil
    }

    /// The outstanding command, if any, failed with `line`.
    private mutating func fail(_ id: Int, _ line: String) {
        if case .send(let number)? = processes[id]?.outstanding { sends[number].outcome = .failed(line) }
        processes[id]?.outstanding = nil
    }

    private mutating func shownMessage(_ text: String, from sender: String, by id: Int) {
        guard let process = processes[id] else { return }
        processes[id]?.shown[text, default: 0] += 1
        guard !process.isImpostor else { return }
        if processes[id]?.shown[text] == 2 { fail(.shownTwice(process: name(id), text: text)) }
        if !sends.contains(where: { $0.text == text && $0.sender == sender && $0.recipient == process.nick }) {
            fail(.shownButNeverSent(process: name(id), sender: sender, text: text))
        }
    }

    private func name(_ id: Int) -> String { "\(processes[id]?.nick ?? "?")#\(id)" }

    private mutating func fail(_ failure: Failure) {
        failures.append(failure)
    }
}
