import Foundation
import Glibc

/// A fresh network namespace whose loopback drops a share of UDP datagrams at random (nftables
/// `numgen random mod 100 < N drop`), in which the benchmark runs a child of itself: real kernel loss,
/// with every datagram kept inside the namespace.
enum LossyNamespace {
    /// Runs this program with `arguments` inside a new namespace with `lossPercent`% UDP loss, and returns
    /// what it printed. Throws `notRun` without root, `ip` or nftables.
    static func runChild(lossPercent: Int, arguments: [String]) throws -> String {
        guard geteuid() == 0 else { throw BenchError.notRun("needs root to make a network namespace") }
        let namespace = "ckbench\(getpid())"
        guard shell("ip netns add \(namespace) && ip -n \(namespace) link set lo up") else {
            throw BenchError.notRun("cannot make a network namespace (ip netns add failed)")
        }
        defer { _ = shell("ip netns del \(namespace)") }
        let rule = "table inet loss { chain out { type filter hook output priority 0; meta l4proto udp numgen random mod 100 < \(lossPercent) drop; }; }"
        guard shell("ip netns exec \(namespace) nft '\(rule)'") else {
            throw BenchError.notRun("nftables is missing or refused the rule (apt-get install nftables)")
        }
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        if !FileManager.default.fileExists(atPath: "/usr/sbin/ip") { process.executableURL = URL(fileURLWithPath: "/sbin/ip") }
        process.arguments = ["netns", "exec", namespace, CommandLine.arguments[0]] + arguments
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text
    }

    private static func shell(_ command: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command + " >/dev/null 2>&1"]
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
