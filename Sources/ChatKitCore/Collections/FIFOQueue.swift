/// A first-in first-out queue with O(1) removal from the front: the array is compacted only once most
/// of it has been consumed. Typed lines waiting for the client and pending deadlines both use it; a
/// burst can queue a hundred thousand of either.
struct FIFOQueue<Element> {
    private var elements: [Element] = []
    private var head = 0

    var isEmpty: Bool { head == elements.count }

    /// The element that `popFirst` would return.
    var first: Element? { head < elements.count ? elements[head] : nil }

    /// The last element queued.
    var last: Element? { isEmpty ? nil : elements.last }

    mutating func append(_ element: Element) {
        elements.append(element)
    }

    /// Inserts `element` before the first queued element for which `isAfter` holds, or at the end.
    mutating func insert(_ element: Element, before isAfter: (Element) -> Bool) {
        let index = elements[head...].firstIndex(where: isAfter) ?? elements.endIndex
        elements.insert(element, at: index)
    }

    mutating func popFirst() -> Element? {
        guard head < elements.count else { return nil }
        let element = elements[head]
        head += 1
        if head == elements.count {
            elements.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1_024, head * 2 > elements.count {
            elements.removeFirst(head)
            head = 0
        }
        return element
    }

    mutating func removeAll() {
        elements = []
        head = 0
    }
}

extension FIFOQueue: Sendable where Element: Sendable {}
