// The work queue's interface: analysis requests that many workers share, claimed under a lease. HOSPostgres
// implements it; the commands reach it through the executables that link that module (RunCommand.queueEngine).

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

/// A work queue: requests put on it once, claimed by workers under a lease, finished by the claim that holds it.
public protocol WorkQueueing: Sendable {
    /// Adds the requests not already on the queue (by id) and returns which were new.
    func enqueue(_ requests: [QueuedRequest]) throws -> [Bool]
    /// Claims up to `limit` requests for `worker` for `leaseSeconds` (see the implementation for the rules).
    func claim(worker: String, limit: Int, leaseSeconds: Double, maxAttempts: Int) throws -> [QueuedRequest]
    /// Extends the lease of every request `worker` holds; returns how many it holds.
    @discardableResult func renew(worker: String, leaseSeconds: Double) throws -> Int
    /// Records a request's end if `worker` still holds this attempt's claim; false when the claim was lost.
    func finish(_ request: QueuedRequest, worker: String, done: Bool, output: [String], error: String?) throws -> Bool
    /// How many requests are in each state.
    func counts() throws -> QueueCounts
    /// Finished requests after `seq` in queue order, at most `limit`.
    func finished(after seq: Int, limit: Int) throws -> [FinishedRequest]
}
