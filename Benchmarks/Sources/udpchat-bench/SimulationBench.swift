import ChatKitCore
import ChatKitRuntime
import ChatKitTesting
import StoreMemory

/// How fast the deterministic simulation runs: 100 clients chatting for a simulated minute.
enum SimulationBench {
    static func run(clients count: Int = 100, simulated: Duration = .seconds(60)) -> Double {
        let clock = VirtualClock()
        let network = LoopbackNetwork(clock: clock, seed: 7)
        let serverAddress = Address(host: "server", port: 6000)
        var config = ServerConfig()
        config.random = .seeded(1)
        let server = ServerDriver(
            machine: ServerMachine(config: config), transport: network.bind(serverAddress), store: MemoryStore(),
            clock: clock, log: DiscardingServerLog())
        server.start()
        var consoles: [RecordingConsole] = []
        var drivers: [ClientDriver] = []
        for index in 0..<count {
            var clientConfig = ClientConfig(nick: "c\(index)", server: serverAddress)
            clientConfig.random = .seeded(UInt64(index) &* 7919 &+ 3)
            let console = countingConsole()
            let driver = ClientDriver(
                machine: ClientMachine(config: clientConfig), transport: network.bind(Address(host: "h\(index)", port: 6061)),
                console: console, clock: clock, onExit: { _ in })
            driver.start()
            consoles.append(console)
            drivers.append(driver)
        }
        var random = RandomSource.seeded(11)
        let started = ContinuousClock.now
        let end = clock.now + simulated
        while clock.now < end {
            for _ in 0..<5 {
                let from = Int(random.next() % UInt64(count))
                let to = Int(random.next() % UInt64(count))
                if from != to { consoles[from].type("send c\(to) hello from c\(from)") }
            }
            clock.advance(by: .milliseconds(10))
        }
        withExtendedLifetime(drivers) {}
        return simulated.seconds / (ContinuousClock.now - started).seconds
    }
}
