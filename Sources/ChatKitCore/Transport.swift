/// Moves datagrams between addresses: real UDP in production, an in-memory network in tests.
///
/// A transport is unreliable by contract, like UDP: datagrams may be lost, duplicated or reordered,
/// and the protocol above copes. It must never call the receive handler from inside `send`.
public protocol Transport: AnyObject, Sendable {
    /// The address this transport is bound to, as peers should see it where the transport knows it.
    var localAddress: Address { get }
    /// Sends one datagram, best effort. Failures are counted by the transport, never thrown at the caller,
    /// because a lost datagram and a failed send look the same to the protocol.
    func send(_ bytes: [UInt8], to destination: Address)
    /// Sends datagrams that are ready together, in order, best effort: one system call where the transport
    /// can. By default, one `send` each.
    func send(_ datagrams: [OutgoingDatagram])
    /// Starts delivering every received datagram to `handler`, one at a time.
    func startReceiving(_ handler: @escaping @Sendable (Datagram) -> Void)
    /// Starts delivering received datagrams in batches: everything that arrived together, so a driver can
    /// handle a burst at once (one flush of output, one durable write). By default, batches of one.
    func startReceivingBatches(_ handler: @escaping @Sendable ([Datagram]) -> Void)
    /// Stops receiving and releases the transport's resources.
    func close()
}

extension Transport {
    public func send(_ datagrams: [OutgoingDatagram]) {
        for datagram in datagrams { send(datagram.bytes, to: datagram.destination) }
    }

    public func startReceivingBatches(_ handler: @escaping @Sendable ([Datagram]) -> Void) {
        startReceiving { handler([$0]) }
    }
}
