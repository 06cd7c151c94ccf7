/// A statement parameter: text, an integer or bytes (sent binary, as `bytea`), or NULL.
enum PostgresValue {
    case text(String)
    case integer(Int64)
    case bytes([UInt8])
    case null

    /// The parameter as libpq takes it: its bytes (nil for NULL) and whether they are binary.
    var wire: (bytes: [UInt8]?, binary: Bool) {
        switch self {
        case .text(let text): (Array(text.utf8), false)
        case .integer(let value): (Array(String(value).utf8), false)
        case .bytes(let bytes): (bytes, true)
        case .null: (nil, false)
        }
    }

    /// Text, or NULL for nil.
    static func optionalText(_ text: String?) -> PostgresValue {
        text.map(PostgresValue.text) ?? .null
    }
}
