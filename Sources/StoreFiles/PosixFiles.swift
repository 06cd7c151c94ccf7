import ChatKitCore
import Glibc

/// The few POSIX file operations the store needs, each failing with a `StoreError` that names the
/// operation, the path and the system's reason.
enum PosixFiles {
    static func failure(_ operation: String, _ path: String, _ code: Int32 = errno) -> StoreError {
        .ioFailure("\(operation) \(path): \(String(cString: strerror(code)))")
    }

    /// Creates `path` and its parents as needed.
    static func makeDirectories(_ path: String) throws(StoreError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component + "/"
            if mkdir(prefix, 0o700) != 0, errno != EEXIST {
                throw failure("mkdir", prefix)
            }
        }
    }

    /// The whole file, or nil when it does not exist.
    static func readFile(_ path: String) throws(StoreError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw failure("open", path)
        }
        defer { close(fd) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("read", path)
            }
            if count == 0 { return contents }
            contents.append(contentsOf: chunk[0..<count])
        }
    }

    /// The names of the entries in the folder `path` (without `.` and `..`).
    static func fileNames(in path: String) throws(StoreError) -> [String] {
        guard let folder = opendir(path) else { throw failure("opendir", path) }
        defer { closedir(folder) }
        var names: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    static func openFile(_ path: String, _ flags: Int32) throws(StoreError) -> Int32 {
        let fd = open(path, flags | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("open", path) }
        return fd
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(StoreError) {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                write(fd, buffer.baseAddress.map { $0 + written }, buffer.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("write", path)
            }
            written += count
        }
    }

    static func sync(_ fd: Int32, path: String) throws(StoreError) {
        guard fsync(fd) == 0 else { throw failure("fsync", path) }
    }

    /// Makes the directory's entries (new, renamed or removed files) durable.
    static func syncDirectory(_ path: String) throws(StoreError) {
        let fd = try openFile(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try sync(fd, path: path)
    }

    static func truncate(_ fd: Int32, to length: Int, path: String) throws(StoreError) {
        guard ftruncate(fd, off_t(length)) == 0 else { throw failure("ftruncate", path) }
    }

    static func rename(_ from: String, _ to: String) throws(StoreError) {
        guard Glibc.rename(from, to) == 0 else { throw failure("rename", from) }
    }

    /// Replaces `path` with `bytes` whole: written to a temporary file (mode 0600), fsynced and renamed
    /// over it, so a crash leaves the old contents or the new, never a mix; the temporary file is removed
    /// if anything fails. Callers fsync the folder when the name itself must be durable.
    static func replaceFile(_ path: String, with bytes: [UInt8]) throws(StoreError) {
        let temporary = path + ".tmp"
        do {
            let fd = try openFile(temporary, O_WRONLY | O_CREAT | O_TRUNC)
            defer { _ = close(fd) }
            try writeAll(fd, bytes, path: temporary)
            try sync(fd, path: temporary)
            try rename(temporary, path)
        } catch {
            try? remove(temporary)
            throw error
        }
    }

    /// When `path` was last modified, in microseconds since 1970, or nil when it cannot be read.
    static func modificationMicroseconds(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_mtim.tv_sec) * 1_000_000 + Int64(info.st_mtim.tv_nsec) / 1_000
    }

    /// Sets `path`'s access and modification times to `microseconds` since 1970 (no fsync: the time
    /// is a hint, not data).
    static func setModificationTime(_ path: String, microseconds: Int64) throws(StoreError) {
        let time = timespec(tv_sec: Int(microseconds / 1_000_000), tv_nsec: Int(microseconds % 1_000_000) * 1_000)
        let times = [time, time]
        guard utimensat(AT_FDCWD, path, times, 0) == 0 else { throw failure("utimensat", path) }
    }

    static func remove(_ path: String) throws(StoreError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw failure("unlink", path) }
    }
}
