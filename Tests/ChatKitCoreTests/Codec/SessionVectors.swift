@testable import ChatKitCore
import ChatKitCrypto
import ChatKitTesting

/// The peer-session and letter vectors of docs/PROTOCOL.md: x (RFC 8032's first key) and y (its second)
/// run the handshake with fixed static and ephemeral keys and indexes 1 and 2, then x seals `chat` "hello"
/// and y its `chat-ack`; x's letter "offline?" to y's prekey goes in a `save` and comes back in an
/// `offline-batch`. Ed25519 signatures are deterministic, so every byte is fixed.
enum SessionVectors {
    static func key(_ byte: UInt8) -> X25519Key? { try? X25519Key(privateKey: [UInt8](repeating: byte, count: 32)) }
    static let yIdentity = try? IdentityKey(privateKey: Hex.bytes("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"))

    /// The five packets, by vector name; empty if any step failed (the vector test then reports them missing).
    static let packets: [(String, Packet)] = {
        var x = PeerHandshakes(nick: "x", identity: ProtocolVectorTests.rfc8032, staticKey: key(0x11))
        var y = PeerHandshakes(nick: "y", identity: yIdentity, staticKey: key(0x22))
        guard let initiation = x.initiate(with: "y", index: 1, ephemeral: [UInt8](repeating: 0x33, count: 32), now: .zero),
            case .handshakeInit(_, _, let first, _) = initiation.message,
            let reply = y.answer(from: "x", sender: 1, noise: first, index: 2, ephemeral: [UInt8](repeating: 0x44, count: 32), now: .zero),
            case .handshakeReply(_, _, let second) = reply.message,
            let finished = x.readReply(sender: 2, receiver: 1, noise: second),
            let (responder, _) = y.readFinish(receiver: 2, noise: finished.finish)
        else { return [] }
        var xCipher = finished.result.cipher
        var yCipher = responder.cipher
        guard let chat = try? xCipher.seal(
                Packet(id: 0x2A, message: .chat(from: "x", text: "hello")).encoded(), associatedData: PeerSessions.associatedData(receiver: 2)),
            let ack = try? yCipher.seal(Packet(id: 0x2A, message: .chatAck).encoded(), associatedData: PeerSessions.associatedData(receiver: 1))
        else { return [] }
        // x's letter to y: "offline?" sealed to y's prekey 1 (private key 0x55…) with ephemeral key 0x66….
        guard let yIdentity, let prekey = try? Prekey(id: 1, privateKey: [UInt8](repeating: 0x55, count: 32), createdAtMicroseconds: 0)
                .published(nick: "y", identity: yIdentity),
                        let letter = try? Letter.seal(
                "offline?", envelope: Letter.Envelope(sender: "x", recipient: "y", id: 0x2A), to: prekey, identity: ProtocolVectorTests.rfc8032,
                ephemeral: [UInt8](repeating: 0x66, count: 32))
        else { return [] }
        // The server (key: 32 bytes of 0x77) welcomes x's signed registration 1 with token 0102…08.
        guard let serverKey = try? IdentityKey(privateKey: [UInt8](repeating: 0x77, count: 32)),
            let serverProof = try? ServerProof.signed(by: serverKey, nick: "x", requestID: 1, token: 0x0102_0304_0506_0708)
        else { return [] }
        // The same server lists one other of its group (key: 32 bytes of 0x88) at port 6001 of its own host.
        guard let otherServer = try? IdentityKey(privateKey: [UInt8](repeating: 0x88, count: 32)) else { return [] }
        let group = [ServerListing(host: "", port: 6001, key: otherServer.publicKey)]
        guard let groupSignature = try? serverKey.sign(ServerListing.signedBytes(group, token: 0x0102_0304_0506_0708)) else { return [] }
        let save = SaveRequest(token: 0x0102_0304_0506_0708, recipient: "y", reason: .recipientOffline, text: letter)
        let stored = OfflineMessage(key: MessageKey(sender: "x", id: 0x2A), savedAtMicroseconds: 1_497_408_017_501_063, text: letter)
        return [
            ("handshake-init", initiation),
            ("handshake-reply", reply),
            ("handshake-finish", Packet(id: finished.finishID, message: .handshakeFinish(receiver: 2, noise: finished.finish))),
            ("sealed-chat", Packet(id: chat.counter, message: .sealed(receiver: 2, ciphertext: chat.sealed))),
            ("sealed-chat-ack", Packet(id: ack.counter, message: .sealed(receiver: 1, ciphertext: ack.sealed))),
            ("register-reply-signed", Packet(id: 1, message: .registerReply(.registered, token: 0x0102_0304_0506_0708, server: serverProof))),
            ("sealed-save", Packet(id: 0x2A, message: .save(save))),
            ("sealed-offline-batch", Packet(id: 0x2B, message: .offlineBatch(token: 0x0807_0605_0403_0201, messages: [stored]))),
            ("server-list", Packet(id: 0x60, message: .serverList(token: 0x0102_0304_0506_0708, servers: group, signature: groupSignature))),
        ]
    }()
}
