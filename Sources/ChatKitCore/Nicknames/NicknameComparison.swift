import Foundation

/// How the server tells whether two nicknames are one: the PRECIS nickname profile's comparison (RFC 8266)
/// and, on top, Unicode's confusable skeleton (UTS #39), so `x`, `X`, Cyrillic `х` and fullwidth `ｘ` are
/// one nickname that only one client can hold.
public enum NicknameComparison {
    /// RFC 8266 §2.4: case-mapped (Unicode toLowerCase) and NFKC-normalized, repeated until it no longer
    /// changes (the profile is not idempotent in one pass). Nicknames hold no spaces, so the profile's
    /// space mapping has nothing to do.
    public static func precisForm(_ nick: String) -> String {
        var current = nick
        for _ in 0..<4 {
            let next = current.lowercased().precomposedStringWithCompatibilityMapping
            if next.unicodeScalars.elementsEqual(current.unicodeScalars) { break }
            current = next
        }
        return current
    }

    /// UTS #39 §4's skeleton of the PRECIS form: NFD, each code point replaced by its confusables.txt
    /// prototype, then NFD again. Two nicknames with one key look alike.
    public static func key(_ nick: String) -> String {
        if let ascii = asciiKey(nick) { return ascii }
        let decomposed = precisForm(nick).decomposedStringWithCanonicalMapping
        var mapped = String.UnicodeScalarView()
        for scalar in decomposed.unicodeScalars {
            if let prototype = Confusables.prototypes[scalar.value] {
                mapped.append(contentsOf: prototype)
            } else {
                mapped.append(scalar)
            }
        }
        return String(mapped).decomposedStringWithCanonicalMapping
    }
}

extension NicknameComparison {
    /// The key of an ASCII nickname without Foundation's normalizations, which leave ASCII as it is:
    /// lowercase, then each character's prototype. Nil when the nickname, or a prototype, is not ASCII.
    static func asciiKey(_ nick: String) -> String? {
        guard nick.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        var mapped = String.UnicodeScalarView()
        for byte in nick.utf8 {
            let lower = byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
            if let prototype = Confusables.prototypes[UInt32(lower)] {
                guard prototype.allSatisfy(\.isASCII) else { return nil }
                mapped.append(contentsOf: prototype)
            } else {
                mapped.append(Unicode.Scalar(lower))
            }
        }
        return String(mapped)
    }
}

/// The confusables table, parsed once from the generated `ConfusablesData`.
enum Confusables {
    static let prototypes: [UInt32: [Unicode.Scalar]] = {
        var table: [UInt32: [Unicode.Scalar]] = [:]
        table.reserveCapacity(6_400)
        for line in ConfusablesData.mappings.split(separator: "\n") {
            let fields = line.split(separator: " ").compactMap { UInt32($0, radix: 16) }
            guard let source = fields.first else { continue }
            table[source] = fields.dropFirst().compactMap(Unicode.Scalar.init)
        }
        return table
    }()
}
