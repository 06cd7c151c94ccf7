/// A line the user typed, understood.
public enum ClientCommand: Equatable, Sendable {
    /// `send <nick> <message>`: send a message.
    case send(to: String, text: String)
    /// `reg [nick]`: come back online; the nickname, if given, must be the client's own.
    case register(String)
    /// `dereg [nick]`: go offline; the nickname, if given, must be the client's own.
    case deregister(String)
    /// `who [prefix]`: list the clients, or those whose nicknames start with the prefix.
    case who(prefix: String)
    /// `help`: list the commands.
    case help
    /// `key`: show the fingerprint of the client's identity key.
    case key
    /// `verify <nick>`: show the safety number to compare with `nick`; `verify <nick> ok` marks the
    /// pinned key verified once the numbers matched.
    case verify(String, confirmed: Bool)
    /// `quit` (or `exit`): leave once pending sends are settled.
    case quit
    /// Nothing to do (an empty line).
    case nothing
    /// The line is not a valid command; the text says why and shows the right form.
    case invalid(String)

    /// The commands and their forms, for `help` and error lines.
    public static let usage = [
        "send <nick> <message>   send a message (also /msg)",
        "reg [nick]              come back online (your own nick)",
        "dereg [nick]            go offline (your own nick)",
        "who [prefix]            list the clients (those whose nick starts with prefix; also /who)",
        "key                     show your key's fingerprint",
        "verify <nick> [ok]      show the safety number to compare with nick; ok: they matched",
        "help                    show this list (also /help)",
        "quit                    leave (also /quit, exit)",
    ]

    /// Every command by name, from `usage` (so the hint cannot leave one out), with its IRC-style aliases:
    /// `send <nick> <message>, reg, dereg, who, key, help, quit (also /msg, /who, /help, /quit)`.
    public static let hint: String = {
        let names = usage.enumerated().map { index, line in
            index == 0 ? String(line.prefix { $0 != " " }) + " <nick> <message>" : String(line.prefix { $0 != " " })
        }
        return names.joined(separator: ", ") + " (also /msg, /who, /help, /quit)"
    }()

    /// Parses one typed line. The message text of `send` is kept as typed after the nickname.
    public init(parsing line: String) {
        // Scalars rather than characters: the same whitespace rules, without grapheme breaking. ASCII is
        // answered without the Unicode property tables (tab to carriage return, and space).
        let isSpace: (Unicode.Scalar) -> Bool = { $0.isASCII ? $0 == " " || (0x09...0x0D).contains($0.value) : $0.properties.isWhitespace }
        let trimmed = line.unicodeScalars.drop(while: isSpace)
        guard !trimmed.isEmpty else {
            self = .nothing
            return
        }
        let verbEnd = trimmed.firstIndex(where: isSpace) ?? trimmed.endIndex
        // Commands are case-insensitive, and IRC habits work: `/msg`, `/who`, `/help`, `/quit`.
        var verb = String(trimmed[..<verbEnd]).lowercased()
        if verb.hasPrefix("/") { verb.removeFirst() }
        let rest = trimmed[verbEnd...].drop(while: isSpace)
        let argumentEnd = rest.firstIndex(where: isSpace) ?? rest.endIndex
        let argument = String(rest[..<argumentEnd])
        let remainder = rest[argumentEnd...].drop(while: { $0 == " " || $0 == "\t" })
        let extraneous = !remainder.allSatisfy(isSpace)

        switch verb {
        case "send", "msg":
            if argument.isEmpty || !extraneous {
                self = .invalid("Usage: send <nick> <message>")
            } else {
                self = .send(to: argument, text: String(remainder))
            }
        case "reg":
            self = extraneous ? .invalid("Usage: reg [your nick]") : .register(argument)
        case "dereg":
            self = extraneous ? .invalid("Usage: dereg [your nick]") : .deregister(argument)
        case "who":
            self = extraneous ? .invalid("Usage: who [prefix]") : .who(prefix: argument)
        case "help":
            self = .help
        case "key":
            self = .key
        case "verify":
            let confirmation = String(remainder).split(whereSeparator: \.isWhitespace).map { $0.lowercased() }
            if argument.isEmpty || !(confirmation.isEmpty || confirmation == ["ok"]) {
                self = .invalid("Usage: verify <nick> [ok]")
            } else {
                self = .verify(argument, confirmed: !confirmation.isEmpty)
            }
        case "quit", "exit":
            self = .quit
        default:
            self = .invalid("Unknown command \(verb). Commands: \(Self.hint)")
        }
    }
}
