import ChatKitCore
import ChatKitTerminal
import Testing

@Suite("Colors")
struct ColorsTests {
    @Test("a nickname keeps its color, status lines are colored, and the words stay the same")
    func colors() {
        let chat = Colors.line(for: .chat(from: "x", text: "hello"))
        #expect(chat.hasPrefix(">>> \u{1B}["))
        #expect(chat.hasSuffix("x\u{1B}[0m: hello"))
        #expect(Colors.line(for: .chat(from: "x", text: "again")).prefix(12) == chat.prefix(12), "same nick, same color")
        let status = Colors.line(for: .delivered(to: "y"))
        #expect(status == ">>> \u{1B}[36m[Message received by <y>.]\u{1B}[0m")
        #expect(Colors.line(for: .exiting) == "[exiting]")
        // Without escape codes the colored line reads exactly as the plain one.
        let stripped = status.replacingOccurrences(of: "\u{1B}[36m", with: "").replacingOccurrences(of: "\u{1B}[0m", with: "")
        #expect(stripped == Notice.delivered(to: "y").line)
    }
}
