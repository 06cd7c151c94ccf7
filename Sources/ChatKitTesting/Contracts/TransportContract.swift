import ChatKitCore

/// The `Transport` contract, as clauses an embedder's own tests can run against its own transport: every
/// transport in this package passes them, and so must a new one (see docs/EXTENDING.md).
public enum TransportContract {
    /// Two endpoints of one kind of transport, and how to let their datagrams travel.
    public struct Subject: Sendable {
        /// One endpoint.
        public let a: any Transport
        /// The other.
        public let b: any Transport
        /// Lets time pass: a virtual clock's advance for a simulated network, nothing for real sockets.
        public let pump: @Sendable () -> Void
        /// Whatever must outlive the check (a simulated network, a temporary folder).
        public let keepAlive: (any Sendable)?

        /// A subject for the contract.
        public init(a: any Transport, b: any Transport, pump: @escaping @Sendable () -> Void = {}, keepAlive: (any Sendable)? = nil) {
            self.a = a
            self.b = b
            self.pump = pump
            self.keepAlive = keepAlive
        }
    }

    /// The promises every transport keeps, each checked on a fresh pair.
    public enum Clause: String, CaseIterable, Sendable, CustomStringConvertible {
        case delivers = "a datagram arrives intact, with the sender's address as its source"
        case replies = "a reply sent to a datagram's source comes back"
        case bursts = "a burst arrives whole through the batch interface; 1,200 bytes passes, 1,201 does not"
        case close = "after close nothing more is delivered, and sending is harmless"

        /// The clause in words.
        public var description: String { rawValue }
    }

    /// Checks `clause` on a fresh pair from `make`, waiting up to `timeout` for datagrams; nil when it holds.
    public static func check(_ clause: Clause, on make: () throws -> Subject, timeout: Duration = .seconds(10)) -> ContractViolation? {
        ClauseCheck.run(clause.rawValue) { check in
            let pair = try make()
            defer {
                pair.a.close()
                pair.b.close()
                withExtendedLifetime(pair) {}
            }
            switch clause {
            case .delivers: try delivers(pair, check, timeout)
            case .replies: try replies(pair, check, timeout)
            case .bursts: try bursts(pair, check, timeout)
            case .close: try closes(pair, check)
            }
        }
    }

    /// Every clause, each on a fresh pair from `make`: the violations, empty when the transport keeps the contract.
    public static func violations(of make: () throws -> Subject) -> [ContractViolation] {
        Clause.allCases.compactMap { check($0, on: make) }
    }

    private static func delivers(_ pair: Subject, _ check: ClauseCheck, _ timeout: Duration) throws {
        let inbox = Inbox<Datagram>()
        pair.b.startReceiving { inbox.append($0) }
        pair.a.send([1, 2, 3], to: pair.b.localAddress)
        pair.pump()
        try check.expect(inbox.wait(timeout: timeout) { $0.count == 1 }, "one datagram to arrive")
        try check.expect(inbox.all.first == Datagram(bytes: [1, 2, 3], source: pair.a.localAddress), "bytes [1, 2, 3] from a's address")
    }

    private static func replies(_ pair: Subject, _ check: ClauseCheck, _ timeout: Duration) throws {
        let b = pair.b
        b.startReceiving { b.send($0.bytes.reversed(), to: $0.source) }
        let inbox = Inbox<Datagram>()
        pair.a.startReceiving { inbox.append($0) }
        pair.a.send([1, 2], to: pair.b.localAddress)
        pair.pump()
        pair.pump()
        try check.expect(inbox.wait(timeout: timeout) { $0.count == 1 }, "the reply to arrive")
        try check.expect(inbox.all.first?.bytes == [2, 1], "the reply's bytes [2, 1]")
    }

    private static func bursts(_ pair: Subject, _ check: ClauseCheck, _ timeout: Duration) throws {
        let inbox = Inbox<Datagram>()
        pair.b.startReceivingBatches { $0.forEach(inbox.append) }
        for index in 0..<50 { pair.a.send([UInt8(index)], to: pair.b.localAddress) }
        pair.a.send([UInt8](repeating: 9, count: 1_201), to: pair.b.localAddress)
        pair.a.send([UInt8](repeating: 7, count: 1_200), to: pair.b.localAddress)
        pair.pump()
        try check.expect(inbox.wait(timeout: timeout) { $0.count == 51 }, "51 datagrams to arrive")
        try check.expect(Set(inbox.all.filter { $0.bytes.count == 1 }.map { $0.bytes[0] }) == Set(0..<50), "each of the 50 small ones")
        try check.expect(inbox.all.contains { $0.bytes.count == 1_200 }, "the 1,200-byte datagram")
        try check.expect(!inbox.all.contains { $0.bytes.count > 1_200 }, "nothing over 1,200 bytes")
    }

    private static func closes(_ pair: Subject, _ check: ClauseCheck) throws {
        let inbox = Inbox<Datagram>()
        pair.b.startReceiving { inbox.append($0) }
        pair.b.close()
        pair.a.send([1], to: pair.b.localAddress)
        pair.b.send([2], to: pair.a.localAddress)
        pair.pump()
        try check.expect(!inbox.wait(timeout: .milliseconds(200)) { !$0.isEmpty }, "nothing delivered after close")
    }
}
