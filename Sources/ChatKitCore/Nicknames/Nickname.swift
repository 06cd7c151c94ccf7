import Foundation

/// The rules for nicknames: 1–32 Unicode characters (scalars) of PRECIS's FreeformClass without spaces
/// (so no whitespace, control, format or unassigned characters), in Unicode Normalization Form C. Both
/// client and server check them; `NicknameComparison` says when two nicknames are one.
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
        // Printable ASCII is NFC already and allowed: most nicknames need no normalization to check.
        let utf8 = nick.utf8
        if !utf8.isEmpty, utf8.count <= maxScalars, utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) { return true }
        guard let canonical = try? normalized(nick) else { return false }
        // Swift's == is canonical equivalence; the wire form must be NFC scalar for scalar.
        return canonical.unicodeScalars.elementsEqual(nick.unicodeScalars)
    }

    /// PRECIS's FreeformClass (RFC 8264 §4.3), made stricter: no spaces, and none of RFC 5892's
    /// contextual characters except the Arabic-Indic digits (their context rules are not applied).
    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        if properties.isWhitespace || properties.isDefaultIgnorableCodePoint || properties.isNoncharacterCodePoint {
            return false
        }
        if isOldHangulJamo(scalar.value) || refusedExceptions.contains(scalar.value) { return false }
        switch properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator,
            .spaceSeparator:
            return false
        default:
            return true
        }
    }

    /// RFC 5892 §2.6's DISALLOWED exceptions, and its CONTEXTO characters other than digits.
    private static let refusedExceptions: Set<UInt32> = [
        0x0640, 0x07FA, 0x302E, 0x302F, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x303B,
        0x00B7, 0x0375, 0x05F3, 0x05F4, 0x30FB,
    ]

    /// Conjoining jamo (Hangul_Syllable_Type L, V or T), which PRECIS disallows as OldHangulJamo.
    private static func isOldHangulJamo(_ value: UInt32) -> Bool {
        (0x1100...0x11FF).contains(value) || (0xA960...0xA97F).contains(value) || (0xD7B0...0xD7FF).contains(value)
    }
}
