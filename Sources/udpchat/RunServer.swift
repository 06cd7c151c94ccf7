import ChatKitCore
import ChatKitRuntime
import ChatKitTerminal
import Foundation
import StoreFiles
import StorePostgres
import TransportUDP

/// Runs the server until SIGINT or SIGTERM; returns the exit status.
func runServer(_ options: ServerOptions) -> Int32 {
    let store: any OfflineStore
    let transport: UDPTransport
    let folderLock: ProcessLock
    do {
        // The server's key and lock live in the data folder even when mail lives in the database.
        let files = try FileStore(directory: options.dataDirectory)
        store = try options.databaseURI.map { uri throws(StoreError) in try PostgresStore(connecting: uri) } ?? files
        // One server per data folder: two would hand one mailbox to two different people.
        guard let lock = try ProcessLock.acquire(options.dataDirectory + "/.lock") else {
            return fail("another server is using \(options.dataDirectory); stop it, or give this one its own folder with --data-dir")
        }
        folderLock = lock
        transport = try UDPTransport(port: options.port)
    } catch {
        return fail("\(error)")
    }
    if let nick = options.releaseNick {
        do {
            try store.releaseKey(of: nick)
        } catch {
            return fail("\(error)")
        }
        print("released the key of \(nick): its next registration pins a new one")
        return 0
    }
    var config = ServerConfig()
    do {
        // The server's own key, kept with its data (a dot-name no nick's file can have): clients pin it.
        config.identity = try IdentityFile.loadOrCreate(options.dataDirectory + "/.server-identity")
    } catch {
        return fail("\(error)")
    }
    if options.databaseURI != nil, let key = config.identity?.publicKey {
        // Listed to the other servers' clients at this server's port, on `--advertise`'s host, else on the
        // host they reach theirs at.
        config.sharesStore = true
        config.listing = ServerListing(host: options.advertisedHost, port: options.port, key: key)
    }
    config.mailboxLimit = options.mailboxLimit
    config.senderShareLimit = options.senderShare
    config.senderByteQuota = options.senderKiB * 1_024
    config.storeByteQuota = options.storeMiB * 1_024 * 1_024
    config.nickLifetime = .seconds(Int64(options.nickDays) * 24 * 3_600)
    config.messageLifetime = .seconds(Int64(options.messageDays) * 24 * 3_600)
    config.wholeTableLimit = options.wholeTableLimit
    config.newNicksPerAddressPerMinute = options.newNicksPerMinute
    config.limitNewNicksFromLoopback = options.limitLoopback
    let console = StandardConsole()
    let clock = SystemClock()
    let log = TimestampedLog(console: console, clock: clock, utcOffsetSeconds: TimeZone.current.secondsFromGMT())
    let driver = ServerDriver(
        machine: ServerMachine(config: config), transport: transport, store: store, clock: clock, log: log,
        logLevel: options.logLevel)
    let latch = ExitLatch()
    Signals.onInterrupt { _ in latch.exit(with: 0) }
    console.show("server port number: \(options.port)")
    console.show(options.databaseURI == nil ? "offline messages in: \(options.dataDirectory)" : "offline messages in: the database")
    console.flush()
    driver.start()
    let status = latch.wait()
    driver.stop()
    log.show(driver.summary)
    console.show("[exiting]")
    console.flush()
    withExtendedLifetime(folderLock) {}
    return status
}
