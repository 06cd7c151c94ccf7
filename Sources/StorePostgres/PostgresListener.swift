import CLibPQ
import ChatKitCore
import Foundation
import Synchronization

/// A connection of its own that LISTENs on one channel and calls back when anything is notified there, on a
/// thread of its own; notifications that arrive together make one call. A dropped connection is reset,
/// and listened on again, once a second until it is back.
// @unchecked: the PGconn is touched only by the listening thread once `start` has run.
final class PostgresListener: @unchecked Sendable {
    private let handle: OpaquePointer
    private let channel: String
    private let stopped = Atomic<Bool>(false)

    /// Connects with `conninfo` and listens on `channel` (letters, digits and underscores).
    init(_ conninfo: String, channel: String) throws(StoreError) {
        guard let handle = PQconnectdb(conninfo) else { throw .ioFailure("PostgreSQL: out of memory") }
        self.handle = handle
        self.channel = channel
        guard PQstatus(handle) == CONNECTION_OK, listen() else {
            let reason = PQerrorMessage(handle).map { String(cString: $0) } ?? "unknown error"
            throw .ioFailure("PostgreSQL: \(reason.split(whereSeparator: \.isNewline).joined(separator: " "))")
        }
    }

    deinit {
        PQfinish(handle)
    }

    /// Calls `onNotify` after every batch of notifications, until `stop`.
    func start(_ onNotify: @escaping @Sendable () -> Void) {
        Thread.detachNewThread { [self] in
            while !stopped.load(ordering: .relaxed) {
                if waitForInput(milliseconds: 500), PQconsumeInput(handle) == 0 {
                    reconnect()
                    continue
                }
                var notified = false
                while let notification = PQnotifies(handle) {
                    notified = true
                    PQfreemem(notification)
                }
                if notified { onNotify() }
            }
        }
    }

    /// Stops listening (within half a second).
    func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    private func listen() -> Bool {
        guard let result = PQexec(handle, "LISTEN \(channel)") else { return false }
        defer { PQclear(result) }
        return PQresultStatus(result) == PGRES_COMMAND_OK
    }

    /// Whether the connection's socket became readable within `milliseconds`.
    private func waitForInput(milliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        guard descriptor.fd >= 0 else {
            reconnect()
            return false
        }
        return poll(&descriptor, 1, milliseconds) > 0
    }

    private func reconnect() {
        PQreset(handle)
        if PQstatus(handle) != CONNECTION_OK || !listen() { usleep(1_000_000) }
    }
}
