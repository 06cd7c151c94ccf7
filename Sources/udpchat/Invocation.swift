import ChatKitCore

/// What the command line asks for.
enum Invocation: Equatable {
    case server(port: UInt16, dataDirectory: String)
    case client(nick: String, serverHost: String, serverPort: UInt16, clientPort: UInt16)
    case help
    case version

    static let usage = """
        usage: udpchat -s <server-port> [--data-dir <dir>]
               udpchat -c <nick> <server-ip> <server-port> <client-port>
               udpchat --help | --version
        """

    static let defaultDataDirectory = "./udpchat-data"

    /// A wrong command line, with the reason to show above the usage.
    struct UsageError: Error, Equatable {
        var reason: String
    }

    /// Parses the arguments after the program name.
    init(arguments: [String]) throws(UsageError) {
        var positional: [String] = []
        var dataDirectory: String?
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--help", "-h":
                self = .help
                return
            case "--version":
                self = .version
                return
            case "--data-dir":
                guard index + 1 < arguments.count else { throw UsageError(reason: "--data-dir needs a folder") }
                dataDirectory = arguments[index + 1]
                index += 1
            default:
                positional.append(argument)
            }
            index += 1
        }
        switch positional.first {
        case "-s":
            guard positional.count == 2 else { throw UsageError(reason: "-s takes exactly one port") }
            self = .server(
                port: try Self.port(positional[1], name: "server port"),
                dataDirectory: dataDirectory ?? Self.defaultDataDirectory)
        case "-c":
            guard positional.count == 5 else {
                throw UsageError(reason: "-c takes a nickname, the server's address and port, and a client port")
            }
            guard dataDirectory == nil else { throw UsageError(reason: "--data-dir is for the server") }
            let nick: String
            do {
                nick = try Nickname.normalized(positional[1])
            } catch {
                throw UsageError(reason: "invalid nickname: \(error)")
            }
            self = .client(
                nick: nick, serverHost: positional[2],
                serverPort: try Self.port(positional[3], name: "server port"),
                clientPort: try Self.port(positional[4], name: "client port"))
        case nil:
            throw UsageError(reason: "choose -s (server) or -c (client)")
        case let other?:
            throw UsageError(reason: "unknown option \(other)")
        }
    }

    private static func port(_ text: String, name: String) throws(UsageError) -> UInt16 {
        guard let value = Int(text), (1024...65535).contains(value) else {
            throw UsageError(reason: "\(name) must be a number from 1024 to 65535, not \(text)")
        }
        return UInt16(value)
    }
}
