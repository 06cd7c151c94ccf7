/// Everything a client tells its user, with the exact texts of the original program.
///
/// Angle brackets around nicknames and timestamps are part of the texts, as in the original program. Text that comes
/// from other people is made safe for a terminal before it is shown.
public enum Notice: Equatable, Sendable {
    /// `[Welcome, You are registered.]`
    case registered
    /// `[Welcome back, you are re-registered.]`
    case reRegistered
    /// `[Client table updated.]`
    case tableUpdated
    /// `x: hello`: a message from a peer.
    case chat(from: String, text: String)
    /// `[Message received by <y>.]`: the peer ACKed.
    case delivered(to: String)
    /// `[No ACK from <y>, message sent to server.]`
    case noAck(from: String)
    /// `<y> is offline, message sent to server.`
    case recipientOffline(String)
    /// `[Messages received by the server and saved.]`
    case savedByServer
    /// `[Client <y> exists!!]`: the server says the peer is online after all.
    case recipientExists(String)
    /// `[You are Offline. Bye.]`
    case deregistered
    /// `[You have messages.]`
    case youHaveMessages
    /// `y: <2017-06-14 02:40:17.501063> offline?`: a stored message.
    case offlineMessage(from: String, savedAt: String, text: String)
    /// `[Server not responding]`
    case serverNotResponding
    /// `[Exiting]`: the client gives up after a failure.
    case exitingAfterFailure
    /// `[exiting]`: the client leaves because the user asked (Ctrl-C, end of input, `quit`).
    case exiting
    /// A clear one-line error or status, shown in square brackets.
    case problem(String)
    /// A plain informational line (help, the table listing).
    case info(String)
    /// Terminal only: `connecting to 127.0.0.1:6000…`, while the first registration waits.
    case connecting(to: Address)
    /// Terminal only: `x joined; y left`, after `[Client table updated.]`.
    case presence(joined: [String], left: [String])
    /// Terminal only: the server stopped answering keepalives (the client keeps trying).
    case serverQuiet
    /// Terminal only: the server answers again.
    case serverBack
    /// Terminal only: a request has waited a while and the server at this address said nothing yet.
    case noAnswerYet(from: Address)
    /// Kept from the last run, when the server could not take them: now sent again.
    case resendingOutbox(count: Int)
    /// `[Warning: the key of <y> has changed. …]`: a peer's session proved another identity key than the
    /// pinned one; shown before anything from the new key (which is then shown, as Signal does).
    case peerKeyChanged(String, wasVerified: Bool)
    /// `[Safety number with <y>: …]`: the digits to compare with the peer out of band, and whether the
    /// user marked them verified.
    case safetyNumber(peer: String, digits: String, verified: Bool)
    /// `[<y>'s key is marked verified.]`
    case keyVerified(String)
    /// `[A message said to be from <x> does not prove it came from them; it is not shown.]`: a relayed or
    /// stored letter that does not open, or that x's key did not sign (tampered, forged, or for an erased prekey).
    case unprovenMessage(from: String)
    /// `[Server not responding; now using 127.0.0.1:6001.]`: the client moved to another server sharing the
    /// database, with the same identity.
    case movedToServer(Address)
    /// Terminal only: after `[Server not responding]`, the client stays; `count` messages wait in the outbox.
    case keptWhileServerSilent(count: Int)

