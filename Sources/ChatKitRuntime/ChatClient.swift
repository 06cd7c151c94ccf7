import ChatKitCore
/// A chat client for programs that embed ChatKit: typed commands in, typed notices out, nothing to parse.
///
/// `run()` fits Swift concurrency: it returns the exit status when the client leaves, and cancelling the
/// task that runs it stops the client as Ctrl-C would. The transport is closed either way.
public final class ChatClient: Sendable {
    /// Every notice the client shows, in order; the stream finishes when the client exits.
    public let notices: AsyncStream<Notice>
    private let driver: ClientDriver
    private let transport: any Transport
    private let exit = OneShot<Int32>()

    /// A client with `config` (its nickname and server) on `transport`, timed by `clock`; `outbox`, if
    /// given, keeps what could not be sent when the client gives up (`config.keptMessages` brings it back).
    public init(config: ClientConfig, transport: any Transport, clock: any DriverClock = SystemClock(), outbox: (any Outbox)? = nil) {
        let (notices, continuation) = AsyncStream.makeStream(of: Notice.self)
        self.notices = notices
        self.transport = transport
        let exit = self.exit
        driver = ClientDriver(
            machine: ClientMachine(config: config), transport: transport, console: NoticeConsole(continuation), clock: clock,
            outbox: outbox, onExit: { code in
                continuation.finish()
                exit.fulfil(code)
            })
    }

    /// Gives the client a command; commands run in order, once the client can (after registering).
    public func perform(_ command: ClientCommand) {
        driver.perform(command)
    }

    /// The rows the client holds, sorted by nickname.
    public var table: [TableEntry] { driver.tableEntries }

    /// Registers, runs until the client leaves, and returns its exit status: 0 after `.quit` or
    /// cancellation, 1 after a failure (the server stopped answering, the nickname was taken).
    public func run() async -> Int32 {
        driver.start()
        let status = await withTaskCancellationHandler {
            await exit.value()
        } onCancel: {
            driver.handle(.interrupt)
        }
        transport.close()
        return status
    }
}

/// The console behind `ChatClient`: notices go to its stream; there is no typed input.
private final class NoticeConsole: Console {
    private let continuation: AsyncStream<Notice>.Continuation

    init(_ continuation: AsyncStream<Notice>.Continuation) {
        self.continuation = continuation
    }

    func show(_ notice: Notice) {
        continuation.yield(notice)
    }

    func show(_ line: String) {}

    func startReading(onLine: @escaping @Sendable (String) -> Void, onEnd: @escaping @Sendable () -> Void) {}
}
