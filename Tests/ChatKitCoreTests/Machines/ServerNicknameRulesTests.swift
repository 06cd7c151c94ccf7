@testable import ChatKitCore
import ChatKitCrypto
import Testing

/// Which nicknames a server lets be held: look-alikes are one nickname, and unused ones expire.
@Suite("Server nickname rules")
struct ServerNicknameRulesTests {
    typealias Harness = ServerMachineRulesTests.Harness

    static func outcome(_ replies: [(Packet, Address)]) -> RegisterOutcome? {
        guard case .registerReply(let outcome, _, _, _)? = replies.first?.0.message else { return nil }
        return outcome
    }

    @Test("x, X, Cyrillic х and fullwidth ｘ are one nickname: only the first holder gets it, and keeps it")
    func lookalikesAreOneNick() {
        var server = Harness()
        _ = server.register("x", at: ServerMachineRulesTests.x, id: 1)
        for (index, lookalike) in ["X", "\u{0445}", "\u{FF58}", "\u{0425}"].enumerated() {
            let replies = server.asks(for: lookalike, id: 10 + UInt64(index), from: ServerMachineRulesTests.y)
            #expect(Self.outcome(replies) == .lookalikeNick, "\(lookalike)")
        }
        #expect(server.machine.tableByNick.keys.sorted() == ["x"])
        // The holder itself comes back from elsewhere with its own key: still its nickname.
        #expect(Self.outcome(server.asks(for: "x", id: 20, from: ServerMachineRulesTests.newcomer)) != .lookalikeNick)
    }

    @Test("the PRECIS comparison folds case and width, and the skeleton folds confusable scripts")
    func comparisonKeys() {
        #expect(NicknameComparison.precisForm("ＡＬＩＣＥ") == "alice")
        #expect(NicknameComparison.key("x") == NicknameComparison.key("\u{0445}"))
        #expect(NicknameComparison.key("paypal") == NicknameComparison.key("\u{0440}\u{0430}y\u{0440}\u{0430}l"))
        #expect(NicknameComparison.key("rn") == NicknameComparison.key("m"))
        #expect(NicknameComparison.key("alice") != NicknameComparison.key("bob"))
        // The ASCII fast path gives what the full path gives.
        for nick in ["Il1", "rn", "m", "x", "X0O", "paypal", "a-b_c.d", "W", "vv", "{}|~"] {
            let full = String(String.UnicodeScalarView(nick.lowercased().decomposedStringWithCanonicalMapping.unicodeScalars.flatMap {
                Confusables.prototypes[$0.value] ?? [$0]
            })).decomposedStringWithCanonicalMapping
            #expect(NicknameComparison.key(nick) == full, "\(nick)")
        }
    }