    /// The notice's text, without the prompt.
    public var text: String {
        switch self {
        case .registered: "[Welcome, You are registered.]"
        case .reRegistered: "[Welcome back, you are re-registered.]"
        case .tableUpdated: "[Client table updated.]"
        case .chat(let from, let text): "\(TerminalSafe.text(from)): \(TerminalSafe.text(text))"
        case .delivered(let nick): "[Message received by <\(TerminalSafe.text(nick))>.]"
        case .noAck(let nick): "[No ACK from <\(TerminalSafe.text(nick))>, message sent to server.]"
        case .recipientOffline(let nick): "<\(TerminalSafe.text(nick))> is offline, message sent to server."
        case .savedByServer: "[Messages received by the server and saved.]"
        case .recipientExists(let nick): "[Client <\(TerminalSafe.text(nick))> exists!!]"
        case .deregistered: "[You are Offline. Bye.]"
        case .youHaveMessages: "[You have messages.]"
        case .offlineMessage(let from, let savedAt, let text):
            "\(TerminalSafe.text(from)): <\(savedAt)> \(TerminalSafe.text(text))"
        case .serverNotResponding: "[Server not responding]"
        case .movedToServer(let server): "[Server not responding; now using \(TerminalSafe.text("\(server)")).]"
        case .exitingAfterFailure: "[Exiting]"
        case .exiting: "[exiting]"
        case .problem(let text): "[\(TerminalSafe.text(text))]"
        case .info(let text): TerminalSafe.text(text)
        case .connecting(let server): "connecting to \(TerminalSafe.text("\(server)"))…"
        case .presence(let joined, let left):
            (joined.map { "\(TerminalSafe.text($0)) joined" } + left.map { "\(TerminalSafe.text($0)) left" }).joined(separator: "; ")
        case .serverQuiet: "[The server is not answering; still trying.]"
        case .serverBack: "[The server answers again.]"
        case .noAnswerYet(let server): "[No answer yet from the server at \(TerminalSafe.text("\(server)")); is it running there? Still trying.]"
        case .keptWhileServerSilent(let count):
            "[\(count == 0 ? "Nothing is waiting" : "\(count) message\(count == 1 ? " is" : "s are") kept in the outbox"); still trying the server. Ctrl-C quits; the next start sends what is kept.]"
        case .peerKeyChanged(let nick, let wasVerified):
            "[Warning: the key of <\(TerminalSafe.text(nick))> has changed\(wasVerified ? " since you verified it" : ""). "
                + "Messages from the new key follow; run 'verify \(TerminalSafe.text(nick))' to check it.]"
        case .safetyNumber(let nick, let digits, let verified):
            "[Safety number with <\(TerminalSafe.text(nick))>: \(digits)\(verified ? " (verified)" : "")]"
        case .keyVerified(let nick): "[The key of <\(TerminalSafe.text(nick))> is marked verified.]"
        case .unprovenMessage(let nick): "[A message said to be from <\(TerminalSafe.text(nick))> does not prove it came from them; it is not shown.]"
        case .resendingOutbox(let count):
            "[Sending \(count) message\(count == 1 ? "" : "s") kept from last time, when the server did not answer.]"
        }
    }

    /// Extra feedback for people at a terminal; piped output (the original program's transcripts) leaves
    /// it out.
    public var isTerminalOnly: Bool {
        switch self {
        case .connecting, .presence, .serverQuiet, .serverBack, .noAnswerYet, .keptWhileServerSilent: true
        default: false
        }
    }

    /// The line as the user sees it: behind the `>>> ` prompt, except the final `[exiting]`.
    public var line: String {
        self == .exiting ? text : Prompt.text + text
    }
}

/// The client's prompt.
public enum Prompt {
    /// `>>> `, as in the original program.
    public static let text = ">>> "
}

/// Makes text from the network safe to print: control characters (escape sequences included) become
/// U+FFFD, so no message can move the cursor, clear the screen or fake a line of its own.
public enum TerminalSafe {
    /// `text` with every control or line-breaking character replaced.
    public static func text(_ text: String) -> String {
        // Printable ASCII, the common case, needs no per-character lookup.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(isUnsafe(scalar) ? "\u{FFFD}" : scalar)
        }
        return String(scalars)
    }

    private static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator: true
        default: scalar == "\u{200E}" || scalar == "\u{200F}" || (0x202A...0x202E).contains(scalar.value)
            || (0x2066...0x2069).contains(scalar.value)
        }
    }
}
