import ChatKitCore
import Foundation

/// Turns a nickname into a file name that cannot leave the data folder.
///
/// ASCII letters, digits, `-` and `_` and every non-ASCII character stay as they are (readable names);
/// every other ASCII byte, `.` and `/` included, becomes `%XX`. So `..` is `%2E%2E` and `a/b` is
/// `a%2Fb`: no name can be a path, a dot file or the folder itself, and different nicknames give
/// different names. Canonically equivalent spellings (as Swift compares strings) share one file: the
/// name is made from the NFC form.
enum MailboxFileName {
    /// The suffix of mailbox files.
    static let suffix = ".mbox"
    /// Longest file name most Linux file systems accept.
    static let maxBytes = 255

    /// The file name of `nick` with `suffix` (a mailbox by default), or nil when it would be too long.
    static func encode(_ nick: String, suffix: String = suffix) -> String? {
        var name = ""
        for scalar in nick.precomposedStringWithCanonicalMapping.unicodeScalars {
            if scalar.isASCII {
                let byte = UInt8(scalar.value)
                if isKept(byte) {
                    name.unicodeScalars.append(scalar)
                } else {
                    name += "%" + hex(byte)
                }
            } else {
                name.unicodeScalars.append(scalar)
            }
        }
        name += suffix
        guard !nick.isEmpty, name.utf8.count <= maxBytes else { return nil }
        return name
    }

    /// The file name of what a client keeps per server and nickname (its key, its outbox).
    static func encode(server: Address, nick: String, suffix: String) -> String? {
        encode("\(server.host):\(server.port) \(nick)", suffix: suffix)
    }

    private static func isKept(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
