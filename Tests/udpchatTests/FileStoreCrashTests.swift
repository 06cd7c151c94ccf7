import ChatKitCore
import ChatKitCrypto
import Foundation
import StoreFiles
import ChatKitTesting
import Testing

/// Promise 3: once the server has answered "saved", the message survives the server being killed at
/// any instant. A real `udpchat` server is fed saves over UDP and SIGKILLed at random moments; after
/// each kill, every message it acknowledged must be readable from its data folder.
@Suite("File store under SIGKILL", .serialized)
struct FileStoreCrashTests {
    @Test("every message answered 'saved' is on disk after a SIGKILL, in 20 rounds")
    func savedMessagesSurviveKill() throws {
        let folder = try TemporaryFolder()
        var random = RandomSource.seeded(3)
        var acknowledged: Set<UInt64> = []
        var nextID: UInt64 = 1_000
        // The same two users every round: their keys were pinned in the first.
        let recipientKey = try IdentityKey.generate()
        let senderKey = try IdentityKey.generate()
        for round in 0..<20 {
            let port = try BinaryEndToEndTests.freePorts(1)[0]
            let server = try RunningProcess(["-s", String(port), "--data-dir", folder.path])
            #expect(server.waitFor(line: "server port number: \(port)"))
            let address = Address(host: "127.0.0.1", port: port)

            // The recipient registers and goes offline; the sender registers.
            let recipient = try RawClient(server: address, key: recipientKey)
            let recipientToken = try #require(recipient.register("r", id: UInt64(round) * 10 + 1))
            _ = recipient.request(Packet(id: UInt64(round) * 10 + 2, message: .deregister(nick: "r", token: recipientToken)))
            let sender = try RawClient(server: address, key: senderKey)
            let token = try #require(sender.register("s", id: UInt64(round) * 10 + 3))

            // Saves stream in; the server is killed after a random number of them.
            let killAfter = 20 + Int(random.next() % 300)
            var sent: [UInt64] = []
            for index in 0..<killAfter {
                nextID += 1
                sent.append(nextID)
                let request = SaveRequest(token: token, recipient: "r", reason: .recipientOffline, text: "message \(nextID)")
                sender.send(Packet(id: nextID, message: .save(request)))
                if index % 25 == 0 { sender.received.wait(timeout: .milliseconds(2)) { _ in false } }
            }
            server.kill()
            #expect(server.waitForExit() != nil)

            let replies = sender.received.all.filter { packet in
                if case .saveReply(.saved, _) = packet.message { return true }
                return false
            }
            acknowledged.formUnion(replies.map(\.id))
            let stored = try FileStore(directory: folder.path).messages(for: "r")
            let storedIDs = Set(stored.map(\.key.id))
            let lost = acknowledged.subtracting(storedIDs)
            #expect(lost.isEmpty, "round \(round): acknowledged but not on disk: \(lost.sorted())")
            #expect(stored.count == storedIDs.count, "no message is stored twice")
            #expect(stored.allSatisfy { $0.text == "message \($0.key.id)" }, "what is read back is what was sent")
        }
        #expect(acknowledged.count > 100, "the kills did not all land before the first save")
    }
}
