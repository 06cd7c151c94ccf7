import ChatKitCore
/// The one place where the packets a machine decided to send become bytes. Machines return `Packet`
/// values; a runtime encodes them here, and a packet that cannot be encoded is a typed, counted failure,
/// never a silent drop.
public struct PacketEncoder: Sendable {
    /// A packet that could not be encoded, and why.
    public struct Failure: Error, Equatable, Sendable {
        /// The kind of message that failed.
        public var kind: MessageKind
        /// Where it was to go.
        public var destination: Address
        /// What the codec said.
        public var error: WireError
    }

    /// How many packets could not be encoded since this encoder was made.
    public private(set) var failures = 0

    /// Makes an encoder with no failures counted.
    public init() {}

    /// `packet`'s datagram to `destination`, or the failure (counted) when it cannot be encoded.
    public mutating func datagram(_ packet: Packet, to destination: Address) -> Result<OutgoingDatagram, Failure> {
        do {
            return .success(OutgoingDatagram(bytes: try packet.encoded(), destination: destination))
        } catch {
            failures += 1
            return .failure(Failure(kind: packet.message.kind, destination: destination, error: error))
        }
    }
}
