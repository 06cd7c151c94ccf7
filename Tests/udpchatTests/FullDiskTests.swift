import ChatKitCore
import Foundation
import StoreFiles
import ChatKitTesting
import Testing

/// A refusal tells the truth: when the disk cannot take a batch of saves, none of it stays behind to be
/// delivered later. A real `udpchat` server runs with its files capped at 8 KiB (`ulimit -f`, so writes
/// fail with EFBIG as on a full disk), and bursts of saves run into the cap.
@Suite("Full disk", .serialized)
struct FullDiskTests {
    @Test("messages answered 'storage failed' are never stored; those answered 'saved' all are")
    func failedSavesLeaveNothing() throws {
        let folder = try TemporaryFolder()
        let port = try BinaryEndToEndTests.freePorts(1)[0]
        let command = "trap '' XFSZ; ulimit -f 8; exec '\(RunningProcess.udpchat.path)' -s \(port) --data-dir '\(folder.path)'"
        let server = try RunningProcess(["-c", command], executable: URL(fileURLWithPath: "/bin/bash"))
        #expect(server.waitFor(line: "server port number: \(port)"))
        let address = Address(host: "127.0.0.1", port: port)
        let recipient = try RawClient(server: address)
        let recipientToken = try #require(recipient.register("r", id: 1))
        _ = recipient.request(Packet(id: 2, message: .deregister(nick: "r", token: recipientToken)))
        let sender = try RawClient(server: address)
        let token = try #require(sender.register("s", id: 3))

        // Bursts of 8 saves of 300 bytes: the server commits each burst together, and the cap falls
        // inside one of them.
        var nextID: UInt64 = 100
        for _ in 0..<6 {
            for _ in 0..<8 {
                nextID += 1
                let text = "\(nextID) " + String(repeating: "m", count: 300)
                sender.send(Packet(id: nextID, message: .save(SaveRequest(token: token, recipient: "r", reason: .recipientOffline, text: text))))
            }
            _ = sender.received.wait(timeout: .milliseconds(300)) { _ in false }
        }
        _ = sender.received.wait(timeout: .seconds(2)) { packets in
            Set(packets.map(\.id)).isSuperset(of: 101...nextID)
        }
        var saved: Set<UInt64> = []
        var failed: Set<UInt64> = []
        for packet in sender.received.all {
            switch packet.message {
            case .saveReply(.saved, _): saved.insert(packet.id)
            case .saveReply(.storageFailed, _): failed.insert(packet.id)
            default: break
            }
        }
        server.kill()
        _ = server.waitForExit()
        #expect(!failed.isEmpty, "the cap was reached")
        #expect(saved.count > 5, "some saves fit under the cap")
        let stored = Set(try FileStore(directory: folder.path).messages(for: "r").map(\.key.id))
        #expect(stored == saved, "stored but answered 'failed': \(stored.intersection(failed).sorted())")
    }
}
