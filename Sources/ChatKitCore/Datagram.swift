/// One datagram as received: its bytes and the address it came from.
public struct Datagram: Sendable, Equatable {
    /// The payload, exactly as received.
    public var bytes: [UInt8]
    /// The sender's address as the transport saw it.
    public var source: Address

    /// Makes a received datagram.
    public init(bytes: [UInt8], source: Address) {
        self.bytes = bytes
        self.source = source
    }
}

/// One datagram to send: its bytes and where to. Drivers hand a batch of them to the transport at once.
public struct OutgoingDatagram: Sendable, Equatable {
    /// The payload.
    public var bytes: [UInt8]
    /// Where it goes.
    public var destination: Address

    /// Makes a datagram to send.
    public init(bytes: [UInt8], destination: Address) {
        self.bytes = bytes
        self.destination = destination
    }
}
