import Foundation
import ChatKitTesting
import Testing

/// The generated look-alike table can be made again from the repository alone: the committed input
/// (scripts/unicode-data/<version>/confusables.txt) and the generator give the committed Swift, byte
/// for byte.
@Suite("Unicode data is reproducible")
struct ConfusablesDataTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test("scripts/generate-confusables.py on the committed confusables.txt makes ConfusablesData.swift as committed",
        .enabled(if: python != nil, "python3 is not installed: the Unicode table is not regenerated"))
    func regenerates() throws {
        let folder = try TemporaryFolder()
        let output = folder.path + "/ConfusablesData.swift"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python ?? "/usr/bin/python3")
        process.arguments = [Self.root.appendingPathComponent("scripts/generate-confusables.py").path, "--output", output]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let made = try Data(contentsOf: URL(fileURLWithPath: output))
        let committed = try Data(contentsOf: Self.root.appendingPathComponent("Sources/ChatKitCore/Nicknames/ConfusablesData.swift"))
        #expect(made == committed, "run scripts/generate-confusables.py, or commit the input it was made from")
    }
}
