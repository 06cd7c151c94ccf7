import Foundation

/// Durations measured in a benchmark, with the percentiles the report needs.
struct Samples {
    private(set) var microseconds: [Double] = []

    mutating func add(_ duration: Duration) {
        microseconds.append(Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12)
    }

    /// The value below which `fraction` of the samples fall.
    func percentile(_ fraction: Double) -> Double {
        guard !microseconds.isEmpty else { return .nan }
        let sorted = microseconds.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }
}

/// One row of the benchmark's table.
struct ResultRow {
    var measurement: String
    var value: String
    var note: String
}

/// Formats a number with thousands separators and `digits` decimals.
func formatted(_ value: Double, digits: Int = 0) -> String {
    guard value.isFinite else { return "n/a" }
    let scale = pow(10, Double(digits))
    let rounded = (value * scale).rounded() / scale
    let whole = Int(rounded.rounded(.towardZero))
    var text = String(abs(whole))
    var index = text.count - 3
    while index > 0 {
        text.insert(",", at: text.index(text.startIndex, offsetBy: index))
        index -= 3
    }
    if rounded < 0 { text = "-" + text }
    guard digits > 0 else { return text }
    let fraction = Int((abs(rounded - Double(whole)) * scale).rounded())
    let fractionText = String(fraction)
    return text + "." + String(repeating: "0", count: digits - fractionText.count) + fractionText
}

// @unchecked: `count` and `lastTime` are touched only with `condition` locked; callers wait on it.
/// Blocks until `condition` holds, checking whenever `signal` fires, or until `timeout`; true if it held.
final class Waiter: @unchecked Sendable {
    private let condition = NSCondition()
    private var count = 0

    private var lastTime = ContinuousClock.now

    func increment() {
        let time = ContinuousClock.now
        condition.lock()
        count += 1
        lastTime = time
        condition.broadcast()
        condition.unlock()
    }

    /// When the count last went up.
    var lastIncrement: ContinuousClock.Instant {
        condition.lock()
        defer { condition.unlock() }
        return lastTime
    }

    var value: Int {
        condition.lock()
        defer { condition.unlock() }
        return count
    }

    /// Waits until the count reaches `target`.
    @discardableResult
    func wait(for target: Int, timeout: Duration = .seconds(30)) -> Bool {
        let deadline = Date().addingTimeInterval(timeout.seconds)
        condition.lock()
        defer { condition.unlock() }
        while count < target {
            if !condition.wait(until: deadline) { return count >= target }
        }
        return true
    }
}
