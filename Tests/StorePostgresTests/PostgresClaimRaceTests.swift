import ChatKitCore
import ChatKitTesting
import Dispatch
import StorePostgres
import Synchronization
import Testing

/// Two servers' connections claiming the same new nicks at the same instant: the database gives each
/// nick to exactly one key, and both sides learn the same one.
@Suite("PostgreSQL store: claims race", .enabled(if: PostgresCluster.isAvailable, Comment(rawValue: PostgresCluster.skipNote)))
struct PostgresClaimRaceTests {
    @Test("two connections claim 200 nicks at once: one key wins each, and both agree which")
    func oneKeyPerNick() throws {
        let uri = try PostgresCluster.shared.get().uri
        let schema = PostgresCluster.freshSchema()
        let stores = try (0..<2).map { _ in try PostgresStore(connecting: uri, schema: schema) }
        let nicks = (0..<200).map { "n\($0)" }
        let answers = Mutex<[[String: NickClaim]]>([[:], [:]])
        DispatchQueue.concurrentPerform(iterations: 2) { side in
            let key = [UInt8](repeating: UInt8(side + 1), count: 32)
            for nick in nicks {
                guard let claim = try? stores[side].claim(key, for: nick, atMicroseconds: 1) else { continue }
                answers.withLock { $0[side][nick] = claim }
            }
        }
        let (first, second) = answers.withLock { ($0[0], $0[1]) }
        #expect(first.count == 200 && second.count == 200)
        for nick in nicks {
            #expect([first[nick]?.isNew, second[nick]?.isNew].filter { $0 == true }.count == 1, "\(nick)")
            #expect(first[nick]?.pinned.key == second[nick]?.pinned.key, "\(nick)")
        }
    }
}
