import ChatKitCrypto

/// The first chat's cryptography, step by step, in one thread: what each side computes before it can send
/// its next handshake message, warm (the same step again and again), with the keys made ahead as clients
/// make them. So the first chat's figure can be split into computing and everything else.
enum HandshakeBench {
    /// p50 microseconds of each step and primitive, by name, in the order run.
    static func run(rounds: Int = 400) throws -> [(String, Double)] {
        let prologue = Array("bench".utf8)
        let xIdentity = try IdentityKey(privateKey: [UInt8](repeating: 0x01, count: 32))
        let yIdentity = try IdentityKey(privateKey: [UInt8](repeating: 0x02, count: 32))
        let xStatic = try X25519Key(privateKey: [UInt8](repeating: 0x11, count: 32))
        let yStatic = try X25519Key(privateKey: [UInt8](repeating: 0x22, count: 32))
        let xProof = xIdentity.publicKey + (try xIdentity.sign(xStatic.publicKey))
        let yProof = yIdentity.publicKey + (try yIdentity.sign(yStatic.publicKey))
        var steps: [String: Samples] = [:]
        var order: [String] = []
        func time<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
            let start = ContinuousClock.now
            let result = try body()
            if steps[name] == nil { order.append(name) }
            steps[name, default: Samples()].add(ContinuousClock.now - start)
            return result
        }
        for round in 0..<rounds {
            let seed = [UInt8](repeating: UInt8(truncatingIfNeeded: round), count: 31) + [0x40]
            let xEphemeral = try time("one ephemeral key (made ahead)") { try X25519Key(privateKey: seed) }
            let yEphemeral = try X25519Key(privateKey: seed.reversed())
            _ = try time("one X25519 agreement") { try xStatic.sharedSecret(with: yEphemeral.publicKey) }
            try time("one Ed25519 verification") { try check(proof: yProof, of: yStatic.publicKey) }
            var x = try NoiseHandshake(role: .initiator, prologue: prologue, staticKey: xStatic, ephemeral: xEphemeral, cipher: .aesGCM)
            var y = try NoiseHandshake(role: .responder, prologue: prologue, staticKey: yStatic, ephemeral: yEphemeral, cipher: .aesGCM)
            let first = try time("x writes message 1") { try x.writeMessage() }
            let second = try time("y reads 1, writes 2: ee, es") {
                _ = try y.readMessage(first)
                return try y.writeMessage(payload: yProof)
            }
            let third = try time("x reads 2, checks y, writes 3") {
                try check(proof: x.readMessage(second), of: x.remoteStaticKey)
                return try x.writeMessage(payload: xProof)
            }
            try time("y reads 3 (se), checks x") { try check(proof: y.readMessage(third), of: y.remoteStaticKey) }
        }
        return order.map { ($0, steps[$0]?.percentile(0.5) ?? .nan) }
    }

    /// Checks a payload as clients check a session proof: its identity key's signature over the static key
    /// the handshake proved (the benchmark's proofs sign only that).
    private static func check(proof payload: [UInt8], of staticKey: [UInt8]?) throws {
        guard IdentityKey.verify(Array(payload[32...]), of: staticKey ?? [], publicKey: Array(payload[..<32])) else {
            throw BenchError.childFailed("a session proof did not verify")
        }
    }
}
