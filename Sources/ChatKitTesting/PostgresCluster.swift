import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway PostgreSQL cluster for tests: made in a temporary folder by `initdb`, run as the `postgres`
/// user when the tests run as root (PostgreSQL refuses root), listening on a loopback port only, and
/// stopped and removed when the test process exits. Tests skip with `unavailableReason` where none starts.
public final class PostgresCluster: Sendable {
    /// The cluster's connection URI (the `postgres` database, trusted on loopback).
    public let uri: String
    /// The loopback port it listens on.
    public let port: Int
    private let folder: String
    private let binaries: String
    private let runsAsPostgres: Bool

    /// The process's one cluster, started on first use, or why none could be started (said once, in one
    /// line on standard error).
    public static let shared: Result<PostgresCluster, Unavailable> = {
        let started = Result { () throws(Unavailable) in try PostgresCluster() }
        switch started {
        case .success: atexit { PostgresCluster.stopShared() }
        case .failure(let reason): FileHandle.standardError.write(Data("PostgreSQL tests skipped: \(reason)\n".utf8))
        }
        return started
    }()

    /// The note a skipped PostgreSQL test carries; the reason itself is printed once when starting fails.
    /// (A constant, so naming it in a test's trait starts no cluster.)
    public static let skipNote = "no PostgreSQL cluster could be started here (Debian's postgresql); the reason is printed above"

    /// Why no cluster runs: one line for the skipped test's report.
    public struct Unavailable: Error, Sendable, CustomStringConvertible {
        /// The reason, in one line.
        public let description: String
    }

    /// Whether the shared cluster runs (for `.enabled(if:)`).
    public static var isAvailable: Bool { (try? shared.get()) != nil }

    private init() throws(Unavailable) {
        guard let initdb = Self.findInitdb() else {
            throw Unavailable(description: "initdb not found; install Debian's postgresql to run these tests")
        }
        binaries = (initdb as NSString).deletingLastPathComponent
        runsAsPostgres = getuid() == 0
        folder = NSTemporaryDirectory() + "chatkit-tests-postgres-" + UUID().uuidString
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw Unavailable(description: "cannot make \(folder)")
        }
        if runsAsPostgres {
            guard let user = getpwnam("postgres") else {
                try? FileManager.default.removeItem(atPath: folder)
                throw Unavailable(description: "running as root, and there is no postgres user to run PostgreSQL as")
            }
            chown(folder, user.pointee.pw_uid, user.pointee.pw_gid)
        }
        guard let port = Self.freeLoopbackPort() else {
            try? FileManager.default.removeItem(atPath: folder)
            throw Unavailable(description: "no free loopback port")
        }
        self.port = port
        uri = "postgresql://postgres@127.0.0.1:\(port)/postgres"
        let data = folder + "/data"
        guard run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]) else {
            try? FileManager.default.removeItem(atPath: folder)
            throw Unavailable(description: "initdb failed")
        }
        let options = "-p \(port) -c listen_addresses=127.0.0.1 -c unix_socket_directories=\(folder) -c max_connections=200"
        guard run("pg_ctl", ["-D", data, "-l", folder + "/log", "-w", "-t", "60", "-o", options, "start"]) else {
            try? FileManager.default.removeItem(atPath: folder)
            throw Unavailable(description: "pg_ctl could not start the cluster")
        }
    }

    /// A new, empty database in the cluster, and its URI: each test gets its own.
    public func freshDatabase() throws(Unavailable) -> String {
        let name = "chatkit_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        guard run("createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", name]) else {
            throw Unavailable(description: "createdb failed")
        }
        return "postgresql://postgres@127.0.0.1:\(port)/\(name)"
    }

    /// A new schema name, for a store to make its tables in apart from every other test's.
    public static func freshSchema() -> String {
        "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }

    /// Stops the cluster at once and removes its folder.
    private func stop() {
        _ = run("pg_ctl", ["-D", folder + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: folder)
    }

    private static func stopShared() {
        if case .success(let cluster) = shared { cluster.stop() }
    }

    /// Runs one of PostgreSQL's programs, as the postgres user when we are root; whether it succeeded.
    /// (posix_spawn and waitpid, not Foundation's Process: pg_ctl leaves a daemon behind, and Process
    /// did not always see its child end then.)
    private func run(_ program: String, _ arguments: [String]) -> Bool {
        let argv =
            runsAsPostgres
            ? ["/usr/sbin/runuser", "-u", "postgres", "--", binaries + "/" + program] + arguments
            : [binaries + "/" + program] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var child: pid_t = 0
        guard posix_spawn(&child, argv[0], &actions, nil, cArguments, environ) == 0 else { return false }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 {
            guard errno == EINTR else { return false }
        }
        // Exited normally (no signal in the low 7 bits) with status 0.
        return status & 0x7f == 0 && (status >> 8) & 0xff == 0
    }

    /// Debian keeps initdb out of PATH, under /usr/lib/postgresql/<version>/bin; the newest wins.
    private static func findInitdb() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap(Int.init).sorted()
        for version in versions.reversed() where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
            return "\(root)/\(version)/bin/initdb"
        }
        return nil
    }

    /// A TCP port on 127.0.0.1 that nothing listens on now (bound to port 0, then closed).
    private static func freeLoopbackPort() -> Int? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }
}
