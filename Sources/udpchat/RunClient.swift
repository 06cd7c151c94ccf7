import ChatKitCore
import ChatKitRuntime
import ChatKitTerminal
import Foundation
import StoreFiles
import TransportUDP

/// Runs a client until it decides to leave; returns the exit status.
func runClient(_ options: ClientOptions) -> Int32 {
    guard let serverIP = UDPTransport.numericHost(options.serverHost) else {
        return fail("cannot resolve server address \(options.serverHost)")
    }
    let server = Address(host: serverIP, port: options.serverPort)
    var config = ClientConfig(nick: options.nick, server: server)
    // The identity: created silently at the first start, one per nick whatever the server's address,
    // readable only by you. A key an older udpchat kept per server address is adopted the first time.
    let keys = Invocation.userDataDirectory + "/keys"
    guard let keyPath = options.identityFile ?? IdentityFile.path(in: keys, nick: options.nick)
    else { return fail("no key file can be named for \(options.nick)") }
    do {
        let legacy = options.identityFile == nil ? IdentityFile.legacyPaths(in: keys, server: server, nick: options.nick) : []
        config.identity = try IdentityFile.loadOrCreate(keyPath, migratingFrom: legacy)
    } catch {
        return fail("\(error)")
    }
    if options.fingerprintOnly {
        print("\(options.nick) at \(server): \(config.identity?.fingerprint ?? "no key") (\(keyPath))")
        return 0
    }
    // One process per (server, nick) on this host: while it runs it holds this lock. A new process that
    // finds it free, and no other process sharing the identity's lock, knows the last one is gone, so the
    // server may hand it the nick at once. With one of the same identity running at another server (of a
    // group, say), this one is no restart, and the servers probe that one first.
    let lock: ProcessLock
    let identityLock: ProcessLock?
    let tokenFile: AddressTokenFile
    do {
        guard let key = config.identity,
            let path = ProcessLock.clientPath(in: Invocation.runtimeDirectory, server: server, nick: options.nick, fingerprint: key.fingerprint)
        else {
            return fail("no lock file can be named for \(options.nick)")
        }
        guard let held = try ProcessLock.acquire(path) else { return fail("\(options.nick) is already running here") }
        lock = held
        let identityPath = ProcessLock.identityPath(in: Invocation.runtimeDirectory, nick: options.nick, fingerprint: key.fingerprint)
        (identityLock, config.restarted) = try identityPath.map { path throws(StoreError) in try ProcessLock.share(path) } ?? (nil, false)
        tokenFile = AddressTokenFile(path: String(path.dropLast(".lock".count)) + ".token")
    } catch {
        return fail("\(error)")
    }
    config.addressToken = tokenFile.load()
    let transport: UDPTransport
    do {
        transport = try UDPTransport(port: options.clientPort)
    } catch {
        return fail("\(error)")
    }
    // Nothing typed is lost: what the server could not take last time is kept here and sent again.
    let outbox = try? FileOutbox(directory: Invocation.userDataDirectory + "/outbox", server: server, nick: options.nick)
    config.keptMessages = outbox?.load() ?? []
    // The peers' keys pinned at first contact, one folder per nick: a changed key is warned about.
    let pins = PinnedKeysFolder(in: Invocation.userDataDirectory + "/pins", nick: options.nick)
    config.pinnedKeys = pins?.load() ?? []
    // The server's key, pinned at the first welcome from this address: someone else answering there is caught.
    let serverKeys = ServerKeysFolder(in: Invocation.userDataDirectory + "/servers")
    config.pinnedServerKey = serverKeys.key(for: server)
    // The other servers of its group, from its last list: where to go if it is down from the start.
    config.serverGroup = serverKeys.group(of: server)
    // Stored messages are sealed to a signed prekey: rotated weekly, and erased once no stored message
    // can need it (the server's 30-day expiry, plus the week it was current).
    guard let prekeys = PrekeysFolder(in: Invocation.userDataDirectory + "/prekeys", nick: options.nick) else {
        return fail("no prekey folder can be named for \(options.nick)")
    }
    do {
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        config.prekeys = try prekeys.current(nowMicroseconds: now, keepForMicroseconds: 38 * 86_400 * 1_000_000)
    } catch {
        return fail("\(error)")
    }
    config.utcOffsetSeconds = TimeZone.current.secondsFromGMT()
    config.keepaliveInterval = .seconds(options.keepaliveSeconds)
    config.hostCandidates = transport.hostCandidates
    config.relayOnly = options.relayOnly
    // A person at a terminal keeps the client when the server falls silent (messages kept, still tried);
    // piped sessions end with [Server not responding] / [Exiting], as the original program's do.
    config.staysWhenServerIsSilent = TerminalConsole.isInteractive
    let latch = ExitLatch()
    let terminal = TerminalConsole.isInteractive
        ? TerminalConsole(colors: options.colors && TerminalConsole.colorsWanted, timestamps: options.timestamps) : nil
    let console: any Console = terminal ?? StandardConsole()
    if options.clientPort == 0 { console.show("client port: \(transport.localAddress.port)") }
    let driver = ClientDriver(
        machine: ClientMachine(config: config), transport: transport, console: console, clock: SystemClock(),
        outbox: outbox, keepAddressToken: { tokenFile.save($0) },
        keepPinnedKey: { pin in
            do { try pins?.save(pin) } catch { console.show(.problem("The key of <\(pin.nick)> is not kept: \(error)")) }
        },
        keepServerKey: { key in
            do { try serverKeys.save(key, for: server) } catch { console.show(.problem("The server's key is not kept: \(error)")) }
        },
        keepServerGroup: { group in
            do { try serverKeys.saveGroup(group, of: server) } catch { console.show(.problem("The server's group is not kept: \(error)")) }
        },
        onExit: { latch.exit(with: $0) })
    Signals.onInterrupt { _ in driver.handle(.interrupt) }
    driver.start()
    let status = latch.wait()
    console.flush()
    terminal?.close()
    transport.close()
    withExtendedLifetime((lock, identityLock)) {}
    return status
}
