/// The client's requests to the server, each retried until it is answered: first after the server's
/// retransmission timeout (RFC 6298, from the round trips measured here, between `floor` and `interval`),
/// then twice as long each time, up to `interval`. On a lossy path (`PathLoss`) each send is echoed once,
/// `echoAfter` later, so one lost datagram costs milliseconds rather than a timeout.
///
/// A healthy server is never given up on: the client gives up only when `silenceLimit` has passed
/// without any answer from the server at all, so loss alone (even 30%) does not end a session, while a
/// dead server is still reported within `silenceLimit`.
struct ServerRequests<Purpose: Sendable>: Sendable {
    /// What the requests ask the machine to do.
    enum Directive: Equatable {
        /// Send request `id` again.
        case retry(UInt64)
        /// Tell the user the server has said nothing yet (once per silence).
        case tellSilence
        /// The server has been silent for `silenceLimit`: give up on it.
        case giveUp
    }

    struct Request {
        var purpose: Purpose
        var startedAt: Instant
        /// When to try again; nil while the request waits for the client to register again.
        var nextTry: Instant?
        /// The pause before the next try: doubled by every try that goes unanswered.
        var wait: Duration = .zero
        /// When the exchange now awaiting an answer was sent, if only once: its answer times a round trip.
        var timedSince: Instant?
        /// Whether a send awaits its answer (a second send before it makes the exchange untimed, by
        /// Karn's rule).
        var awaitingAnswer = false
        /// When it was last sent.
        var lastSent: Instant?
        /// Whether this exchange's first send has been counted as lost or answered in `loss`.
        var lossRecorded = false
        /// When this send's echo is due, on a lossy path.
        var echoAt: Instant?
    }

    /// The longest pause between tries (the original program's 500 ms).
    let interval: Duration
    /// The shortest pause between tries, however fast the server answers.
    let floor: Duration
    /// The pause before the first retry while no round trip has been measured yet.
    let initialWait: Duration
    /// The round trips to the server measured so far.
    private(set) var roundTrip = RoundTripEstimator()
    /// Whether recent exchanges lost their first send.
    private(set) var loss = PathLoss()
    /// How long after a send its echo goes, on a lossy path.
    let echoAfter: Duration
    private var echoes = DeadlineQueue()
    let silenceLimit: Duration
    /// How long a request waits on a silent server before the user is told (once per silence).
    let silenceNotice: Duration
    private(set) var requests: [UInt64: Request] = [:]
    private var retries = DeadlineQueue()
    private var lastHeard: Instant?
    private var toldOfSilence = false

    init(
        interval: Duration, floor: Duration? = nil, initialWait: Duration? = nil, silenceLimit: Duration,
        silenceNotice: Duration = .seconds(2), echoAfter: Duration = .milliseconds(20)
    ) {
        self.echoAfter = echoAfter
        self.interval = interval
        self.floor = min(floor ?? interval, interval)
        self.initialWait = min(initialWait ?? interval, interval)
        self.silenceLimit = silenceLimit
        self.silenceNotice = silenceNotice
    }

    var isEmpty: Bool { requests.isEmpty }
    var nextDeadline: Instant? { Instant.earliest(retries.earliest, echoes.earliest) }

    subscript(id: UInt64) -> Request? { requests[id] }

    /// Records a new request; the caller sends it now and calls `scheduleRetry`.
    mutating func start(_ id: UInt64, _ purpose: Purpose, now: Instant) {
        requests[id] = Request(purpose: purpose, startedAt: now, nextTry: nil)
    }

    /// The retransmission timeout the round trips measured so far give.
    var timeout: Duration { roundTrip.timeout(floor: floor, cap: interval, fallback: initialWait) }

    /// The request is sent (again) now; its next try waits one timeout, doubled for each try since the
    /// last answer, up to `interval`.
    mutating func scheduleRetry(_ id: UInt64, now: Instant) {
        guard var request = requests[id], request.lastSent != now else { return }
        request.lastSent = now
        if request.awaitingAnswer {
            if !request.lossRecorded { loss.record(lost: true) }
            request.lossRecorded = true
            request.timedSince = nil
            // Doubling waits for a measured timeout: before one, the server may simply be far, or lost.
            request.wait = roundTrip.smoothed == nil ? initialWait : min(interval, request.wait * 2)
        } else {
            request.timedSince = now
            request.awaitingAnswer = true
            request.lossRecorded = false
            request.wait = timeout
        }
        // Echoes only on a path that answers: a server silent for `silenceNotice` is down, not lossy.
        if loss.isLossy, let lastHeard, now - lastHeard < silenceNotice {
            request.echoAt = now + echoAfter
            echoes.add(id, at: now + echoAfter)
        }
        // The try after the silence limit is the verdict, so it comes at the limit, not after it.
        let verdictAt = max(lastHeard ?? request.startedAt, request.startedAt) + silenceLimit
        let next = verdictAt > now ? min(now + request.wait, verdictAt) : now + request.wait
        request.nextTry = next
        requests[id] = request
        retries.add(id, at: next)
    }

