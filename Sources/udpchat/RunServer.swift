import ChatKitCore
import Foundation
import StoreFiles
import TransportUDP

/// Runs the server until SIGINT or SIGTERM; returns the exit status.
func runServer(port: UInt16, dataDirectory: String) -> Int32 {
    let store: FileStore
    let transport: UDPTransport
    do {
        store = try FileStore(directory: dataDirectory)
        transport = try UDPTransport(port: port)
    } catch {
        return fail("\(error)")
    }
    let console = StandardConsole()
    let clock = SystemClock()
    let utcOffset = TimeZone.current.secondsFromGMT()
    let driver = ServerDriver(
        machine: ServerMachine(), transport: transport, store: store, clock: clock,
        log: { line in
            console.show(Timestamp.format(microseconds: clock.wallClockMicroseconds, utcOffsetSeconds: utcOffset) + " " + line)
        })
    let latch = ExitLatch()
    Signals.onInterrupt { _ in latch.exit(with: 0) }
    console.show("server port number: \(port)")
    console.show("offline messages in: \(store.directory)")
    driver.start()
    let status = latch.wait()
    driver.stop()
    console.show("[exiting]")
    return status
}
