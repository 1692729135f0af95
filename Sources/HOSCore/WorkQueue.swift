// The work queue's values: analysis requests that many workers share, claimed under a lease (HOSPostgres
// keeps them in PostgreSQL), how many are in each state, and the ones that have ended.

/// One analysis request on the queue: a user's events, ending with their analysis_request.
public struct QueuedRequest: Sendable, Equatable {
    /// The analysis id (the request's, or the implicit request's hos-run would make).
    public var id: String
    public var user: String
    /// The event lines, each without its newline.
    public var lines: [String]
    /// Which claim of the request this is (1 the first time): completing needs the same worker and attempt.
    public var attempt = 0

    public init(id: String, user: String, lines: [String], attempt: Int = 0) {
        self.id = id
        self.user = user
        self.lines = lines
        self.attempt = attempt
    }
}

/// How many requests are in each state.
public struct QueueCounts: Sendable, Equatable {
    public var pending = 0
    public var running = 0
    public var done = 0
    public var failed = 0

    public init(pending: Int = 0, running: Int = 0, done: Int = 0, failed: Int = 0) {
        self.pending = pending
        self.running = running
        self.done = done
        self.failed = failed
    }

    /// Whether nothing is waiting or under way.
    public var isSettled: Bool { pending == 0 && running == 0 }
}

/// A request that has ended, as `hos-run results` shows it.
public struct FinishedRequest: Sendable, Equatable {
    public var seq: Int
    public var id: String
    public var user: String
    public var done: Bool
    /// The pipeline's output lines for the request, each ending in a newline.
    public var output: String
    public var error: String?
    public var attempts: Int

    public init(seq: Int, id: String, user: String, done: Bool, output: String, error: String?, attempts: Int) {
        self.seq = seq
        self.id = id
        self.user = user
        self.done = done
        self.output = output
        self.error = error
        self.attempts = attempts
    }
}
