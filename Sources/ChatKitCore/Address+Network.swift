/// Which network an address belongs to, for limits that one host must not dodge by changing addresses:
/// an IPv4 host owns one address, an IPv6 host a whole /64.
extension Address {
    /// The source network this address counts against: the IPv4 address itself, or the /64 prefix of an
    /// IPv6 address (`2001:db8:1:2::/64`). IPv4-mapped IPv6 counts as its IPv4 address; other names as
    /// themselves.
    public var sourceNetwork: String {
        guard isIPv6Text else { return host }
        guard let groups = Self.ipv6Groups(host) else { return host.lowercased() }
        if groups[0..<5].allSatisfy({ $0 == 0 }), groups[5] == 0xFFFF {
            return "\(groups[6] >> 8).\(groups[6] & 0xFF).\(groups[7] >> 8).\(groups[7] & 0xFF)"
        }
        return groups[0..<4].map { String($0, radix: 16) }.joined(separator: ":") + "::/64"
    }

    /// True for 127.0.0.0/8, ::1 and IPv4-mapped loopback.
    public var isLoopback: Bool {
        guard isIPv6Text else { return host.hasPrefix("127.") }
        return sourceNetwork.hasPrefix("127.") || Self.ipv6Groups(host) == [0, 0, 0, 0, 0, 0, 0, 1]
    }

    /// Whether the host is written as IPv6 (it has a colon); a byte scan, on every save's path.
    private var isIPv6Text: Bool { host.utf8.contains(UInt8(ascii: ":")) }

    /// The eight 16-bit groups of an IPv6 address in text (with `::`, a zone or a dotted IPv4 tail), or
    /// nil when it is not one.
    static func ipv6Groups(_ text: String) -> [UInt16]? {
        let address = String(text.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false)[0])
        var halves = [address]
        if let gap = address.firstRange(of: "::") {
            halves = [String(address[..<gap.lowerBound]), String(address[gap.upperBound...])]
            guard halves[1].firstRange(of: "::") == nil else { return nil }
        }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains(".") {
                    let octets = piece.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
                    guard octets.count == 4 else { return nil }
                    result += [UInt16(octets[0]) << 8 | UInt16(octets[1]), UInt16(octets[2]) << 8 | UInt16(octets[3])]
                } else {
                    guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                    result.append(value)
                }
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 8 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
        return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
    }
}
