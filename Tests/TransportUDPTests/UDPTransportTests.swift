import ChatKitCore
import ChatKitTesting
import Testing
import TransportUDP

@Suite("UDP transport")
struct UDPTransportTests {
    @Test("two IPv4 sockets on ephemeral ports exchange a datagram, with the right source address")
    func ipv4() throws {
        let a = try UDPTransport(port: 0, host: "127.0.0.1")
        let b = try UDPTransport(port: 0, host: "127.0.0.1")
        defer { a.close(); b.close() }
        #expect(a.localAddress.port != 0)
        let inbox = Inbox<Datagram>()
        b.startReceiving { inbox.append($0) }
        a.send([1, 2, 3], to: b.localAddress)
        #expect(inbox.wait { $0.count == 1 })
        #expect(inbox.all.first == Datagram(bytes: [1, 2, 3], source: a.localAddress))
    }

    @Test("a batch of 300 datagrams, some to two peers and some unroutable, goes out with sendmmsg and arrives in order")
    func batches() throws {
        let a = try UDPTransport(port: 0, host: "127.0.0.1")
        let b = try UDPTransport(port: 0, host: "127.0.0.1")
        let c = try UDPTransport(port: 0, host: "127.0.0.1")
        defer { a.close(); b.close(); c.close() }
        let atB = Inbox<Datagram>()
        let atC = Inbox<Datagram>()
        let batchSizes = Inbox<Int>()
        b.startReceivingBatches { batch in
            batchSizes.append(batch.count)
            batch.forEach(atB.append)
        }
        c.startReceiving { atC.append($0) }
        var outgoing: [OutgoingDatagram] = []
        for index in 0..<300 {
            let payload = [UInt8(index % 256), UInt8(index / 256)] + [UInt8](repeating: 9, count: index % 50)
            let destination = index % 3 == 2 ? c.localAddress : b.localAddress
            outgoing.append(OutgoingDatagram(bytes: payload, destination: destination))
            if index % 100 == 50 { outgoing.append(OutgoingDatagram(bytes: [0], destination: Address(host: "not an address", port: 1))) }
        }
        a.send(outgoing)
        #expect(atB.wait { $0.count == 200 })
        #expect(atC.wait { $0.count == 100 })
        let sent = outgoing.filter { $0.destination != Address(host: "not an address", port: 1) }
        #expect(atB.all.map(\.bytes) == sent.filter { $0.destination == b.localAddress }.map(\.bytes))
        #expect(atC.all.map(\.bytes) == sent.filter { $0.destination == c.localAddress }.map(\.bytes))
        #expect(atB.all.allSatisfy { $0.source == a.localAddress })
        #expect(a.statistics.failedSends == 3)
        #expect(batchSizes.all.allSatisfy { $0 <= 64 })
    }

    @Test("the default dual-stack socket serves IPv4 peers and reports them as plain IPv4")
    func dualStack() throws {
        let server = try UDPTransport(port: 0)
        let client = try UDPTransport(port: 0, host: "127.0.0.1")
        defer { server.close(); client.close() }
        let atServer = Inbox<Datagram>()
        let atClient = Inbox<Datagram>()
        server.startReceiving { datagram in
            atServer.append(datagram)
            server.send(datagram.bytes.reversed(), to: datagram.source)
        }
        client.startReceiving { atClient.append($0) }
        client.send([7, 8], to: Address(host: "127.0.0.1", port: server.localAddress.port))
        #expect(atClient.wait { $0.count == 1 })
        #expect(atServer.all.first?.source == client.localAddress)
        #expect(atClient.all.first?.bytes == [8, 7])
    }

    @Test("IPv6 loopback works where the machine has IPv6")
    func ipv6() throws {
        guard let a = try? UDPTransport(port: 0, host: "::1") else { return }
        let b = try UDPTransport(port: 0, host: "::1")
        defer { a.close(); b.close() }
        let inbox = Inbox<Datagram>()
        b.startReceiving { inbox.append($0) }
        a.send([42], to: b.localAddress)
        #expect(inbox.wait { $0.count == 1 })
        #expect(inbox.all.first?.source == Address(host: "::1", port: a.localAddress.port))
    }

    @Test("datagrams over 1,200 bytes are dropped and counted; the next one still arrives")
    func oversize() throws {
        let a = try UDPTransport(port: 0, host: "127.0.0.1")
        let b = try UDPTransport(port: 0, host: "127.0.0.1")
        defer { a.close(); b.close() }
        let inbox = Inbox<Datagram>()
        b.startReceiving { inbox.append($0) }
        a.send([UInt8](repeating: 1, count: 1_201), to: b.localAddress)
        a.send([UInt8](repeating: 2, count: 1_200), to: b.localAddress)
        #expect(inbox.wait { $0.count == 1 })
        #expect(inbox.all.first?.bytes.count == 1_200)
        #expect(b.statistics.oversizeDatagrams == 1)
    }

    @Test("close wakes the blocked reader thread, which ends")
    func closeEndsReader() throws {
        let a = try UDPTransport(port: 0, host: "127.0.0.1")
        a.startReceiving { _ in }
        #expect(a.isReceiving)
        a.close()
        let ended = Inbox<Bool>()
        for _ in 0..<100 where a.isReceiving { ended.wait(timeout: .milliseconds(10)) { _ in false } }
        #expect(!a.isReceiving)
    }

    @Test("a port in use is a clear error")
    func portInUse() throws {
        let a = try UDPTransport(port: 0, host: "127.0.0.1")
        defer { a.close() }
        #expect(throws: TransportError.self) { try UDPTransport(port: a.localAddress.port, host: "127.0.0.1") }
    }

    @Test("an unresolvable or malformed destination is counted, not thrown")
    func badDestination() throws {
        let a = try UDPTransport(port: 0, host: "127.0.0.1")
        defer { a.close() }
        a.send([1], to: Address(host: "not an address", port: 9))
        #expect(a.statistics.failedSends == 1)
        #expect(UDPTransport.numericHost("localhost") != nil)
    }
}
