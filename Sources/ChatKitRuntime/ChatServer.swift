import ChatKitCore
/// A chat server for programs that embed ChatKit: `run()` serves until the task running it is cancelled,
/// then stops and closes the transport. Its log is typed (`ServerLog`), not text.
public final class ChatServer: Sendable {
    private let driver: ServerDriver
    private let stopped = OneShot<Void>()

    /// A server with `config` on `transport`, keeping offline messages in `store`, recording events of
    /// `logLevel` or below in `log`.
    public init(
        config: ServerConfig = ServerConfig(), transport: any Transport, store: any OfflineStore,
        clock: any DriverClock = SystemClock(), log: any ServerLog = DiscardingServerLog(), logLevel: LogLevel = .info
    ) {
        driver = ServerDriver(
            machine: ServerMachine(config: config), transport: transport, store: store, clock: clock, log: log,
            logLevel: logLevel)
    }

    /// Serves until the task is cancelled; then no more events are handled and the transport is closed.
    public func run() async {
        driver.start()
        await withTaskCancellationHandler {
            await stopped.value()
        } onCancel: {
            stopped.fulfil(())
        }
        driver.stop()
    }

    /// The client table, sorted by nickname.
    public var table: [TableEntry] { driver.tableEntries }

    /// One line on what the server has done since it started.
    public var summary: String { driver.summary }
}
