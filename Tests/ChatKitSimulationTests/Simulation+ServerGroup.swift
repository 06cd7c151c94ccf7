import ChatKitCore
import ChatKitRuntime
import ChatKitTesting

/// Several servers sharing the simulation's store, as `udpchat -s <port> --database <uri>` runs them:
/// the main one at `serverAddress`, the others at the same host on other ports.
extension Simulation {
    /// A configuration that puts the server listening at `port` in the group.
    func groupConfig(port: UInt16) -> ServerConfig {
        var config = ServerConfig()
        config.sharesStore = true
        config.identity = identity(of: "server \(port)")
        if let key = config.identity?.publicKey { config.listing = ServerListing(host: "", port: port, key: key) }
        return config
    }

    /// Starts the main server and the others of a group, at `serverAddress`'s host, each configured by
    /// `configure` too.
    func startServerGroup(otherPorts: [UInt16], configure: (inout ServerConfig) -> Void = { _ in }) {
        var config = groupConfig(port: serverAddress.port)
        configure(&config)
        startServer(config: config)
        for port in otherPorts { startGroupServer(port: port, configure: configure) }
    }

    /// Starts (or restarts) another server of the group at `port`.
    func startGroupServer(port: UInt16, configure: (inout ServerConfig) -> Void = { _ in }) {
        var config = groupConfig(port: port)
        configure(&config)
        config.random = .seeded(nextSeed())
        let driver = ServerDriver(
            machine: ServerMachine(config: config), transport: network.bind(Address(host: serverAddress.host, port: port)),
            store: store, clock: clock, log: serverLog, logLevel: logLevel)
        driver.start()
        groupServers[port] = driver
    }

    /// Stops the group's server at `port` at once, as SIGKILL would.
    func crashGroupServer(port: UInt16) {
        groupServers[port]?.stop()
        groupServers[port] = nil
    }
}
