import ChatKitCore
import ChatKitRuntime
import ChatKitTesting
import Foundation
import TransportUDP

/// ChatKit itself over real UDP: two in-process clients and a server in a child process.
struct ChatBench {
    let server: ChildServer
    let x: ClientDriver
    let y: ClientDriver
    let xConsole: RecordingConsole
    let delivered = Waiter()
    let noAck = Waiter()
    let received = Waiter()

    /// The recipient's nickname.
    let recipient: String

    /// Two clients of `server`, `sender` and `recipient` (x and y by default); with `relayOnly`, the
    /// sender sends every chat through the server's relay.
    init(server: ChildServer, relayOnly: Bool = false, sender: String = "x", recipient: String = "y") throws {
        self.recipient = recipient
        self.server = server
        let yTables = Waiter()
        let yConsole = countingConsole([(">>> \(sender): ", received), (">>> [Client table updated.]", yTables)])
        y = ClientDriver(
            machine: ClientMachine(config: ClientConfig(nick: recipient, server: server.address)),
            transport: try UDPTransport(port: 0, host: "127.0.0.1"), console: yConsole, clock: SystemClock(), onExit: { _ in })
        y.start()
        let tablesBefore = yTables.value
        guard yTables.wait(for: 1, timeout: .seconds(5)) else { throw BenchError.timedOut("y registering") }
        let xTables = Waiter()
        xConsole = countingConsole([
            (">>> [Message received by <\(recipient)>.]", delivered), (">>> [No ACK", noAck), (">>> [Client table updated.]", xTables),
        ])
        var xConfig = ClientConfig(nick: sender, server: server.address)
        xConfig.relayOnly = relayOnly
        x = ClientDriver(
            machine: ClientMachine(config: xConfig),
            transport: try UDPTransport(port: 0, host: "127.0.0.1"), console: xConsole, clock: SystemClock(), onExit: { _ in })
        x.start()
        guard xTables.wait(for: 1, timeout: .seconds(5)), yTables.wait(for: tablesBefore + 2, timeout: .seconds(5)) else {
            throw BenchError.timedOut("x registering: x tables \(xTables.value), y tables \(yTables.value), before \(tablesBefore)")
        }
    }

    /// Time from typing `send y …` to `[Message received by <y>.]`, one message at a time.
    func latency(iterations: Int) throws -> Samples {
        var samples = Samples()
        for index in 0..<(iterations + 200) {
            let sample = try once(index)
            if index >= 200 { samples.add(sample) }
        }
        return samples
    }

    /// One message's send→ACK time.
    func once(_ index: Int) throws -> Duration {
        let before = delivered.value
        let start = ContinuousClock.now
        xConsole.type("send \(recipient) latency \(index)")
        guard delivered.wait(for: before + 1, timeout: .seconds(2)) else { throw BenchError.timedOut("ACK") }
        // Until the ACK was handled and shown, not until this thread woke up to look.
        return delivered.lastIncrement - start
    }

    /// Messages per second when `count` sends are piped in (`udpchat -c … < file`), each ACKed on its own.
    func pipelined(count: Int) throws -> (rate: Double, fellBack: Int) {
        let deliveredBefore = delivered.value
        let noAckBefore = noAck.value
        let start = ContinuousClock.now
        xConsole.pipe((0..<count).map { "send \(recipient) pipelined \($0)" })
        let target = deliveredBefore + count
        // The count is read once per turn: reading it again to wait for one more could miss the last
        // ACK between the two reads, and wait out the timeout with everything delivered (a run then
        // measured 18,000 messages/s). Short waits also notice a last message that fell back.
        var seen = delivered.value
        var progressed = ContinuousClock.now
        while seen + (noAck.value - noAckBefore) < target {
            if delivered.wait(for: seen + 1, timeout: .milliseconds(100)) {
                progressed = ContinuousClock.now
            } else if ContinuousClock.now - progressed > .seconds(5) {
                break
            }
            seen = delivered.value
        }
        let elapsed = ContinuousClock.now - start
        return (Double(delivered.value - deliveredBefore) / elapsed.seconds, noAck.value - noAckBefore)
    }
}
