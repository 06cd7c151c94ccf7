/// The transport half of a finished Noise handshake: one key and counter to send with, one key and a
/// replay window to receive with. Each message's counter travels with it (as in WireGuard), so loss and
/// reordering do not break the session; a replayed or forged message is refused.
public struct SessionCipher: Sendable {
    private let sendKey: [UInt8]
    private let receiveKey: [UInt8]
    /// The counter the next sealed message gets.
    public private(set) var nextCounter: UInt64 = 0
    private var window = ReplayWindow()

    /// The cipher of a complete handshake, for its role.
    public init(_ handshake: NoiseHandshake) throws(NoiseError) {
        let keys = try handshake.split()
        switch handshake.role {
        case .initiator: (sendKey, receiveKey) = (keys.initiatorToResponder, keys.responderToInitiator)
        case .responder: (sendKey, receiveKey) = (keys.responderToInitiator, keys.initiatorToResponder)
        }
    }

    /// A cipher from raw keys (test vectors).
    public init(sendKey: [UInt8], receiveKey: [UInt8]) {
        self.sendKey = sendKey
        self.receiveKey = receiveKey
    }

    /// `plaintext` sealed with the next counter, which is returned to travel with it in the clear.
    public mutating func seal(_ plaintext: [UInt8], associatedData: [UInt8]) throws(CryptoError) -> (counter: UInt64, sealed: [UInt8]) {
        let counter = nextCounter
        let sealed = try ChaChaPoly.seal(plaintext, key: sendKey, counter: counter, associatedData: associatedData)
        nextCounter += 1
        return (counter, sealed)
    }

    /// The plaintext of a message sealed with `counter`, or nil for a forgery, a corruption or a replay.
    public mutating func open(_ sealed: [UInt8], counter: UInt64, associatedData: [UInt8]) -> [UInt8]? {
        guard window.mayAccept(counter),
            let plaintext = ChaChaPoly.open(sealed, key: receiveKey, counter: counter, associatedData: associatedData),
            window.accept(counter)
        else { return nil }
        return plaintext
    }
}
