import Foundation

/// The rules for nicknames: 1–32 Unicode characters (scalars), printable, no whitespace or control
/// characters, in Unicode Normalization Form C. Both client and server check them.
public enum Nickname {
    /// The most Unicode scalars a nickname may have; it keeps every message under the datagram limit.
    public static let maxScalars = 32

    /// Why a nickname was refused.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        /// Nothing at all.
        case empty
        /// More than 32 characters.
        case tooLong(scalars: Int)
        /// Whitespace, a control character or an unprintable one.
        case forbiddenCharacter(Unicode.Scalar)

        public var description: String {
            switch self {
            case .empty: "a nickname cannot be empty"
            case .tooLong(let scalars): "a nickname has at most \(Nickname.maxScalars) characters, not \(scalars)"
            case .forbiddenCharacter(let scalar):
                "a nickname cannot contain \(String(format: "U+%04X", scalar.value)) (whitespace, control or unprintable)"
            }
        }
    }

    /// The nickname in canonical form (NFC) if it obeys the rules.
    public static func normalized(_ raw: String) throws(Problem) -> String {
        let nick = raw.precomposedStringWithCanonicalMapping
        let count = nick.unicodeScalars.count
        guard count > 0 else { throw .empty }
        guard count <= maxScalars else { throw .tooLong(scalars: count) }
        if let bad = nick.unicodeScalars.first(where: { !isAllowed($0) }) { throw .forbiddenCharacter(bad) }
        return nick
    }

    /// True when `nick` is already a valid nickname in canonical form, as the server requires on the wire.
    public static func isValidCanonical(_ nick: String) -> Bool {
        guard let canonical = try? normalized(nick) else { return false }
        // Swift's == is canonical equivalence; the wire form must be NFC scalar for scalar.
        return canonical.unicodeScalars.elementsEqual(nick.unicodeScalars)
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.properties.isWhitespace { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator,
            .spaceSeparator:
            return false
        default:
            return true
        }
    }
}
