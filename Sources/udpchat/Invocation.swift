import ChatKitCore
import Foundation

/// How the server was asked to run.
struct ServerOptions: Equatable {
    var port: UInt16
    var dataDirectory = Invocation.defaultDataDirectory
    var mailboxLimit = 1_000
    /// How many days a stored message waits for its recipient.
    var messageDays = 30
    /// How many messages one sender may leave in one mailbox.
    var senderShare = ServerConfig().senderShareLimit
    /// How many KiB one sender may have stored in all mailboxes.
    var senderKiB = ServerConfig().senderByteQuota / 1_024
    /// How many MiB the store holds in all.
    var storeMiB = ServerConfig().storeByteQuota / (1_024 * 1_024)
    /// How many days a nickname may go unused before it expires with its key and mail.
    var nickDays = 180
    /// Up to this many rows every client holds the whole table; above it, rows are looked up on demand.
    var wholeTableLimit = ServerConfig().wholeTableLimit
    var logLevel = LogLevel.info
    /// New nicknames one source network may register per minute (0: no limit).
    var newNicksPerMinute = ServerConfig().newNicksPerAddressPerMinute
    /// `--limit-loopback`: hold loopback sources to the new-nick limit too (they are exempt by default).
    var limitLoopback = false
    /// `--release-nick`: forget this nick's key (its owner lost it) and exit, instead of serving.
    var releaseNick: String?
    /// `--database`: a libpq connection URI; servers given the same one share mail, keys and clients.
    var databaseURI: String?
    /// `--advertise`: the host this server's group lists it at for other servers' clients (default: the
    /// host those clients reach their own server at, right for servers on one machine).
    var advertisedHost = ""
}

/// How a client was asked to run.
struct ClientOptions: Equatable {
    var nick: String
    var serverHost: String
    var serverPort: UInt16
    /// 0: any free port, printed at start.
    var clientPort: UInt16
    var keepaliveSeconds = 10
    var colors = true
    var timestamps = true
    /// `--relay-only`: every chat through the server's relay (UDP between peers is blocked).
    var relayOnly = false
    /// `--identity FILE`: the key file to use instead of the one kept per nick.
    var identityFile: String?
    /// `--fingerprint`: print the key's fingerprint and exit.
    var fingerprintOnly = false
}

/// What the command line asks for.
enum Invocation: Equatable {
    case server(ServerOptions)
    case client(ClientOptions)
    case help
    case version

    static let usage = """
        usage: udpchat -s <server-port> [--data-dir <dir>] [--database <uri> [--advertise <host>]] [--log-level quiet|info|debug] [--release-nick <nick>] [limits, below]
               udpchat -c <nick> <server-ip> <server-port> [<client-port>] [--keepalive <seconds>] [--no-color] [--no-timestamps] [--identity <file>] [--fingerprint] [--relay-only]
               udpchat server --port <server-port> [options as for -s]
               udpchat client --nick <nick> --server <server-ip> --server-port <port> [--port <client-port>] [options as for -c]
               udpchat --help | --version
        """

    /// `--help`: the usage, then what each option and command does, with examples.
    static let helpText = usage + """


        A chat: the server keeps the table of clients and stores messages for those offline; clients
        talk to each other directly over UDP.

        Server options:
          --data-dir <dir>           where offline messages are kept (default: $XDG_STATE_HOME/udpchat,
                                     else ~/.local/state/udpchat)
          --database <uri>           keep mail, keys and quotas in PostgreSQL (a libpq URI such as
                                     postgresql://chat@db.example/chat) instead of --data-dir;
                                     servers given one database share them, and a client whose
                                     server falls silent moves to another (the server's own key
                                     and lock stay in --data-dir)
          --advertise <host>         with --database: the host other servers' clients reach this
                                     one at (default: the host they reach their own server at)
          --mailbox-limit <n>        messages stored for one recipient at most (default 1000)
          --sender-share <n>         messages one sender may leave in one mailbox (default 250)
          --sender-kib <n>           KiB one sender may have stored, over all mailboxes (default 4096)
          --store-mib <n>            MiB of messages the server stores in all (default 1024)
          --message-days <n>         days a stored message waits for its recipient (default 30)
          --nick-days <n>            days a nickname may go unused before it expires with its key and
                                     mail (default 180)
          --whole-table-limit <n>    up to this many clients, every client holds the whole table
                                     (default 256); above it, rows are looked up on demand
          --new-nicks-per-minute <n> new nicknames one address (IPv6: one /64) may register per
                                     minute (default 30; 0: no limit); loopback is exempt
          --limit-loopback           hold loopback addresses to --new-nicks-per-minute too
          --log-level <level>        quiet, info (default: registrations, saves, refusals) or debug
          --release-nick <nick>      forget the key the nick is pinned to (its owner lost it), then exit;
                                     run it with the server stopped

        Client options:
          <client-port>              the UDP port to chat on; omitted or 0: any free port, printed at start
          --keepalive <seconds>      how often to tell the server you are alive (default 10)
          --no-color                 no colors on a terminal (so does NO_COLOR=1)
          --no-timestamps            no HH:MM time before each message on a terminal
          --relay-only               send every message through the server's relay (for networks that
                                     block UDP between peers; behind routers nothing else is needed)
          --identity <file>          the key file to use (default: one per nick, for any server, kept in
                                     $XDG_DATA_HOME/udpchat/keys, else ~/.local/share/udpchat/keys)
          --fingerprint              print the key's fingerprint and exit

        Commands, once the client runs (case does not matter):
          send <nick> <message>      send a message (also /msg)
          who [prefix]               list the clients (also /who)
          dereg / reg                go offline / come back online
          key                        show your key's fingerprint
          help                       list the commands (also /help)
          quit                       leave (also /quit, exit, Ctrl-D, Ctrl-C)

        Examples:
          udpchat -s 6000
          udpchat -c alice 127.0.0.1 6000
          udpchat -c bob 127.0.0.1 6000 6062
        """

