/// The client's requests to the server, each retried every `interval` until it is answered.
///
/// A healthy server is never given up on: the client gives up only when `silenceLimit` has passed
/// without any answer from the server at all, so loss alone (even 30%) does not end a session, while a
/// dead server is still reported within `silenceLimit`.
struct ServerRequests<Purpose: Sendable>: Sendable {
    struct Request {
        var purpose: Purpose
        var startedAt: Instant
        /// When to try again; nil while the request waits for the client to register again.
        var nextTry: Instant?
    }

    let interval: Duration
    let silenceLimit: Duration
    /// How long a request waits on a silent server before the user is told (once per silence).
    let silenceNotice: Duration
    private(set) var requests: [UInt64: Request] = [:]
    private var retries = DeadlineQueue()
    private var lastHeard: Instant?
    private var toldOfSilence = false

    init(interval: Duration, silenceLimit: Duration, silenceNotice: Duration = .seconds(2)) {
        self.interval = interval
        self.silenceLimit = silenceLimit
        self.silenceNotice = silenceNotice
    }

    var isEmpty: Bool { requests.isEmpty }
    var nextDeadline: Instant? { retries.earliest }

    subscript(id: UInt64) -> Request? { requests[id] }

    /// Records a new request; the caller sends it now and calls `scheduleRetry`.
    mutating func start(_ id: UInt64, _ purpose: Purpose, now: Instant) {
        requests[id] = Request(purpose: purpose, startedAt: now, nextTry: nil)
    }

    /// The request is sent (again) now; its next try is one interval later.
    mutating func scheduleRetry(_ id: UInt64, now: Instant) {
        guard requests[id] != nil, requests[id]?.nextTry != now + interval else { return }
        requests[id]?.nextTry = now + interval
        retries.add(id, at: now + interval)
    }

    /// Keeps a request without trying it, until `scheduleRetry` (it waits for a new registration).
    mutating func park(_ id: UInt64, _ purpose: Purpose, now: Instant) {
        requests[id] = Request(purpose: purpose, startedAt: now, nextTry: nil)
    }

    /// The ids of the parked requests, oldest id first.
    var parked: [UInt64] { requests.filter { $0.value.nextTry == nil }.map(\.key).sorted() }

    /// The server said something: it is alive.
    mutating func heardFromServer(at now: Instant) {
        lastHeard = now
        toldOfSilence = false
    }

    /// The request is answered; returns what it was for.
    @discardableResult
    mutating func finish(_ id: UInt64) -> Purpose? {
        requests.removeValue(forKey: id)?.purpose
    }

    mutating func removeAll() {
        requests = [:]
    }

    /// The requests to send again now, or `gaveUp` when the server has been silent for `silenceLimit`;
    /// `tellSilence` once per silence, when a request has waited `silenceNotice` with no word from it.
    mutating func due(_ now: Instant) -> (retry: [UInt64], gaveUp: Bool, tellSilence: Bool) {
        var retry: [UInt64] = []
        var tell = false
        for (deadline, id) in retries.popDue(now) {
            guard let request = requests[id], request.nextTry == deadline else { continue }
            let silentSince = max(lastHeard ?? request.startedAt, request.startedAt)
            if now - silentSince >= silenceLimit { return (retry, true, false) }
            if now - silentSince >= silenceNotice, !toldOfSilence {
                toldOfSilence = true
                tell = true
            }
            retry.append(id)
        }
        return (retry, false, tell)
    }
}
