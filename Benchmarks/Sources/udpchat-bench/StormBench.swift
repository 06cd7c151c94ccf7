import ChatKitCore
import ChatKitCrypto
import Foundation
import Glibc

/// Many clients registering at once against one real server, each on a UDP socket of its own, all
/// served by one poll loop. Each client keeps what convergence needs: its token, the table version it
/// holds and acknowledges, its mode and the nicknames it holds. A client has converged when it holds
/// everything the server sent it: its own row, and every row while the table is held whole.
enum StormBench {
    struct Result {
        /// Until every client converged, or until the timeout if some did not.
        var converged: Duration
        /// How many clients converged; fewer than asked only when the timeout ran out.
        var convergedClients: Int
        /// What the clients that did not converge had, for the report.
        var stragglers: String
        var serverCPU: Duration
        var serverPeakMemory: Int
    }

    private struct Client {
        var fd: Int32
        var nick: String
        var key: IdentityKey
        var cookie: [UInt8] = []
        var token: UInt64 = 0
        var version: UInt64 = 0
        var latest: UInt64 = 1
        var mode = TableMode.whole
        var held: Set<String> = []

        func hasConverged(count: Int) -> Bool {
            token != 0 && version >= latest && held.contains(nick) && (mode == .onDemand || held.count == count)
        }
    }

    static func run(count: Int, server: ChildServer, timeout: Duration = .seconds(120)) -> Result {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)

        var clients: [Client] = []
        var descriptors: [pollfd] = []
        for index in 0..<count {
            let (fd, _) = RawFloor.socket()
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            descriptors.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
            // Keys are made before the clock starts: a real client has its key on disk already.
            guard let key = try? IdentityKey.generate() else { continue }
            clients.append(Client(fd: fd, nick: "storm\(index)", key: key))
        }
        defer { clients.forEach { close($0.fd) } }

        let start = ContinuousClock.now
        var converged = 0
        var buffer = [UInt8](repeating: 0, count: 2048)
        var lastRetry = ContinuousClock.now - .seconds(1)
        var lastKeepalive = ContinuousClock.now
        var stragglers = ""
        var keepaliveCredit = 0.0
        let keepaliveInterval = ClientConfig(nick: "storm", server: server.address).keepaliveInterval
        var keepaliveCursor = 0
        var lastCount = ContinuousClock.now
        while converged < count {
            if ContinuousClock.now - start >= timeout {
                // Reported, not thrown: a storm that outlasts the timeout on a loaded machine should not
                // cost the rest of the benchmark.
                let registered = clients.filter { $0.token != 0 }.count
                let versions = clients.map(\.version)
                let rows = clients.map(\.held.count)
                stragglers = "\(registered) registered; versions \(versions.min() ?? 0)–\(versions.max() ?? 0), rows \(rows.min() ?? 0)–\(rows.max() ?? 0)"
                break
            }
            if ContinuousClock.now - lastRetry >= .milliseconds(500) {
                lastRetry = ContinuousClock.now
                for index in clients.indices where clients[index].token == 0 {
                    send(clients[index], registration(of: clients[index]), id: UInt64(index) + 1, to: server.port)
                }
            }
            // Like real clients, a keepalive every 10 seconds, or a long storm outlasts the server's
            // patience with silent clients. Spread out, as real clients' are: 10,000 keepalives at
            // once would overflow the server's receive buffer, and lost keepalives mark clients offline.
            let sinceLastKeepalive = ContinuousClock.now - lastKeepalive
            lastKeepalive = ContinuousClock.now
            keepaliveCredit += Double(count) * sinceLastKeepalive.seconds / keepaliveInterval.seconds
            while keepaliveCredit >= 1 {
                keepaliveCredit -= 1
                let client = clients[keepaliveCursor]
                if client.token != 0 { send(client, .keepalive(token: client.token, tableVersion: client.version), id: 0, to: server.port) }
                keepaliveCursor = (keepaliveCursor + 1) % count
            }
            guard poll(&descriptors, nfds_t(descriptors.count), 10) > 0 else { continue }
            for index in descriptors.indices where descriptors[index].revents & Int16(POLLIN) != 0 {
                while true {
                    let length = buffer.withUnsafeMutableBytes { recv(clients[index].fd, $0.baseAddress, $0.count, 0) }
                    guard length > 0, let packet = try? Packet(decoding: Array(buffer[0..<length])) else { break }
                    handle(packet, &clients[index], port: server.port)
                }
            }
            if ContinuousClock.now - lastCount >= .milliseconds(50) {
                lastCount = ContinuousClock.now
                converged = clients.count { $0.hasConverged(count: count) }
            }
        }
        return Result(
            converged: ContinuousClock.now - start, convergedClients: converged, stragglers: stragglers, serverCPU: server.cpuTime,
            serverPeakMemory: server.peakMemory)
    }

    /// The client's registration with the cookie it holds (none at first). Unsigned: a new nick needs no
    /// signature (trust on first use), and one process signing for 10,000 clients would trickle the
    /// answers out and measure itself, not the server (real clients sign on machines of their own).
    private static func registration(of client: Client) -> Message {
        .register(nick: client.nick, token: 0, proof: IdentityProof(publicKey: client.key.publicKey, cookie: client.cookie))
    }

    private static func handle(_ packet: Packet, _ client: inout Client, port: UInt16) {
        switch packet.message {
        case .registerReply(.challenge, _, let cookie, _):
            client.cookie = cookie
            send(client, registration(of: client), id: packet.id, to: port)
        case .registerReply(let outcome, let token, _, _) where outcome == .registered || outcome == .reRegistered:
            client.token = token
        case .tableDelta(let delta) where delta.token == client.token:
            if delta.mode != client.mode {
                client.mode = delta.mode
                if delta.mode == .onDemand { client.held = client.held.filter { $0 == client.nick } }
            }
            for row in delta.entries { client.held.insert(row.nick) }
            if delta.from <= client.version, delta.to > client.version { client.version = delta.to }
            client.latest = max(client.latest, delta.latest)
            send(client, .tableAck(token: client.token, version: client.version), id: 0, to: port)
        default:
            break
        }
    }

    private static func send(_ client: Client, _ message: Message, id: UInt64, to port: UInt16) {
        guard let bytes = try? Packet(id: id, message: message).encoded() else { return }
        RawFloor.send(client.fd, bytes, to: port)
    }
}
