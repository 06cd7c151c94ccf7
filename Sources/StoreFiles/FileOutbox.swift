import ChatKitCore
import Foundation
import Glibc

/// A client's outbox in a file, one per server and nickname, written whole (`PosixFiles.replaceFile`):
/// a crash leaves the old list or the new one, never half of either.
public final class FileOutbox: Outbox {
    /// The file that holds the kept messages (JSON), present only while some are kept.
    public let path: String
    private let directory: String

    /// The outbox of `nick` on `server`, under `directory` (created as needed, mode 0700).
    public init(directory: String, server: Address, nick: String) throws(StoreError) {
        guard let name = MailboxFileName.encode(server: server, nick: nick, suffix: ".outbox") else {
            throw .unstorableRecipient(nick)
        }
        try PosixFiles.makeDirectories(directory)
        self.directory = directory
        path = directory + "/" + name
    }

    public func load() -> [PendingMessage] {
        guard let bytes = try? PosixFiles.readFile(path) else { return [] }
        return (try? JSONDecoder().decode([PendingMessage].self, from: Data(bytes))) ?? []
    }

    public func replace(with messages: [PendingMessage]) {
        guard !messages.isEmpty else {
            try? PosixFiles.remove(path)
            return
        }
        guard let data = try? JSONEncoder().encode(messages) else { return }
        guard (try? PosixFiles.replaceFile(path, with: [UInt8](data))) != nil else { return }
        try? PosixFiles.syncDirectory(directory)
    }
}
