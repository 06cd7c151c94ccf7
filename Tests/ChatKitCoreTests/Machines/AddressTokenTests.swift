import ChatKitCore
import ChatKitCrypto
import ChatKitTesting
import Testing

/// A welcome carries an address-validation token (QUIC's NEW_TOKEN): the next registration from the same
/// address and key presents it, signed, and is answered at once, without the cookie round trip.
@Suite("Address tokens: a returning client skips the cookie round trip")
struct AddressTokenTests {
    static let x = Address(host: "10.0.0.1", port: 6061)
    static let elsewhere = Address(host: "10.0.0.9", port: 6061)

    /// The outcome and address token of the first registration reply among `replies`.
    static func welcome(_ replies: [(Packet, Address)]) -> (RegisterOutcome, [UInt8])? {
        for (packet, _) in replies {
            if case .registerReply(let outcome, _, let cookie, _) = packet.message { return (outcome, cookie) }
        }
        return nil
    }

    /// A registration of x signed over `token`, as the client sends it, with `restarted` set.
    static func register(_ server: inout ServerHarness, with token: [UInt8], id: UInt64, from address: Address) -> [(Packet, Address)] {
        guard let key = server.keys["x"] else { return [] }
        let proof = IdentityProof.signed(cookie: token, nick: "x", key: key)
        return server.receive(.register(nick: "x", token: 0, proof: proof, restarted: true), id: id, from: address)
    }

    @Test("the token skips the challenge once, from the same address; a used one, or one from elsewhere, is challenged")
    func tokenSkipsChallenge() {
        var server = ServerHarness()
        guard let (_, first) = Self.welcome(server.asks(for: "x", id: 1, from: Self.x)) else { return #expect(Bool(false)) }
        #expect(first.count == 16)
        let again = Self.welcome(Self.register(&server, with: first, id: 2, from: Self.x))
        #expect(again?.0 == .reRegistered, "welcomed at once")
        #expect(again.map { !$0.1.isEmpty && $0.1 != first } == true, "with a new token")
        #expect(Self.welcome(Self.register(&server, with: first, id: 2, from: Self.x))?.0 == .reRegistered, "its retry still may use the old one")
        #expect(Self.welcome(Self.register(&server, with: first, id: 3, from: Self.x))?.0 == .challenge, "used: a new registration is challenged")
        let newest = again?.1 ?? []
        #expect(Self.welcome(Self.register(&server, with: newest, id: 4, from: Self.elsewhere))?.0 == .challenge, "bound to the address")
    }

    @Test("the client presents the token of its last welcome, and keeps it for the next start")
    func clientPresentsToken() {
        var config = ClientConfig(nick: "x", server: Address(host: "10.0.0.100", port: 6000))
        config.random = .seeded(4)
        config.addressToken = Array(repeating: 7, count: 16)
        var client = ClientMachine(config: config)
        let start = client.handle(.start, at: .zero)
        let register = start.compactMap { if case .send(let packet, _) = $0 { packet } else { nil } }.first
        guard case .register(_, _, let proof, _, _, _)? = register?.message, let id = register?.id else { return #expect(Bool(false)) }
        #expect(proof.cookie == config.addressToken && proof.isValid(for: "x"), "the kept token, signed")
        let newToken: [UInt8] = Array(repeating: 9, count: 16)
        guard let welcome = try? Packet(id: id, message: .registerReply(.registered, token: 5, cookie: newToken)).encoded() else {
            return #expect(Bool(false))
        }
        let effects = client.handle(.datagram(Datagram(bytes: welcome, source: config.server)), at: .zero + .milliseconds(1))
        #expect(effects.contains(.keepAddressToken(newToken)))
    }
}
