import ChatKitCore
import Glibc

/// An exclusive lock on a file, held while this process runs (`flock`): a second process learns that the
/// first is still there, and the kernel releases the lock however the holder ends, SIGKILL included.
/// The server locks its data folder with one; a client, its (server, nick), and shares its identity's.
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
        let descriptor = try openLockFile(path)
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            if code == EWOULDBLOCK { return nil }
            throw PosixFiles.failure("flock", path, code)
        }
        return ProcessLock(descriptor: descriptor)
    }

    /// Takes a shared lock at `path`, held by every process of one identity while it runs; `alone` when
    /// no other process held it (so this one is a restart, or the first). A few milliseconds of waiting
    /// cover another process of the identity that is taking it at the same moment.
    public static func share(_ path: String) throws(StoreError) -> (lock: ProcessLock, alone: Bool) {
        let descriptor = try openLockFile(path)
        let lock = ProcessLock(descriptor: descriptor)
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
            guard flock(descriptor, LOCK_SH) == 0 else { throw PosixFiles.failure("flock", path, errno) }
            return (lock, true)
        }
        for _ in 0..<100 {
            if flock(descriptor, LOCK_SH | LOCK_NB) == 0 { return (lock, false) }
            guard errno == EWOULDBLOCK else { throw PosixFiles.failure("flock", path, errno) }
            usleep(1_000)
        }
        return (lock, false)
    }

    /// Opens the lock file at `path`, making it and its folders (mode 0700) first.
    private static func openLockFile(_ path: String) throws(StoreError) -> Int32 {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex { try PosixFiles.makeDirectories(String(path[..<slash])) }
        return try PosixFiles.openFile(path, O_RDWR | O_CREAT)
    }

    /// The lock file of a client of `server` as `nick` with the identity whose fingerprint is
    /// `fingerprint`, in `directory`: one user's processes share it; another identity (another person)
    /// has its own.
    public static func clientPath(in directory: String, server: Address, nick: String, fingerprint: String) -> String? {
        MailboxFileName.encode(server: server, nick: nick, suffix: "-\(identityName(fingerprint)).lock").map { directory + "/" + $0 }
    }

    /// The lock file of `nick` with the identity `fingerprint` at any server, in `directory`: every process
    /// of that identity on this host shares it (`share`), so one that finds another there (at another
    /// server of a group) knows it is not a restart, and its server probes the other first.
    public static func identityPath(in directory: String, nick: String, fingerprint: String) -> String? {
        MailboxFileName.encode(nick, suffix: "-\(identityName(fingerprint)).identity.lock").map { directory + "/" + $0 }
    }

    /// An identity as lock file names carry it: the first 16 hex digits of its fingerprint.
    private static func identityName(_ fingerprint: String) -> String {
        String(fingerprint.filter { $0 != ":" }.prefix(16))
    }
}
