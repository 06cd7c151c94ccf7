/// Typed lines waiting for the client to be ready, first in first out, with O(1) removal from the front
/// (a burst of piped input can queue a hundred thousand lines).
struct LineQueue {
    private var lines: [String] = []
    private var head = 0

    var isEmpty: Bool { head == lines.count }

    mutating func append(_ line: String) {
        lines.append(line)
    }

    mutating func popFirst() -> String? {
        guard head < lines.count else { return nil }
        let line = lines[head]
        head += 1
        if head == lines.count {
            lines.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1_024, head * 2 > lines.count {
            lines.removeFirst(head)
            head = 0
        }
        return line
    }

    mutating func removeAll() {
        lines = []
        head = 0
    }
}
