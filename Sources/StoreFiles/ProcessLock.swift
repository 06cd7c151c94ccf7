import ChatKitCore
import Glibc

/// An exclusive lock on a file, held while this process runs (`flock`): a second process learns that the
/// first is still there, and the kernel releases the lock however the holder ends, SIGKILL included.
/// The server locks its data folder with one; a client, its (server, nick).
public final class ProcessLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Takes the lock at `path`, making the file and its folders (mode 0700) first; nil when another
    /// process holds it.
    public static func acquire(_ path: String) throws(StoreError) -> ProcessLock? {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex { try PosixFiles.makeDirectories(String(path[..<slash])) }
        let descriptor = try PosixFiles.openFile(path, O_RDWR | O_CREAT)
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            if code == EWOULDBLOCK { return nil }
            throw PosixFiles.failure("flock", path, code)
        }
        return ProcessLock(descriptor: descriptor)
    }

    /// The lock file of a client of `server` as `nick` with the identity whose fingerprint is
    /// `fingerprint`, in `directory`: one user's processes share it; another identity (another person)
    /// has its own.
    public static func clientPath(in directory: String, server: Address, nick: String, fingerprint: String) -> String? {
        let identity = fingerprint.filter { $0 != ":" }.prefix(16)
        return MailboxFileName.encode(server: server, nick: nick, suffix: "-\(identity).lock").map { directory + "/" + $0 }
    }
}
