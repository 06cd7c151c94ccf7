/// The transport half of a finished Noise handshake: one key and counter to send with, one key and a
/// replay window to receive with. Each message's counter travels with it (as in WireGuard), so loss and
/// reordering do not break the session; a replayed or forged message is refused.
public struct SessionCipher: Sendable {
    /// Each direction keyed once (`AEADContext`); copies of the cipher share them.
    private let sender: AEADContext
    private let receiver: AEADContext
    /// The counter the next sealed message gets.
    public private(set) var nextCounter: UInt64 = 0
    private var window = ReplayWindow()

    /// The cipher of a complete handshake, for its role.
    public init(_ handshake: NoiseHandshake) throws(NoiseError) {
        let keys = try handshake.split()
        let (sendKey, receiveKey) = switch handshake.role {
        case .initiator: (keys.initiatorToResponder, keys.responderToInitiator)
        case .responder: (keys.responderToInitiator, keys.initiatorToResponder)
        }
        do throws(CryptoError) {
            try self.init(sendKey: sendKey, receiveKey: receiveKey, algorithm: handshake.cipher)
        } catch {
            throw NoiseError.crypto(error)
        }
    }

    /// A cipher from raw keys (test vectors).
    public init(sendKey: [UInt8], receiveKey: [UInt8], algorithm: AEADAlgorithm) throws(CryptoError) {
        sender = try AEADContext(key: sendKey, sealing: true, algorithm: algorithm)
        receiver = try AEADContext(key: receiveKey, sealing: false, algorithm: algorithm)
    }

    /// `plaintext` sealed with the next counter, which is returned to travel with it in the clear.
    public mutating func seal(_ plaintext: consuming [UInt8], associatedData: [UInt8]) throws(CryptoError) -> (counter: UInt64, sealed: [UInt8]) {
        let counter = nextCounter
        let sealed = try sender.seal(plaintext, counter: counter, associatedData: associatedData)
        nextCounter += 1
        return (counter, sealed)
    }

    /// The plaintext of a message sealed with `counter`, or nil for a forgery, a corruption or a replay.
    public mutating func open(_ sealed: [UInt8], counter: UInt64, associatedData: [UInt8]) -> [UInt8]? {
        guard window.mayAccept(counter),
            let plaintext = receiver.open(sealed, counter: counter, associatedData: associatedData),
            window.accept(counter)
        else { return nil }
        return plaintext
    }
}