    /// Where a client keeps what is the user's own (its keys and outbox): `$XDG_DATA_HOME/udpchat`, else
    /// `~/.local/share/udpchat`.
    static var userDataDirectory: String { xdgDirectory("XDG_DATA_HOME", else: ".local/share") }

    /// Where a client keeps its lock while it runs: `$XDG_RUNTIME_DIR/udpchat`, else the user data folder's
    /// `run`.
    static var runtimeDirectory: String { xdgBase("XDG_RUNTIME_DIR") ?? userDataDirectory + "/run" }

    /// Where the server keeps its data unless told: `$XDG_STATE_HOME/udpchat`, else
    /// `~/.local/state/udpchat`, so it does not depend on the directory the server was started in.
    static var defaultDataDirectory: String { xdgDirectory("XDG_STATE_HOME", else: ".local/state") }

    /// `udpchat`'s folder under the XDG base directory `variable` names (an absolute path), else under
    /// `fallback` in the home folder.
    private static func xdgDirectory(_ variable: String, else fallback: String) -> String {
        if let base = xdgBase(variable) { return base }
        let home = ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/" + fallback + "/udpchat"
    }

    /// `udpchat`'s folder under the XDG base directory `variable` names, if it names an absolute path.
    private static func xdgBase(_ variable: String) -> String? {
        guard let base = ProcessInfo.processInfo.environment[variable], base.hasPrefix("/") else { return nil }
        return base + "/udpchat"
    }

    /// The flags that take a value, and the mode each belongs to.
    private static let valueFlags = [
        "--data-dir": "-s", "--mailbox-limit": "-s", "--sender-share": "-s", "--message-days": "-s",
        "--sender-kib": "-s", "--store-mib": "-s", "--nick-days": "-s",
        "--whole-table-limit": "-s", "--new-nicks-per-minute": "-s", "--log-level": "-s", "--release-nick": "-s",
        "--database": "-s", "--advertise": "-s",
        "--identity": "-c", "--port": "", "--keepalive": "-c",
        "--nick": "client", "--server": "client", "--server-port": "client",
    ]
    /// The flags that take no value, and the mode each belongs to.
    private static let switches = [
        "--no-color": "-c", "--no-timestamps": "-c", "--fingerprint": "-c", "--relay-only": "-c", "--limit-loopback": "-s",
    ]

    /// A wrong command line, with the reason to show above the usage.
    struct UsageError: Error, Equatable {
        var reason: String
    }

