import Foundation
import Glibc

/// Describes the machine the benchmark ran on.
enum Machine {
    static var description: String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        let memory = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("MemTotal") }?
            .split(separator: " ").dropFirst().first.flatMap { Int($0) }.map { "\($0 / 1_048_576) GiB" } ?? "unknown memory"
        var names = utsname()
        uname(&names)
        let kernel = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)), \(memory), Linux \(kernel)"
    }
}

/// The table, as printed and as written to docs/BENCHMARKS.md.
struct Report {
    var rows: [ResultRow] = []

    mutating func add(_ measurement: String, _ value: String, _ note: String = "") {
        rows.append(ResultRow(measurement: measurement, value: value, note: note))
        print("\(measurement.padding(toLength: 58, withPad: " ", startingAt: 0)) \(value.padding(toLength: 30, withPad: " ", startingAt: 0)) \(note)")
        fflush(nil)
    }

    var markdown: String {
        var lines = ["| measurement | result | note |", "|---|---|---|"]
        lines += rows.map { "| \($0.measurement) | \($0.value) | \($0.note) |" }
        return lines.joined(separator: "\n")
    }

    /// Writes the repository's docs/BENCHMARKS.md.
    func write(duration: Duration) {
        let text = """
            # Benchmarks

            Measured by `swift run -c release --package-path Benchmarks udpchat-bench` (it rewrites this file), on real UDP over
            127.0.0.1, in one run of \(formatted(duration.seconds, digits: 0)) s.

            Machine: \(Machine.description). Date: \(ISO8601DateFormatter().string(from: Date())).

            \(markdown)

            How each is measured:
            - **Raw floor**: two blocking sockets of the benchmark itself; an echo thread answers 40-byte
              datagrams (round trip), and one socket sends 40-byte datagrams flat out to another (one-way rate).
            - **send→ACK**: two ChatKit clients in this process and a server in a child process; the time from
              typing `send y …` to `[Message received by <y>.]`, one message at a time.
            - **Relay send→ACK**: one server, and two pairs of clients taking turns with a raw socket: x sends
              to y directly, rx sends to ry through the server's relay (`--relay-only`: rx → server → ry → server
              → rx), and the socket sends the server a keepalive from no session (a round trip plus one
              handling). The bound beside it is the direct send→ACK plus that round trip, as the issue states
              it. On loopback a round trip is mostly two wake-ups and one handling, and the relay pays one
              more server turn than the bound counts.
            - **Pipelined**: the same clients; 100,000 sends piped in (delivered in 64 KiB batches, as a pipe
              would), each ACKed on its own and shown with its own line. The recipient answers each burst
              of chats with one `chat-acks` datagram, so a message costs about one datagram, not two.
            - **First chat**: 50 fresh pairs of clients of one server; each pair's first `send` starts the
              peer session (Noise XX: init, reply, then the finish with the sealed chat), its second rides it.
              The extra time is the first's p50 less the second's, in raw round trips.
            - **Durable saves**: a sender streams `save` requests (512 unanswered at most) to a server in a
              child process; each must be answered "saved", which the server sends only once the store says
              the message is durable (for files: fsynced; saves read together share one fsync).
            - **Registration storm**: N sockets register at once with a server in a child process, served by one
              poll loop of the benchmark's. A client has converged when it holds everything the server sent
              it: above the whole-table limit (256 rows) that is its own row, as clients then hold only the
              rows they use. Each registration is the v7 handshake (challenge, then the cookie back); the
              storm's clients do not sign, as a new nick needs no signature, so that one process playing
              10,000 clients does not trickle its answers and measure itself. The raw floor beside it is
              the time four datagrams per client take at the raw one-way rate. Server CPU and peak memory
              come from /proc.
            - **Simulated storm**: N clients register in waves of 100 on the loopback network with the virtual
              clock (`RegistrationStorm`, the scale test's scenario), each size in a child process; every
              client's held rows are compared with the rows the server says it holds, row by row. Time and
              peak memory are the child's own.
            - **Give-ups and nicks lost**: `LivenessTrials` on the loopback network at a fixed loss rate,
              each datagram lost independently. Give-ups: clients send saves to a live server, one after
              another, and any `[Server not responding]` counts. Nicks lost: a holder that is up and
              answering, and second processes at other addresses asking for its nickname, one at a time.
            - **Table change to every holder (simulated)**: one client's row changes 1,000 times, each change
              alone (the next one after every holder has it and a second has passed); the time from the
              server's change until each of 20 holders holds it. Loss is independent per datagram, so this is
              the protocol's own tail: 0.5 s, 1.5 s and 3.5 s are the first three resends.
            - **Table change to every holder (real loss)**: the benchmark makes a network namespace whose
              loopback drops 20% of UDP with nftables and runs a server and 60 clients inside it on real UDP.
              Ten clients change their rows in turn, one change every 250 ms; the time from the server's
              change until each of 50 holders has that version of the row (or a newer one) is polled every
              0.2 ms. Busy tables repair faster than lone changes: any lost acknowledgement also starts a
              resend.
            - **Flood figures**: the server machine alone. Amplification: one request of each kind a
              stranger can send, from an address that never echoes a cookie; bytes sent back over bytes
              received, over a minute. Memory: resident memory before and after 100,000 forged
              registrations, and after 10,000 new nicks from one source in 20 s (a page is the resolution).
              Log lines: 10,000 deregistrations of a live nick with wrong tokens in 20 s. Bytes stored: how
              much text of 1,000-byte messages one sender gets stored under the default limits.
            - **Abuse figures** (`ChatKitTesting.AbuseTrials`, the machines the tests check, with no network):
              a registered attacker drives one mechanism at a time, and every byte sent toward the target is
              counted against every byte the attacker sent. Punch orders: 300 punch requests toward an honest
              client, 10 ms apart, padded as little as still gets an order through; punches: what that client,
              a real `ClientMachine`, then sends to a socket the attacker named five times among its host
              candidates. Relays and probes: 300 "no ACK" saves, 10 ms apart, for a registered client that
              answers nothing, over the next 10 s. Table pushes: 300 re-registrations, 100 ms apart, each with
              its own cookie round trip and alternating candidates; the most bytes any of 20 acknowledging
              holders got (and, apart, what went back to the churner itself, which asked). Log lines: 5,000
              saves to an online recipient in 2 s, lines of any cause over 20 s. Mailbox flood: four nicks on
              one network send 300 saves each to an offline recipient, then a sender on another network and a
              sender on the flood's network whom the recipient wrote to first send 20 each.
            - **Simulation**: 100 clients and the server on the loopback network with the virtual clock,
              chatting for a simulated minute (every first chat between two of them punches, and active
              paths are kept open).
            - **Waits** (what a user waits for): the benchmark runs itself (`--waits-real <trials>`) inside a
              fresh network namespace per loss level (0, 10, 20, 30%: nftables `numgen random` drops that
              share of UDP datagrams), with one server and 50 trials, 5 side by side. Each trial starts two
              fresh clients (real `ClientDriver`s on UDP sockets): start → `[Welcome…]`; `send` → its
              outcome line; the peer killed (its socket cut, nothing said) and `send` → `saved`; the peer
              started again on the same port with its identity and address token → its stored message
              shown. p50 / p90 / max of each; a wait over 20 s would count as 20 s and be reported.
            """
        // The repository's docs, wherever the benchmark is run from: this file is
        // Benchmarks/Sources/udpchat-bench/Report.swift.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("docs/BENCHMARKS.md").path
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            print("\nwrote \(path)")
        } catch {
            print("\ncould not write \(path): \(error)")
        }
    }
}
