import ChatKitCore
import Foundation
import Testing
import ChatKitTesting
import TransportUDP
import TransportUnix

/// Two endpoints of one kind of transport, and how to let their datagrams travel.
struct TransportPair {
    let a: any Transport
    let b: any Transport
    /// Lets time pass: the virtual clock for the loopback network, nothing for real sockets.
    let pump: () -> Void
    let keepAlive: AnyObject?
}

/// A way to make a pair of endpoints of one transport.
struct TransportFactory: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable () throws -> TransportPair

    var testDescription: String { name }

    static let udp = TransportFactory(name: "UDP") {
        TransportPair(
            a: try UDPTransport(port: 0, host: "127.0.0.1"), b: try UDPTransport(port: 0, host: "127.0.0.1"), pump: {},
            keepAlive: nil)
    }

    static let loopback = TransportFactory(name: "loopback") {
        let clock = VirtualClock()
        let network = LoopbackNetwork(clock: clock)
        return TransportPair(
            a: network.bind(Address(host: "a", port: 1)), b: network.bind(Address(host: "b", port: 2)),
            pump: { clock.advance(by: .milliseconds(10)) }, keepAlive: network)
    }

    static let unix = TransportFactory(name: "Unix") {
        let folder = try TemporaryFolder()
        return TransportPair(
            a: try UnixDatagramTransport(path: folder.path + "/a.sock"), b: try UnixDatagramTransport(path: folder.path + "/b.sock"),
            pump: {}, keepAlive: folder)
    }

    static let all = [udp, loopback, unix]
}

/// What every transport must do, checked the same way for each.
@Suite("Transport contract")
struct TransportContractTests {
    @Test("a datagram arrives intact, with the sender's address as its source", arguments: TransportFactory.all)
    func delivers(_ factory: TransportFactory) throws {
        let pair = try factory.make()
        defer { pair.a.close(); pair.b.close() }
        let inbox = Inbox<Datagram>()
        pair.b.startReceiving { inbox.append($0) }
        pair.a.send([1, 2, 3], to: pair.b.localAddress)
        pair.pump()
        #expect(inbox.wait { $0.count == 1 })
        #expect(inbox.all.first == Datagram(bytes: [1, 2, 3], source: pair.a.localAddress))
    }

    @Test("a reply sent to a datagram's source comes back", arguments: TransportFactory.all)
    func replies(_ factory: TransportFactory) throws {
        let pair = try factory.make()
        defer { pair.a.close(); pair.b.close() }
        let b = pair.b
        b.startReceiving { b.send($0.bytes.reversed(), to: $0.source) }
        let inbox = Inbox<Datagram>()
        pair.a.startReceiving { inbox.append($0) }
        pair.a.send([1, 2], to: pair.b.localAddress)
        pair.pump()
        pair.pump()
        #expect(inbox.wait { $0.count == 1 })
        #expect(inbox.all.first?.bytes == [2, 1])
    }

    @Test("a burst arrives whole through the batch interface; 1,200 bytes passes, 1,201 does not", arguments: TransportFactory.all)
    func bursts(_ factory: TransportFactory) throws {
        let pair = try factory.make()
        defer { pair.a.close(); pair.b.close() }
        let inbox = Inbox<Datagram>()
        pair.b.startReceivingBatches { $0.forEach(inbox.append) }
        for index in 0..<50 { pair.a.send([UInt8(index)], to: pair.b.localAddress) }
        pair.a.send([UInt8](repeating: 9, count: 1_201), to: pair.b.localAddress)
        pair.a.send([UInt8](repeating: 7, count: 1_200), to: pair.b.localAddress)
        pair.pump()
        #expect(inbox.wait { $0.count == 51 })
        #expect(Set(inbox.all.filter { $0.bytes.count == 1 }.map { $0.bytes[0] }) == Set(0..<50))
        #expect(inbox.all.contains { $0.bytes.count == 1_200 })
        #expect(!inbox.all.contains { $0.bytes.count > 1_200 })
    }

    @Test("after close nothing more is delivered, and sending is harmless", arguments: TransportFactory.all)
    func close(_ factory: TransportFactory) throws {
        let pair = try factory.make()
        defer { pair.a.close() }
        let inbox = Inbox<Datagram>()
        pair.b.startReceiving { inbox.append($0) }
        pair.b.close()
        pair.a.send([1], to: pair.b.localAddress)
        pair.b.send([2], to: pair.a.localAddress)
        pair.pump()
        #expect(!inbox.wait(timeout: .milliseconds(200)) { !$0.isEmpty })
    }
}
