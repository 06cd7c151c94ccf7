import ChatKitCore
import Synchronization

/// One endpoint on a `LoopbackNetwork`: the `Transport` that simulated clients and servers use.
public final class LoopbackTransport: Transport, Sendable {
    private let network: LoopbackNetwork
    /// The handler, boxed in a struct: a bare closure in a `Mutex` is re-wrapped in a reabstraction thunk
    /// at every `withLock`, so calls through it would grow slower with every delivery.
    private struct Handler {
        let deliver: @Sendable ([Datagram]) -> Void
    }

    private let handler = Mutex<Handler?>(nil)
    private let closed = Mutex(false)

    /// The address this endpoint is bound to.
    public let localAddress: Address

    init(network: LoopbackNetwork, address: Address) {
        self.network = network
        self.localAddress = address
    }

    public func send(_ bytes: [UInt8], to destination: Address) {
        guard !closed.withLock({ $0 }) else { return }
        network.route(bytes, from: localAddress, to: destination)
    }

    public func startReceiving(_ handler: @escaping @Sendable (Datagram) -> Void) {
        self.handler.withLock { $0 = Handler { $0.forEach(handler) } }
    }

    /// Delivers the datagrams that reach this endpoint at the same instant as one batch.
    public func startReceivingBatches(_ handler: @escaping @Sendable ([Datagram]) -> Void) {
        self.handler.withLock { $0 = Handler(deliver: handler) }
    }

    public func close() {
        closed.withLock { $0 = true }
        handler.withLock { $0 = nil }
        network.unbind(self)
    }

    func receive(_ datagrams: [Datagram]) {
        handler.withLock { $0 }?.deliver(datagrams)
    }
}
