// What flows between the steps of a running pipeline: one analysis' events at a time, through bounded queues.

import Foundation
import Glibc
import HOSCore

/// One event line between steps, with what the runner needs of it, found when the line was checked:
/// the line is scanned once per step, not again by each part of the runner that looks at it.
struct Line: Sendable {
    /// The line without its newline.
    var bytes: [UInt8]
    /// Its `event_id`; empty when it has none.
    var id: String
    /// Its `user_id`, nil when it has none.
    var user: String?
    var isAgentError: Bool

    init(bytes: [UInt8], id: String, user: String?, isAgentError: Bool) {
        self.bytes = bytes
        self.id = id
        self.user = user
        self.isAgentError = isAgentError
    }

    /// Checks a line as an event (syntax, UTF-8 and the envelope); nil when it is not one.
    init?(checking bytes: [UInt8]) {
        let found: (String, String?, Bool)? = bytes.withUnsafeBufferPointer { buf in
            guard let env = try? Envelope.scan(buf), (try? env.check(in: buf)) != nil else { return nil }
            return (
                env.string(env.eventID, in: buf) ?? "", env.string(env.userID, in: buf),
                env.field(env.eventType, in: buf, equals: "agent_error")
            )
        }
        guard let found else { return nil }
        self.init(bytes: bytes, id: found.0, user: found.1, isAgentError: found.2)
    }
}

/// The events of one analysis window: everything since the previous request, then the request.
///
/// Steps pass whole segments on, so a step that fails can be given its segments again without
/// anything reaching the next step twice.
struct Segment: Sendable {
    /// The position of its request in the input, over all shards: the output keeps this order.
    var seq: Int
    /// The events before the request, in stream order.
    var lines: [Line]
    /// The `analysis_request` that closes the window; nil for what follows the last request at end of input.
    var barrier: [UInt8]?
    var barrierID: String
    var user: String
    var analysisID: String?
    var archetype: String?
    var timestamp: String
    /// Step id → the events that step created for this analysis.
    var results: [(step: String, lines: [Line])] = []
    var degraded: [String] = []
    var timings: [(step: String, ms: Double)] = []
    /// When the dispatcher passed it to its shard, for the end-to-end latency.
    var enteredAt = nowMS()
    /// Some line belongs to another user than the request's (input not grouped by user): each step keeps
    /// those lines until their own user's request passes, to replay them if it restarts.
    var mixed = false
    /// With --incremental: the day an analysed window describes (analysis_complete's as_of).
    var asOf: LocalDate?
    /// With --incremental: the re-emitted analysis_complete of a cached user, whose segment no step sees.
    var cached: [UInt8]?

    /// The bytes a step reads for this segment.
    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(lines.reduce(0) { $0 + $1.bytes.count + 1 } + (barrier?.count ?? 0) + 1)
        for l in lines {
            out += l.bytes
            out.append(0x0A)
        }
        if let barrier {
            out += barrier
            out.append(0x0A)
        }
        return out
    }
}

/// A FIFO with a capacity, for one producer and one consumer thread; it can wake a poll loop.
final class BoundedQueue<T>: @unchecked Sendable {
    private var items: [T] = []
    private var head = 0
    private var closed = false
    private var cancelled = false
    private let capacity: Int
    private let condition = NSCondition()
    /// A pipe whose read end a consumer polls; one byte is written on each push and on close.
    let wakeRead: Int32
    private let wakeWrite: Int32

    init(capacity: Int) {
        self.capacity = capacity
        var fds: [Int32] = [-1, -1]
        ChildProcess.spawnLock.lock()
        _ = closeOnExecPipe(&fds)
        ChildProcess.spawnLock.unlock()
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    deinit {
        Glibc.close(wakeRead)
        Glibc.close(wakeWrite)
    }

    private func wake() {
        var b: UInt8 = 1
        _ = write(wakeWrite, &b, 1)
    }

    /// Adds an item, waiting while the queue is full; dropped once the queue is cancelled.
    func push(_ item: T) {
        condition.lock()
        while items.count - head >= capacity && !cancelled { condition.wait() }
        if cancelled {
            condition.unlock()
            return
        }
        items.append(item)
        condition.broadcast()
        condition.unlock()
        wake()
    }

    /// The run stops: items are dropped, waiting producers and consumers go on.
    func cancel() {
        condition.lock()
        cancelled = true
        closed = true
        items = []
        head = 0
        condition.broadcast()
        condition.unlock()
        wake()
    }

    /// No more items will come.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
        wake()
    }

    /// The next item, waiting for one; nil once the queue is closed and empty.
    func pop() -> T? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !closed { condition.wait() }
        return take()
    }

    /// The next item if one is there; `.closed` once the queue is closed and empty.
    enum Poll {
        case item(T)
        case empty, closed
    }

    func tryPop() -> Poll {
        condition.lock()
        defer { condition.unlock() }
        if let item = take() { return .item(item) }
        return closed ? .closed : .empty
    }

    private func take() -> T? {
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return item
    }

    /// Empties the wake pipe (the consumer calls this before looking at the queue).
    func drainWake() {
        var buf = [UInt8](repeating: 0, count: 256)
        while read(wakeRead, &buf, 256) > 0 {}
    }
}

/// A monotonic clock in milliseconds.
func nowMS() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1_000_000
}

/// Stops a run from any thread: the first reason wins; every queue is cancelled so that nothing waits.
final class Cancellation: @unchecked Sendable {
    private let lock = NSLock()
    private var _reason: Error?
    private var queues: [() -> Void] = []

    var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return _reason != nil
    }

    var reason: Error? {
        lock.lock()
        defer { lock.unlock() }
        return _reason
    }

    func register<T>(_ q: BoundedQueue<T>) {
        lock.lock()
        queues.append { q.cancel() }
        lock.unlock()
    }

    func cancel(_ error: Error) {
        lock.lock()
        guard _reason == nil else {
            lock.unlock()
            return
        }
        _reason = error
        let qs = queues
        lock.unlock()
        for q in qs { q() }
    }
}

/// The reason of a run stopped because another part of it failed (never the first reason).
struct Cancelled: Error {}