    /// Parses the arguments after the program name.
    init(arguments: [String]) throws(UsageError) {
        var positional: [String] = []
        var flags: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--help" || argument == "-h" {
                self = .help
                return
            } else if argument == "--version" {
                self = .version
                return
            } else if Self.valueFlags[argument] != nil {
                guard index + 1 < arguments.count else { throw UsageError(reason: "\(argument) needs a value") }
                flags[argument] = arguments[index + 1]
                index += 1
            } else if Self.switches[argument] != nil {
                flags[argument] = ""
            } else if argument.hasPrefix("--") {
                throw UsageError(reason: "unknown option \(argument)")
            } else {
                positional.append(argument)
            }
            index += 1
        }
        // The long forms name their arguments: `server --port 6000`, `client --nick x --server … --port …`.
        if positional.first == "server" {
            guard positional.count == 1, let port = flags.removeValue(forKey: "--port") else {
                throw UsageError(reason: "server takes --port <server-port>")
            }
            positional = ["-s", port]
        } else if positional.first == "client" {
            guard positional.count == 1, let nick = flags.removeValue(forKey: "--nick"),
                let host = flags.removeValue(forKey: "--server"), let serverPort = flags.removeValue(forKey: "--server-port"),
                true
            else { throw UsageError(reason: "client takes --nick, --server, --server-port and optionally --port") }
            positional = ["-c", nick, host, serverPort, flags.removeValue(forKey: "--port") ?? "0"]
        }
        let mode = positional.first
        if let misplaced = flags.keys.sorted().first(where: { (Self.valueFlags[$0] ?? Self.switches[$0]) != mode }),
            mode == "-s" || mode == "-c"
        {
            let owners = ["-s": "the server", "-c": "a client"]
            let owner = (Self.valueFlags[misplaced] ?? Self.switches[misplaced]).flatMap { owners[$0] } ?? "the long forms"
            throw UsageError(reason: "\(misplaced) is for \(owner)")
        }
        switch mode {
        case "-s":
            guard positional.count == 2 else { throw UsageError(reason: "-s takes exactly one port") }
            var options = ServerOptions(port: try Self.port(positional[1], name: "server port"))
            if let level = flags["--log-level"] {
                guard let parsed = LogLevel(rawValue: level) else {
                    throw UsageError(reason: "--log-level is quiet, info or debug, not \(level)")
                }
                options.logLevel = parsed
            }
            options.dataDirectory = flags["--data-dir"] ?? options.dataDirectory
            options.databaseURI = flags["--database"]
            if let host = flags["--advertise"] {
                guard options.databaseURI != nil else { throw UsageError(reason: "--advertise needs --database") }
                guard !host.isEmpty, host.utf8.count <= 255, !host.contains(where: \.isWhitespace) else {
                    throw UsageError(reason: "--advertise takes a host name or address")
                }
                options.advertisedHost = host
            }
            options.limitLoopback = flags["--limit-loopback"] != nil
            if let nick = flags["--release-nick"] {
                do {
                    options.releaseNick = try Nickname.normalized(nick)
                } catch {
                    throw UsageError(reason: "--release-nick: invalid nickname: \(error)")
                }
            }
            for (flag, option, range) in Self.serverNumbers {
                if let text = flags[flag] { options[keyPath: option] = try Self.number(text, name: flag, in: range) }
            }
            self = .server(options)
        case "-c":
            guard positional.count == 4 || positional.count == 5 else {
                throw UsageError(reason: "-c takes a nickname, the server's address and port, and optionally a client port")
            }
            let nick: String
            do {
                nick = try Nickname.normalized(positional[1])
            } catch {
                throw UsageError(reason: "invalid nickname: \(error)")
            }
            var options = ClientOptions(
                nick: nick, serverHost: positional[2],
                serverPort: try Self.port(positional[3], name: "server port"),
                clientPort: positional.count == 5 && positional[4] != "0" ? try Self.port(positional[4], name: "client port") : 0)
            if let seconds = flags["--keepalive"] {
                options.keepaliveSeconds = try Self.number(seconds, name: "--keepalive", in: 1...3_600)
            }
            options.colors = flags["--no-color"] == nil
            options.timestamps = flags["--no-timestamps"] == nil
            options.identityFile = flags["--identity"]
            options.fingerprintOnly = flags["--fingerprint"] != nil
            options.relayOnly = flags["--relay-only"] != nil
            self = .client(options)
        case nil:
            throw UsageError(reason: "choose -s (server) or -c (client)")
        case let other?:
            throw UsageError(reason: "unknown option \(other)")
        }
    }

    private static func port(_ text: String, name: String) throws(UsageError) -> UInt16 {
        UInt16(try number(text, name: name, in: 1024...65535))
    }

    /// The server's numeric options: the flag, the option it sets, and the values it takes.
    private static let serverNumbers: [(String, any WritableKeyPath<ServerOptions, Int> & Sendable, ClosedRange<Int>)] = [
        ("--mailbox-limit", \.mailboxLimit, 1...1_000_000),
        ("--message-days", \.messageDays, 1...3_650),
        ("--sender-kib", \.senderKiB, 1...1_048_576),
        ("--store-mib", \.storeMiB, 1...1_048_576),
        ("--nick-days", \.nickDays, 1...36_500),
        ("--sender-share", \.senderShare, 1...1_000_000),
        ("--new-nicks-per-minute", \.newNicksPerMinute, 0...1_000_000),
        ("--whole-table-limit", \.wholeTableLimit, 0...100_000),
    ]

    private static func number(_ text: String, name: String, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw UsageError(reason: "\(name) must be a number from \(range.lowerBound) to \(range.upperBound), not \(text)")
        }
        return value
    }
}
