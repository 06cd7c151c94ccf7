/// The rules for chat message text.
public enum MessageText {
    /// The most UTF-8 bytes one message may have; longer messages are refused, never cut.
    public static let maxBytes = 1_000

    /// Why a message text was refused.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        /// Nothing at all.
        case empty
        /// More than 1,000 bytes of UTF-8.
        case tooLong(bytes: Int)

        public var description: String {
            switch self {
            case .empty: "a message cannot be empty"
            case .tooLong(let bytes): "a message has at most \(MessageText.maxBytes) bytes, this one has \(bytes)"
            }
        }
    }

    /// Checks a message text against the rules.
    public static func validate(_ text: String) throws(Problem) {
        let bytes = text.utf8.count
        guard bytes > 0 else { throw .empty }
        guard bytes <= maxBytes else { throw .tooLong(bytes: bytes) }
    }
}
