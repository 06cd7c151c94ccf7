import ChatKitCrypto
import Foundation

// First of all: the client's and server's threads may still be sealing or drawing random bytes when the
// process exits, so libcrypto must not free itself at exit.
CryptoLibrary.keepUntilExit()

/// The version `udpchat --version` prints.
let udpchatVersion = "1.0.0"

/// Prints `udpchat: <reason>` on standard error and returns the failure status.
func fail(_ reason: String) -> Int32 {
    FileHandle.standardError.write(Data("udpchat: \(reason)\n".utf8))
    return 1
}

let status: Int32
do {
    switch try Invocation(arguments: Array(CommandLine.arguments.dropFirst())) {
    case .help:
        print(Invocation.helpText)
        status = 0
    case .version:
        print("udpchat \(udpchatVersion)")
        status = 0
    case .server(let options):
        status = runServer(options)
    case .client(let options):
        status = runClient(options)
    }
} catch {
    FileHandle.standardError.write(Data("udpchat: \(error.reason)\n\(Invocation.usage)\n".utf8))
    status = 64
}
exit(status)