    /// The server answered request `id` (perhaps not finally: a challenge, or a registration that waits
    /// for its table); an exchange sent once times a round trip.
    mutating func answered(_ id: UInt64, now: Instant) {
        guard var request = requests[id], request.awaitingAnswer else { return }
        if let sentAt = request.timedSince { roundTrip.add(now - sentAt) }
        loss.answered()
        if !request.lossRecorded { loss.record(lost: false) }
        request.lossRecorded = true
        request.echoAt = nil
        request.timedSince = nil
        request.awaitingAnswer = false
        requests[id] = request
    }

    /// Keeps a request without trying it, until `scheduleRetry` (it waits for a new registration).
    mutating func park(_ id: UInt64, _ purpose: Purpose, now: Instant) {
        requests[id] = Request(purpose: purpose, startedAt: now, nextTry: nil)
    }

    /// Parks every request: the client moves to another server, and they wait for its registration there.
    mutating func parkAll() {
        for id in requests.keys {
            requests[id]?.nextTry = nil
            requests[id]?.echoAt = nil
            requests[id]?.awaitingAnswer = false
        }
    }

    /// The ids of the parked requests, oldest id first.
    var parked: [UInt64] { requests.filter { $0.value.nextTry == nil }.map(\.key).sorted() }

    /// The silence was told and the client stays: the next verdict comes one silence limit from now.
    mutating func forgiveSilence(_ now: Instant) {
        lastHeard = now
    }

    /// How long the server has said nothing, if it ever spoke.
    func silence(at now: Instant) -> Duration? {
        lastHeard.map { now - $0 }
    }

    /// The server said something: it is alive.
    mutating func heardFromServer(at now: Instant) {
        lastHeard = now
        toldOfSilence = false
    }

    /// The request is answered; returns what it was for.
    @discardableResult
    mutating func finish(_ id: UInt64) -> Purpose? {
        let finished = requests.removeValue(forKey: id)
        dropSettledDeadlines()
        return finished?.purpose
    }

    /// Drops the deadlines of answered requests from the front of both queues, so that `nextDeadline`
    /// belongs to a request still waiting: a stream of answered requests (chats through the relay) then
    /// wakes the machine for the requests in flight, not once more per request.
    private mutating func dropSettledDeadlines() {
        let requests = self.requests
        retries.dropStaleFront { requests[$0.id]?.nextTry != $0.deadline }
        echoes.dropStaleFront { requests[$0.id]?.echoAt != $0.deadline }
    }

    mutating func removeAll() {
        requests = [:]
        retries = DeadlineQueue()
        echoes = DeadlineQueue()
    }

    /// The echoes due now: requests on a lossy path sent once more, still unanswered. An echo makes the
    /// exchange's round trip ambiguous, so it is not timed (Karn's rule).
    mutating func dueEchoes(_ now: Instant) -> [UInt64] {
        var due: [UInt64] = []
        for (deadline, id) in echoes.popDue(now) {
            guard var request = requests[id], request.echoAt == deadline, request.awaitingAnswer else { continue }
            request.echoAt = nil
            request.timedSince = nil
            requests[id] = request
            due.append(id)
        }
        return due
    }

    /// What is due now: `.tellSilence` once per silence, when a request has waited `silenceNotice` with
    /// no word from the server; `.giveUp` once it has been silent for `silenceLimit`; then the requests to
    /// send again (`.retry`).
    mutating func due(_ now: Instant) -> [Directive] {
        var retries: [Directive] = []
        var tell = false
        for (deadline, id) in self.retries.popDue(now) {
            guard let request = requests[id], request.nextTry == deadline else { continue }
            let silentSince = max(lastHeard ?? request.startedAt, request.startedAt)
            if now - silentSince >= silenceLimit { return [.giveUp] + retries }
            if now - silentSince >= silenceNotice, !toldOfSilence {
                toldOfSilence = true
                tell = true
            }
            retries.append(.retry(id))
        }
        return (tell ? [.tellSilence] : []) + retries
    }
}
