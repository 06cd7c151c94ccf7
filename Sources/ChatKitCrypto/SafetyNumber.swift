/// A safety number two people compare out of band to check the keys their clients pinned, computed as
/// Signal's numeric fingerprints are: per person, 5,200 rounds of SHA-512 over the public key and the
/// nick, cut into six 5-digit groups; the two halves are ordered, so both sides see the same 60 digits.
public enum SafetyNumber {
    /// Rounds of SHA-512 per half (Signal's count): cheap once, costly to search for a collision.
    public static let iterations = 5_200

    /// The 60 digits for the pair, in 12 groups of 5 separated by spaces; the same from either side.
    public static func digits(
        localNick: String, localKey: [UInt8], remoteNick: String, remoteKey: [UInt8]
    ) throws(CryptoError) -> String {
        let local = try half(nick: localNick, key: localKey)
        let remote = try half(nick: remoteNick, key: remoteKey)
        let ordered = local < remote ? local + remote : remote + local
        return stride(from: 0, to: ordered.count, by: 5).map { start in
            String(ordered[ordered.index(ordered.startIndex, offsetBy: start)..<ordered.index(ordered.startIndex, offsetBy: start + 5)])
        }.joined(separator: " ")
    }

    /// One person's 30 digits.
    static func half(nick: String, key: [UInt8]) throws(CryptoError) -> String {
        var hash = try Digest.sha512([0, 0] + key + Array(nick.utf8))
        for _ in 0..<iterations { hash = try Digest.sha512(hash + key) }
        return (0..<6).map { chunk in
            let value = hash[chunk * 5..<chunk * 5 + 5].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } % 100_000
            let text = String(value)
            return String(repeating: "0", count: 5 - text.count) + text
        }.joined()
    }
}
