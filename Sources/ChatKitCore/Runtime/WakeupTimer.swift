/// Keeps exactly one clock timer armed at a state machine's next deadline.
///
/// Drivers call `arm(at:)` after every event with the machine's `nextDeadline`; the timer is only
/// replaced when the deadline actually moves, so busy machines do not churn the clock.
struct WakeupTimer {
    private var timer: (any ScheduledTimer)?
    private var deadline: Instant?

    mutating func arm(at newDeadline: Instant?, on clock: any Clock, fire: @escaping @Sendable () -> Void) {
        guard newDeadline != deadline else { return }
        timer?.cancel()
        timer = nil
        deadline = newDeadline
        if let newDeadline {
            timer = clock.schedule(at: newDeadline, fire)
        }
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
