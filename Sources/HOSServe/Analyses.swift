// Analyses through the server: a bounded queue, the pipeline run for each, and the story each one's
// event stream tells (progress of every step, then analysis_complete or agent_error).

import Foundation
import HOSCore
import HOSPipeline

/// Where an analysis is.
public enum AnalysisState: String, Sendable {
    case queued, running, complete, degraded, failed

    var done: Bool { self == .complete || self == .degraded || self == .failed }
}

/// One event of an analysis' SSE stream; `id` counts from 1 within the analysis.
public struct StreamEvent: Sendable, Equatable {
    public var id: Int
    public var name: String
    public var data: String

    /// The SSE text of the event.
    var text: String { "id: \(id)\nevent: \(name)\ndata: \(data)\n\n" }
}

/// Why an analysis was not taken.
enum Refusal: Error { case queueFull(retryAfter: Int) }

/// The analyses the server knows, their queue and their streams. One actor: every change in one place.
actor Board {
    struct Entry {
        var user: String
        var request: Event
        var state: AnalysisState = .queued
        var events: [StreamEvent] = []
        var result: JSON?
        var listeners: [UUID: AsyncStream<StreamEvent>.Continuation] = [:]
    }

    /// What runs a batch of analyses: their requests in, each one's outcome by analysis_id out.
    typealias Run = @Sendable ([Event], @escaping @Sendable (StepProgress) -> Void) async -> [String: Outcome]

    let maxConcurrent: Int
    let maxQueue: Int
    let maxBatch: Int
    /// Finished analyses kept for their status, stream and report; the oldest go first.
    let keep: Int
    let run: Run
    private var entries: [String: Entry] = [:]
    private var finished: [String] = []
    private var queue: [String] = []
    private var running = 0
    private var draining = false

    init(maxConcurrent: Int, maxQueue: Int, maxBatch: Int, keep: Int = 10_000, run: @escaping Run) {
        self.maxConcurrent = maxConcurrent
        self.maxQueue = maxQueue
        self.maxBatch = maxBatch
        self.keep = keep
        self.run = run
    }

    /// Takes an analysis (its request event, whose analysis_id is the key), or refuses it when the queue is full.
    func submit(_ request: Event, id: String) throws(Refusal) {
        if entries[id] != nil { return }
        guard !draining, queue.count < maxQueue || running < maxConcurrent else {
            throw .queueFull(retryAfter: max(1, queue.count / max(1, maxConcurrent)))
        }
        entries[id] = Entry(user: request.userID, request: request)
        append(id, "state", #"{"state":"queued"}"#)
        queue.append(id)
        startNext()
    }

    func entry(_ id: String) -> (user: String, state: AnalysisState, result: JSON?)? {
        entries[id].map { ($0.user, $0.state, $0.result) }
    }

    /// Counts by state and the queue's length, for /metrics.
    func counts() -> (states: [AnalysisState: Int], queued: Int, running: Int) {
        var s: [AnalysisState: Int] = [:]
        for e in entries.values { s[e.state, default: 0] += 1 }
        return (s, queue.count, running)
    }

    /// What the stream said after `lastID`, and, unless the analysis is over, a stream of what it says next.
    func subscribe(_ id: String, after lastID: Int) -> (past: [StreamEvent], next: AsyncStream<StreamEvent>?)? {
        guard var e = entries[id] else { return nil }
        let past = e.events.filter { $0.id > lastID }
        guard !e.state.done else { return (past, nil) }
        let (stream, continuation) = AsyncStream<StreamEvent>.makeStream()
        e.listeners[UUID()] = continuation
        entries[id] = e
        return (past, stream)
    }

    /// Stops taking analyses; returns once the running and queued ones are over.
    func drain() async {
        draining = true
        while running > 0 || !queue.isEmpty, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(50)) }
    }

    /// Ends every open stream with a last event (the server is stopping).
    func closeStreams() {
        for id in entries.keys where !(entries[id]!.state.done) {
            append(id, "shutdown", #"{"message":"the server is stopping"}"#)
            for c in entries[id]!.listeners.values { c.finish() }
            entries[id]!.listeners = [:]
        }
    }

    private func append(_ id: String, _ name: String, _ data: String) {
        guard var e = entries[id] else { return }
        let event = StreamEvent(id: e.events.count + 1, name: name, data: data)
        e.events.append(event)
        for c in e.listeners.values { c.yield(event) }
        entries[id] = e
    }

    /// Starts a run for each free slot, each with up to `maxBatch` queued analyses, oldest first. Analyses
    /// waiting together run together: the agents start once for all of them, which is what lets a few cores
    /// keep up with many users. A batch holds one analysis per user; a user's next one waits for the next.
    private func startNext() {
        while running < maxConcurrent, !queue.isEmpty {
            let batch = nextBatch()
            let requests = batch.compactMap { entries[$0]?.request }
            running += 1
            for id in batch {
                entries[id]!.state = .running
                append(id, "state", #"{"analyses":\#(batch.count),"state":"running"}"#)
            }
            Task {
                // On the actor (the task inherits it); the steps report from the pipeline's threads, and one
                // stream keeps their order.
                let (steps, sink) = AsyncStream<StepProgress>.makeStream()
                let relay = Task { for await p in steps { self.progress(batch, p) } }
                let outcomes = await run(requests) { sink.yield($0) }
                sink.finish()
                await relay.value
                self.finish(batch, outcomes)
            }
        }
    }

    /// Takes the oldest queued analyses off the queue, up to `maxBatch`, at most one of each user.
    private func nextBatch() -> [String] {
        var batch: [String] = []
        var users: Set<String> = []
        for id in queue where batch.count < maxBatch {
            guard let user = entries[id]?.user, users.insert(user).inserted else { continue }
            batch.append(id)
        }
        queue.removeAll { batch.contains($0) }
        return batch
    }

    /// A step's news, to the analysis it is about (the runner names it), else to every analysis of the run.
    private func progress(_ ids: [String], _ p: StepProgress) {
        var o: [String: JSON] = ["step": .string(p.step), "phase": .string(p.phase.rawValue)]
        if let ms = p.ms { o["ms"] = .number((ms * 10).rounded() / 10) }
        for id in ids.contains(p.analysisID) ? [p.analysisID] : ids { append(id, "progress", JSON.object(o).text) }
    }

    private func finish(_ ids: [String], _ outcomes: [String: Outcome]) {
        running -= 1
        for id in ids {
            let (state, result) = outcomes[id] ?? (.failed, nil)
            entries[id]?.state = state
            entries[id]?.result = result
            if let result {
                append(id, result["event_type"]?.stringValue ?? "analysis_complete", result.text)
            } else {
                let why = draining ? "the server stopped before the analysis finished" : "the analysis failed"
                append(id, "agent_error", JSON.object(["message": .string(why)]).text)
            }
            for c in entries[id]?.listeners.values ?? [:].values { c.finish() }
            entries[id]?.listeners = [:]
            finished.append(id)
        }
        // A long-running server forgets the oldest finished analyses (their results are in the memory file).
        if finished.count > keep {
            for id in finished.prefix(finished.count - keep) { entries[id] = nil }
            finished.removeFirst(finished.count - keep)
        }
        startNext()
    }
}
