/// Which message counters of a session were already accepted, as WireGuard's and IPsec's anti-replay
/// windows keep them (RFC 6479): the highest counter seen and a bitmap of the `size` counters below it.
/// A counter older than the window, or one seen before, is a replay.
public struct ReplayWindow: Sendable, Equatable {
    /// How many counters below the highest are remembered.
    public static let size: UInt64 = 1_024
    private var highest: UInt64 = 0
    private var seenAny = false
    private var bits = [UInt64](repeating: 0, count: Int(size / 64))

    /// An empty window.
    public init() {}

    /// Whether `counter` could be new: checked before the (costly) authentication.
    public func mayAccept(_ counter: UInt64) -> Bool {
        guard seenAny else { return true }
        if counter > highest { return true }
        if highest - counter >= Self.size { return false }
        return !isSet(counter)
    }

    /// Records an authenticated `counter`; returns false (and records nothing) for a replay.
    public mutating func accept(_ counter: UInt64) -> Bool {
        guard mayAccept(counter) else { return false }
        if !seenAny || counter > highest {
            let shift = seenAny ? counter - highest : Self.size
            if shift >= Self.size {
                for index in bits.indices { bits[index] = 0 }
            } else {
                var cleared = highest + 1
                while cleared <= counter {
                    clear(cleared)
                    cleared += 1
                }
            }
            highest = counter
            seenAny = true
        }
        set(counter)
        return true
    }

    private func isSet(_ counter: UInt64) -> Bool {
        let slot = counter % Self.size
        return bits[Int(slot / 64)] & (1 << (slot % 64)) != 0
    }

    private mutating func set(_ counter: UInt64) {
        let slot = counter % Self.size
        bits[Int(slot / 64)] |= 1 << (slot % 64)
    }

    private mutating func clear(_ counter: UInt64) {
        let slot = counter % Self.size
        bits[Int(slot / 64)] &= ~(1 << (slot % 64))
    }
}