    @Test("nicknames PRECIS disallows are refused: default-ignorable, noncharacters and conjoining jamo")
    func precisDisallowed() {
        let noncharacter = Unicode.Scalar(0xFDD0).map { "a" + String($0) } ?? ""
        for bad in ["a\u{00AD}b", noncharacter, "\u{1100}\u{1161}", "a\u{0640}b"] {
            #expect(!Nickname.isValidCanonical(bad), "\(bad.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        for good in ["Zoë", "名前", "ｘ", "a-b_c.d"] { #expect(Nickname.isValidCanonical(good), "\(good)") }
    }

    /// Nicknames that render as `x` (or `xy`) with a mark that hides on its letter, or a selector.
    static let markedLookalikes = [
        "x\u{0301}", "x\u{0310}", "x\u{0323}", "x\u{0346}", "x\u{0331}", "x\u{0338}", "\u{0445}\u{0301}", "\u{FF58}\u{0301}",
        "x\u{20DD}", "x\u{20E3}", "x\u{FE0F}", "x\u{FE00}", "x\u{E0100}", "x\u{034F}", "x\u{0301}\u{0301}", "x\u{0301}y",
    ]

    @Test("combining marks and selectors that leave a letter looking the same are refused, on the client and the server")
    func hiddenMarksAreRefused() {
        for bad in Self.markedLookalikes {
            #expect(!Nickname.isValidCanonical(bad), "\(bad.unicodeScalars.map { String($0.value, radix: 16) })")
            #expect(throws: Nickname.Problem.self) { try Nickname.normalized(bad) }
        }
        var server = Harness()
        _ = server.register("x", at: ServerMachineRulesTests.x, id: 1)
        for (index, lookalike) in Self.markedLookalikes.enumerated() {
            let outcome = Self.outcome(server.asks(for: lookalike, id: 10 + UInt64(index), from: ServerMachineRulesTests.y))
            #expect(outcome == .invalidNick, "\(lookalike.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        #expect(server.machine.tableByNick.keys.sorted() == ["x"])
        // Accented letters in their precomposed form, and scripts that combine marks as a rule, stay.
        for good in ["e\u{0301}", "Zoë", "ẋ", "\u{05E9}\u{05C1}", "\u{0915}\u{093F}", "\u{0628}\u{064E}"] {
            #expect(Nickname.isValidCanonical((try? Nickname.normalized(good)) ?? ""), "\(good)")
        }
    }

    @Test("a nickname unused for the nick lifetime expires with its key and row; another key may then take it")
    func unusedNicksExpire() {
        var server = Harness { $0.nickLifetime = .seconds(180 * 86_400) }
        server.wallClock = 1_700_000_000_000_000
        let token = server.register("x", at: ServerMachineRulesTests.x, id: 1)
        _ = server.receive(.deregister(nick: "x", token: token), id: 2, from: ServerMachineRulesTests.x)
        server.wallClock += 179 * 86_400 * 1_000_000
        _ = server.register("y", at: ServerMachineRulesTests.y, id: 3)
        #expect(server.machine.tableByNick["x"] != nil, "179 days: kept")
        server.wallClock += 2 * 86_400 * 1_000_000
        let effects = server.machine.handle(.tick, at: server.now, wallClockMicroseconds: server.wallClock)
        #expect(effects.contains(.forgetNick(nick: "x")))
        #expect(!effects.contains(.forgetNick(nick: "y")), "online nicknames are in use")
        #expect(server.machine.tableByNick["x"] == nil)
        server.keys["x"] = nil  // a new owner, a new key
        #expect(Self.outcome(server.asks(for: "x", id: 4, from: ServerMachineRulesTests.newcomer)) == .registered)
    }

    @Test("in a group, a nick its owner uses at another server does not expire here")
    func usedElsewhereDoesNotExpire() {
        let day: Int64 = 86_400 * 1_000_000
        var server = Harness { config in
            config.nickLifetime = .seconds(180 * 86_400)
            config.sharesStore = true
            config.listing = ServerListing(host: "", port: 6000, key: [UInt8](repeating: 1, count: 32))
        }
        server.wallClock = 1_700_000_000_000_000
        server.machine.restorePins(["x": PinnedKey(key: [UInt8](repeating: 7, count: 32), lastUsedMicroseconds: server.wallClock)])
        server.wallClock += 179 * day
        let elsewhere = PresenceRow(nick: "x", address: ServerMachineRulesTests.x, online: false, serverKey: [UInt8](repeating: 2, count: 32))
        _ = server.machine.handle(.groupNews(GroupNews(presence: [elsewhere])), at: server.now, wallClockMicroseconds: server.wallClock)
        server.wallClock += 2 * day
        #expect(!server.machine.handle(.tick, at: server.now, wallClockMicroseconds: server.wallClock).contains(.forgetNick(nick: "x")))
        server.wallClock += 180 * day
        #expect(server.machine.handle(.tick, at: server.now, wallClockMicroseconds: server.wallClock).contains(.forgetNick(nick: "x")))
    }
}
