/// What happens to a client: the driver turns transport, console and clock activity into these.
public enum ClientEvent: Equatable, Sendable {
    /// The client starts: it registers with the server.
    case start
    /// The user typed a line.
    case line(String)
    /// A program gave a command, already typed (the embedding API's `perform`).
    case command(ClientCommand)
    /// Standard input ended: leave once pending sends are settled.
    case inputEnded
    /// The user pressed Ctrl-C.
    case interrupt
    /// A datagram arrived.
    case datagram(Datagram)
    /// The machine's `nextDeadline` has passed.
    case tick

    /// Whether this is `.tick`: matched by case, so a batch of datagrams is not compared byte by byte.
    public var isTick: Bool {
        if case .tick = self { true } else { false }
    }
}
