import ChatKitCore
import Testing

@Suite("Timestamps")
struct TimestampTests {
    @Test("formats as the original program does, with microseconds")
    func originalFormat() {
        #expect(Timestamp.format(microseconds: 1_497_408_017_501_063) == "2017-06-14 02:40:17.501063")
        #expect(Timestamp.format(microseconds: 0) == "1970-01-01 00:00:00.000000")
        #expect(Timestamp.format(microseconds: -1) == "1969-12-31 23:59:59.999999")
        #expect(Timestamp.format(microseconds: 951_782_400_000_000) == "2000-02-29 00:00:00.000000")
    }

    @Test("applies the user's time zone")
    func timeZone() {
        #expect(Timestamp.format(microseconds: 1_497_408_017_501_063, utcOffsetSeconds: 2 * 3600) == "2017-06-14 04:40:17.501063")
        #expect(Timestamp.format(microseconds: 1_497_408_017_501_063, utcOffsetSeconds: -3 * 3600) == "2017-06-13 23:40:17.501063")
    }
}

@Suite("Nicknames and message text")
struct NicknameTests {
    @Test("valid nicknames, normalized to NFC", arguments: ["x", "c1", "Zoë", "用户", "../../x", "a/b", "..", "<y>"])
    func valid(_ nick: String) throws {
        #expect(try Nickname.normalized(nick) == nick)
    }

    @Test("decomposed input is normalized")
    func normalizes() throws {
        #expect(try Nickname.normalized("Zoe\u{308}") == "Zoë")
        #expect(!Nickname.isValidCanonical("Zoe\u{308}"))
        #expect(Nickname.isValidCanonical("Zoë"))
    }

    @Test("refused nicknames", arguments: ["", "a b", "tab\there", "new\nline", "bell\u{7}", "\u{200B}zero-width", String(repeating: "n", count: 33)])
    func invalid(_ nick: String) {
        #expect(throws: Nickname.Problem.self) { try Nickname.normalized(nick) }
    }

    @Test("32 characters is the longest nickname")
    func longest() throws {
        #expect(try Nickname.normalized(String(repeating: "\u{1F600}", count: 32)).unicodeScalars.count == 32)
    }

    @Test("message text: 1 to 640 bytes of UTF-8")
    func messageText() {
        #expect(throws: MessageText.Problem.empty) { try MessageText.validate("") }
        #expect(throws: Never.self) { try MessageText.validate(String(repeating: "é", count: 320)) }
        #expect(throws: MessageText.Problem.tooLong(bytes: 642)) { try MessageText.validate(String(repeating: "é", count: 321)) }
    }
}

@Suite("Command parsing")
struct CommandParsingTests {
    @Test("the commands and their arguments")
    func commands() {
        #expect(ClientCommand(parsing: "send y hello") == .send(to: "y", text: "hello"))
        #expect(ClientCommand(parsing: "send y hello 2") == .send(to: "y", text: "hello 2"))
        #expect(ClientCommand(parsing: "  send   y   spaced  out ") == .send(to: "y", text: "spaced  out "))
        #expect(ClientCommand(parsing: "reg x") == .register("x"))
        #expect(ClientCommand(parsing: "dereg x") == .deregister("x"))
        #expect(ClientCommand(parsing: "who") == .who(prefix: ""))
        #expect(ClientCommand(parsing: "who al") == .who(prefix: "al"))
        #expect(ClientCommand(parsing: "help") == .help)
        #expect(ClientCommand(parsing: "quit") == .quit)
        #expect(ClientCommand(parsing: "   ") == .nothing)
    }

    @Test("wrong forms name the right one")
    func wrongForms() {
        #expect(ClientCommand(parsing: "send") == .invalid("Usage: send <nick> <message>"))
        #expect(ClientCommand(parsing: "reg") == .register(""), "your own nick by default")
        #expect(ClientCommand(parsing: "reg x y") == .invalid("Usage: reg [your nick]"))
        #expect(ClientCommand(parsing: "Dereg") == .deregister(""))
        #expect(ClientCommand(parsing: "/msg y hi") == .send(to: "y", text: "hi"))
        #expect(ClientCommand(parsing: "/QUIT") == .quit)
    }
}

@Suite("Terminal safety")
struct TerminalSafeTests {
    @Test("escape sequences and line breaks from the network cannot reach the terminal")
    func controlCharacters() {
        let notice = Notice.chat(from: "x", text: "hi\u{1B}[2J\r\nfake: line\u{7}")
        #expect(notice.line == ">>> x: hi\u{FFFD}[2J\u{FFFD}\u{FFFD}fake: line\u{FFFD}")
        #expect(Notice.chat(from: "x", text: "plain héllo 用户").text == "x: plain héllo 用户")
    }
}

@Suite("Instants")
struct InstantTests {
    @Test("the earliest of a machine's deadlines ignores those not set")
    func earliest() {
        let (early, late) = (Instant(nanoseconds: 5), Instant(nanoseconds: 9))
        #expect(Instant.earliest(of: nil, nil, nil) == nil)
        #expect(Instant.earliest(nil, nil) == nil)
        #expect(Instant.earliest(of: late, nil, early) == early)
        #expect(Instant.earliest(nil, late) == late)
        #expect(Instant.earliest(early, early) == early)
        #expect(Instant.earliest(late, early) == early && Instant.earliest(early, nil) == early)
    }
}

@Suite("Random sources")
struct RandomSourceTests {
    @Test("the system source, drawn in blocks, gives no value twice across several blocks, and no zero")
    func systemSourceAcrossBlocks() {
        var random = RandomSource.system
        let values = (0..<2_000).map { _ in random.next() }
        #expect(Set(values).count == values.count)
        #expect(!values.contains(0))
        #expect((0..<100).map { _ in random.nextNonZero() }.allSatisfy { $0 != 0 })
    }
}
