import CLibPQ
import ChatKitCore

/// A statement's result rows, copied out of libpq's result in text format, with typed readers that
/// throw a clear error when a column is not what the schema promises.
struct PostgresRows {
    /// Each row's columns; nil is NULL.
    let rows: [[String?]]

    init(_ result: OpaquePointer) {
        let (count, columns) = (PQntuples(result), PQnfields(result))
        rows = (0..<count).map { row in
            (0..<columns).map { column in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            }
        }
    }

    /// Column `column` of `row` as text.
    static func text(_ row: [String?], _ column: Int) throws(StoreError) -> String {
        guard column < row.count, let value = row[column] else { throw .ioFailure("PostgreSQL: column \(column) is NULL") }
        return value
    }

    /// Column `column` of `row` as an integer.
    static func integer(_ row: [String?], _ column: Int) throws(StoreError) -> Int64 {
        guard let value = Int64(try text(row, column)) else { throw .ioFailure("PostgreSQL: column \(column) is not an integer") }
        return value
    }

    /// Column `column` of `row` as `bytea` bytes (text format: `\x` then hex), or nil for NULL.
    static func optionalBytes(_ row: [String?], _ column: Int) throws(StoreError) -> [UInt8]? {
        guard column < row.count, let value = row[column] else { return nil }
        let hex = Array(value.utf8)
        guard hex.count >= 2, hex[0] == UInt8(ascii: "\\"), hex[1] == UInt8(ascii: "x"), hex.count % 2 == 0 else {
            throw .ioFailure("PostgreSQL: column \(column) is not bytea in hex")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2 - 1)
        var index = 2
        while index < hex.count {
            guard let high = nibble(hex[index]), let low = nibble(hex[index + 1]) else {
                throw .ioFailure("PostgreSQL: column \(column) is not bytea in hex")
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    /// Column `column` of `row` as `bytea` bytes.
    static func bytes(_ row: [String?], _ column: Int) throws(StoreError) -> [UInt8] {
        guard let bytes = try optionalBytes(row, column) else { throw .ioFailure("PostgreSQL: column \(column) is NULL") }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
