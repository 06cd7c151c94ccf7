import ChatKitCore
import Foundation
import TransportUDP

/// Runs a client until it decides to leave; returns the exit status.
func runClient(nick: String, serverHost: String, serverPort: UInt16, clientPort: UInt16) -> Int32 {
    guard let serverIP = UDPTransport.numericHost(serverHost) else {
        return fail("cannot resolve server address \(serverHost)")
    }
    let transport: UDPTransport
    do {
        transport = try UDPTransport(port: clientPort)
    } catch {
        return fail("\(error)")
    }
    var config = ClientConfig(nick: nick, server: Address(host: serverIP, port: serverPort))
    config.utcOffsetSeconds = TimeZone.current.secondsFromGMT()
    let latch = ExitLatch()
    let console = StandardConsole()
    let driver = ClientDriver(
        machine: ClientMachine(config: config), transport: transport, console: console, clock: SystemClock(),
        onExit: { latch.exit(with: $0) })
    Signals.onInterrupt { _ in driver.handle(.interrupt) }
    driver.start()
    let status = latch.wait()
    transport.close()
    return status
}
