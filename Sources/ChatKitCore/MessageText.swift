/// The rules for chat message text.
public enum MessageText {
    /// The most UTF-8 bytes one message may have; longer messages are refused, never cut. Sealed for the
    /// server (`Letter`, in base64) with the longest nicks, it still fits one stored-message datagram.
    public static let maxBytes = 640
    /// The most bytes the server accepts as a message's text: a sealed letter of `maxBytes`, in base64.
    public static let maxLetterBytes = 1_028

    /// Why a message text was refused.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        /// Nothing at all.
        case empty
        /// More than `maxBytes` bytes of UTF-8.
        case tooLong(bytes: Int)

        public var description: String {
            switch self {
            case .empty: "a message cannot be empty"
            case .tooLong(let bytes): "a message has at most \(MessageText.maxBytes) bytes, this one has \(bytes)"
            }
        }
    }

    /// Checks what the server is asked to keep or relay: a letter, not empty and at most `maxLetterBytes`.
    public static func validateLetter(_ letter: String) throws(Problem) {
        let bytes = letter.utf8.count
        guard bytes > 0 else { throw .empty }
        guard bytes <= maxLetterBytes else { throw .tooLong(bytes: bytes) }
    }

    /// Checks a message text against the rules.
    public static func validate(_ text: String) throws(Problem) {
        let bytes = text.utf8.count
        guard bytes > 0 else { throw .empty }
        guard bytes <= maxBytes else { throw .tooLong(bytes: bytes) }
    }
}
