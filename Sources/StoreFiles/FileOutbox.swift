import ChatKitCore
import Foundation
import Glibc

/// A client's outbox in a file, one per server and nickname, written whole through a temporary file,
/// an fsync and a rename: a crash leaves the old list or the new one, never half of either.
public final class FileOutbox: Outbox {
    /// The file that holds the kept messages (JSON), present only while some are kept.
    public let path: String
    private let directory: String

    /// The outbox of `nick` on `server`, under `directory` (created as needed, mode 0700).
    public init(directory: String, server: Address, nick: String) throws(StoreError) {
        guard let name = MailboxFileName.encode("\(server.host):\(server.port) \(nick)") else {
            throw .unstorableRecipient(nick)
        }
        try PosixFiles.makeDirectories(directory)
        self.directory = directory
        path = directory + "/" + name.dropLast(MailboxFileName.suffix.count) + ".outbox"
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
        let temporary = path + ".tmp"
        do {
            let fd = try PosixFiles.openFile(temporary, O_WRONLY | O_CREAT | O_TRUNC)
            defer { close(fd) }
            try PosixFiles.writeAll(fd, [UInt8](data), path: temporary)
            try PosixFiles.sync(fd, path: temporary)
            try PosixFiles.rename(temporary, path)
            try PosixFiles.syncDirectory(directory)
        } catch {
            try? PosixFiles.remove(temporary)
        }
    }
}
