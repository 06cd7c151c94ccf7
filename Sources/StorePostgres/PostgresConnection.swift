import CLibPQ
import ChatKitCore
import Foundation

/// One libpq connection, used by one caller at a time: statements with parameters, and transactions that
/// either commit whole or roll back. A dropped connection is reset before the next transaction.
// @unchecked: the PGconn is touched only with `lock` held.
final class PostgresConnection: @unchecked Sendable {
    private let lock = NSLock()
    private let handle: OpaquePointer
    /// Statements run after connecting and after every reset (a `search_path`, say).
    private let setup: [String]

    /// Connects with a libpq connection string or URI (`postgresql://user@host:port/db`), then runs `setup`.
    init(_ conninfo: String, setup: [String] = []) throws(StoreError) {
        guard let handle = PQconnectdb(conninfo) else { throw .ioFailure("PostgreSQL: out of memory") }
        self.handle = handle
        self.setup = setup
        // On a throw from here on, deinit finishes the connection (every field is set).
        guard PQstatus(handle) == CONNECTION_OK else { throw .ioFailure("PostgreSQL: \(Self.lastError(of: handle))") }
        // Notices ("relation already exists, skipping") are not the user's business.
        _ = PQsetNoticeProcessor(handle, { _, _ in }, nil)
        for statement in setup { _ = try run(statement, []) }
    }

    deinit {
        PQfinish(handle)
    }

    /// Runs `body` in one transaction, committed when it returns and rolled back when it throws, with no
    /// other caller on this connection meanwhile.
    func transaction<T>(_ body: (PostgresConnection) throws(StoreError) -> T) throws(StoreError) -> T {
        lock.lock()
        defer { lock.unlock() }
        try reconnectIfDropped()
        _ = try run("BEGIN", [])
        do {
            let result = try body(self)
            _ = try run("COMMIT", [])
            return result
        } catch {
            _ = try? run("ROLLBACK", [])
            throw error
        }
    }

    /// Runs one statement on its own (its own transaction).
    func execute(_ sql: String, _ parameters: [PostgresValue] = []) throws(StoreError) -> PostgresRows {
        lock.lock()
        defer { lock.unlock() }
        try reconnectIfDropped()
        return try run(sql, parameters)
    }

    /// Resets a dropped connection (the database restarted, say) and runs `setup` again.
    private func reconnectIfDropped() throws(StoreError) {
        guard PQstatus(handle) != CONNECTION_OK else { return }
        PQreset(handle)
        guard PQstatus(handle) == CONNECTION_OK else { throw .ioFailure("PostgreSQL: \(Self.lastError(of: handle))") }
        for statement in setup { _ = try run(statement, []) }
    }

    /// Runs one statement inside `transaction`'s body (the lock is already held).
    func run(_ sql: String, _ parameters: [PostgresValue]) throws(StoreError) -> PostgresRows {
        let encoded = parameters.map(\.wire)
        let result: OpaquePointer? = withParameterPointers(encoded) { values, lengths, formats in
            PQexecParams(handle, sql, Int32(encoded.count), nil, values, lengths, formats, 0)
        }
        guard let result else { throw .ioFailure("PostgreSQL: \(Self.lastError(of: handle))") }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
            return PostgresRows(result)
        default:
            let message = PQresultErrorMessage(result).map { String(cString: $0) } ?? "unknown error"
            throw .ioFailure("PostgreSQL: \(Self.oneLine(message))")
        }
    }

    private static func lastError(of handle: OpaquePointer) -> String {
        oneLine(PQerrorMessage(handle).map { String(cString: $0) } ?? "unknown error")
    }

    /// libpq's messages end in newlines and sometimes span lines; the user gets one.
    private static func oneLine(_ message: String) -> String {
        message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}

/// Hands libpq C pointers to each parameter's bytes, their lengths and formats (text 0, binary 1).
private func withParameterPointers<T>(
    _ parameters: [(bytes: [UInt8]?, binary: Bool)],
    _ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> T
) -> T {
    // Each parameter's bytes are copied once into a buffer of their own that lives until libpq returns;
    // text parameters get their terminating zero.
    let buffers: [UnsafeMutablePointer<CChar>?] = parameters.map { parameter in
        guard let bytes = parameter.bytes else { return nil }
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
        bytes.withUnsafeBytes { raw in
            for (index, byte) in raw.enumerated() { buffer[index] = CChar(bitPattern: byte) }
        }
        buffer[bytes.count] = 0
        return buffer
    }
    defer { buffers.forEach { $0?.deallocate() } }
    let values = buffers.map { UnsafePointer($0) }
    let lengths = parameters.map { Int32($0.bytes?.count ?? 0) }
    let formats = parameters.map { Int32($0.binary ? 1 : 0) }
    return values.withUnsafeBufferPointer { values in
        lengths.withUnsafeBufferPointer { lengths in
            formats.withUnsafeBufferPointer { formats in
                body(values.baseAddress, lengths.baseAddress, formats.baseAddress)
            }
        }
    }
}
