/// A promise of a plug-in contract (`TransportContract`, `StoreContract`) that a plug-in broke: which
/// clause, and what it expected. Contracts return these instead of failing a test themselves, so any
/// test framework can report them.
public struct ContractViolation: Error, Equatable, Sendable, CustomStringConvertible {
    /// The clause broken, in words.
    public let clause: String
    /// What was expected and not found.
    public let detail: String

    /// One line: the clause, then what went wrong.
    public var description: String { "\(clause): \(detail)" }
}

/// Runs one clause's checks: the first expectation that does not hold, or the first error thrown, ends
/// the clause as a violation.
struct ClauseCheck {
    let clause: String

    /// Throws a violation naming `what` unless `condition` holds.
    func expect(_ condition: @autoclosure () throws -> Bool, _ what: String) throws {
        guard try condition() else { throw ContractViolation(clause: clause, detail: "expected \(what)") }
    }

    /// Runs `body`, turning what it throws into the clause's violation.
    static func run(_ clause: String, _ body: (ClauseCheck) throws -> Void) -> ContractViolation? {
        do {
            try body(ClauseCheck(clause: clause))
            return nil
        } catch let violation as ContractViolation {
            return violation
        } catch {
            return ContractViolation(clause: clause, detail: "threw \(error)")
        }
    }
}
