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
        /// A combining mark that could hide on its letter (one with no accented form of it, or an
        /// enclosing mark), so the nickname could pass for another.
        case hiddenMark(Unicode.Scalar)

        public var description: String {
            switch self {
            case .empty: "a nickname cannot be empty"
            case .tooLong(let scalars): "a nickname has at most \(Nickname.maxScalars) characters, not \(scalars)"
            case .forbiddenCharacter(let scalar):
                "a nickname cannot contain \(String(format: "U+%04X", scalar.value)) (whitespace, control or unprintable)"
            case .hiddenMark(let scalar):
                "a nickname cannot put the mark \(String(format: "U+%04X", scalar.value)) on that letter (it would look like another nickname)"
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
        if let mark = hiddenMark(in: nick) { throw .hiddenMark(mark) }
        return nick
    }

    /// The first mark in `nick` (NFC) that renders as a barely visible change of another nickname: any
    /// enclosing mark, or a nonspacing mark left on a Latin, Greek, Cyrillic or Armenian letter (or a
    /// fullwidth form), where every accented letter in use has a precomposed form that NFC would have
    /// chosen (`x` + U+0301 is not `x`, yet shows as it). Other scripts combine marks as a rule (Hebrew
    /// points, Arabic vowels, Indic vowel signs), and keep them.
    static func hiddenMark(in nick: String) -> Unicode.Scalar? {
        var base: UInt32?
        for scalar in nick.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .enclosingMark:
                return scalar
            case .nonspacingMark:
                if let base, composesAsARule(base) { return scalar }
            default:
                base = scalar.value
            }
        }
        return nil
    }

    /// Latin, IPA, Greek, Cyrillic and Armenian (below U+0590), their extensions, and fullwidth forms.
    private static func composesAsARule(_ value: UInt32) -> Bool {
        value < 0x0590 || (0x1C80...0x1C8F).contains(value) || (0x1D00...0x1FFF).contains(value)
            || (0x2C60...0x2C7F).contains(value) || (0x2DE0...0x2DFF).contains(value) || (0xA640...0xA69F).contains(value)
            || (0xA720...0xA7FF).contains(value) || (0xAB30...0xAB6F).contains(value) || (0xFF00...0xFFEF).contains(value)
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
