/// Which addresses can be host candidates: those only a local network reaches.
extension Address {
    /// True for loopback, private (RFC 1918, RFC 4193), shared (RFC 6598) and link-local IP addresses.
    /// The server passes on only such candidates, so a client cannot have peers send to a public victim
    /// (public addresses come from what the server itself observes).
    public var isLocalNetwork: Bool {
        if host.contains(":") {
            let lower = host.lowercased()
            return lower == "::1" || lower.hasPrefix("fc") || lower.hasPrefix("fd") || lower.hasPrefix("fe8")
                || lower.hasPrefix("fe9") || lower.hasPrefix("fea") || lower.hasPrefix("feb")
        }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
        guard parts.count == 4 else { return false }
        switch (parts[0], parts[1]) {
        case (10, _), (127, _), (192, 168), (169, 254): return true
        case (172, 16...31): return true
        case (100, 64...127): return true
        default: return false
        }
    }
}
