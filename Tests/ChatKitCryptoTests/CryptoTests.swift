import ChatKitCrypto
import ChatKitTesting
import Testing

/// libcrypto through ChatKitCrypto, checked against the RFCs' own test vectors.
@Suite("Cryptography (system libcrypto)")
struct CryptoTests {
    static func bytes(_ hex: String) -> [UInt8] { Hex.bytes(hex) }

    @Test("Ed25519: RFC 8032 test 1 (empty message) gives its public key and signature")
    func rfc8032() throws {
        let key = try IdentityKey(privateKey: Self.bytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
        #expect(key.publicKey == Self.bytes("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"))
        let signature = try key.sign([])
        #expect(signature == Self.bytes(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"))
        #expect(IdentityKey.verify(signature, of: [], publicKey: key.publicKey))
        #expect(!IdentityKey.verify(signature, of: [0], publicKey: key.publicKey), "another message")
        #expect(!IdentityKey.verify(Array(signature.dropLast()), of: [], publicKey: key.publicKey), "malformed is false, not a crash")
    }

    @Test("fresh keys differ, sign and verify; a fingerprint is 16 hex pairs")
    func freshKeys() throws {
        let a = try IdentityKey.generate()
        let b = try IdentityKey.generate()
        #expect(a.publicKey != b.publicKey)
        let message = Array("challenge".utf8)
        #expect(IdentityKey.verify(try a.sign(message), of: message, publicKey: a.publicKey))
        #expect(!IdentityKey.verify(try a.sign(message), of: message, publicKey: b.publicKey))
        #expect(a.fingerprint.split(separator: ":").count == 16)
    }

    @Test("HMAC-SHA-256: RFC 4231 test case 1; SHA-256 of 'abc'; constant-time comparison")
    func hmacAndDigest() throws {
        let mac = try Digest.hmacSHA256(key: Array(repeating: 0x0B, count: 20), data: Array("Hi There".utf8))
        #expect(mac == Self.bytes("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"))
        #expect(try Digest.sha256(Array("abc".utf8)) == Self.bytes("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
        #expect(Digest.constantTimeEqual(mac, mac) && !Digest.constantTimeEqual(mac, Array(mac.dropLast())))
    }
}
