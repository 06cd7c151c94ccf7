import ChatKitCore

/// The convergence promise, checked over the clients' and the server's tables: once faults stop, every
/// settled client's held rows equal the server's within `limit` (liveness, checked at every step of the
/// settling), and at the end every client's table is the server's.
public struct ConvergenceChecker: Sendable {
    /// A broken promise, named by its class.
    public enum Failure: Equatable, Sendable, CustomStringConvertible {
        /// A client's rows differed from the server's for longer than the limit after faults stopped.
        case diverged(client: String, limit: Duration, held: [TableEntry], server: [TableEntry])
        /// At the end, a client's table was not the server's.
        case notConverged(client: String, held: [TableEntry], server: [TableEntry])

        public var description: String {
            switch self {
            case .diverged(let client, let limit, let held, let server):
                "convergence: \(client)'s rows differed from the server's for over \(limit) after faults stopped: \(held) vs \(server)"
            case .notConverged(let client, let held, let server):
                "convergence: \(client)'s table did not converge: \(held) vs the server's \(server)"
            }
        }
    }

    /// How long a client's rows may differ from the server's once faults stop.
    public let limit: Duration
    public private(set) var failures: [Failure] = []
    private var divergingSince: [String: Instant] = [:]

    /// A checker allowing `limit` for convergence.
    public init(limit: Duration) {
        self.limit = limit
    }

    /// At `now`, `client` holds `held`, and should hold the server's rows named `expected` (nil: it is not
    /// settled, or not the holder the server knows, and is not judged).
    public mutating func observe(
        _ client: String, held: [String: TableEntry], expected: Set<String>?, server: [String: TableEntry], at now: Instant
    ) {
        guard let expected else {
            divergingSince[client] = nil
            return
        }
        let agrees = Set(held.keys) == expected && expected.allSatisfy { held[$0] == server[$0] }
        if agrees {
            divergingSince[client] = nil
        } else if let since = divergingSince[client] {
            guard now - since > limit else { return }
            failures.append(
                .diverged(
                    client: client, limit: limit, held: held.values.sorted { $0.nick < $1.nick },
                    server: expected.sorted().compactMap { server[$0] }))
            divergingSince[client] = now
        } else {
            divergingSince[client] = now
        }
    }

    /// At the end: `client`'s whole table must be the server's.
    public mutating func finish(_ client: String, table: [TableEntry], server: [TableEntry]) {
        if table != server { failures.append(.notConverged(client: client, held: table, server: server)) }
    }
}
