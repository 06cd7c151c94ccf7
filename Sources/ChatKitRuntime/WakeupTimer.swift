import ChatKitCore
/// Keeps one clock timer armed no later than a state machine's next deadline.
///
/// Drivers call `arm(at:)` after every event with the machine's `nextDeadline`. The timer is replaced
/// only when the deadline moves earlier; when it moves later, the armed timer fires early and the
/// machine's `.tick` finds nothing due, after which the timer is armed again. Busy machines, whose
/// deadlines move with every message, so do not churn the clock.
struct WakeupTimer {
    private var timer: (any ScheduledTimer)?
    private var deadline: Instant?

    mutating func arm(at newDeadline: Instant?, on clock: any DriverClock, fire: @escaping @Sendable () -> Void) {
        guard let newDeadline else { return }
        if let deadline, deadline <= newDeadline { return }
        timer?.cancel()
        deadline = newDeadline
        timer = clock.schedule(at: newDeadline, fire)
    }

    /// Forgets the current deadline once its timer has fired, so the next `arm` schedules anew.
    mutating func fired() {
        timer = nil
        deadline = nil
    }

    mutating func cancel() {
        timer?.cancel()
        timer = nil
        deadline = nil
    }
}
