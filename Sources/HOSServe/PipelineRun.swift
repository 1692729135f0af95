// Analyses through the pipeline, as hos-run runs requests: the agents as processes, each user's stored
// records replayed from the memory file by the pipeline's first step.

import Foundation
import HOSCore
import HOSPipeline

/// What a run says of one analysis: its state and its analysis_complete (or agent_error) event.
typealias Outcome = (state: AnalysisState, result: JSON?)

/// Runs the pipeline over analysis_requests of different users in one stream, as hos-run runs a batch: one
/// set of agent processes for all of them (starting ~7 processes is most of what one analysis costs), and
/// each analysis' result as it would be alone, since the agents keep every user's state apart.
struct PipelineRun: Sendable {
    let spec: PipelineSpec
    let memory: String
    let memoryKeyFile: String?
    let environment: [String: String]
    let active = ActiveRuns()

    func callAsFunction(
        _ requests: [Event], onStep: @escaping @Sendable (StepProgress) -> Void
    ) async -> [String: Outcome] {
        await withCheckedContinuation { done in
            // PipelineRunner blocks (threads and child processes): a thread of its own, not the pool's.
            Thread { done.resume(returning: run(requests, onStep: onStep)) }.start()
        }
    }

    /// Each request's outcome by its analysis_id; an analysis without its analysis_complete has failed.
    func run(_ requests: [Event], onStep: @escaping @Sendable (StepProgress) -> Void) -> [String: Outcome] {
        let ids = requests.compactMap(\.analysisID)
        let split: [String: [String]]
        do {
            split = try pipeline(requests, onStep: onStep)
        } catch {
            return Dictionary(uniqueKeysWithValues: ids.map { ($0, (.failed, nil)) })
        }
        return Self.outcomes(ids, split)
    }

    /// Each analysis' outcome from its output lines: its analysis_complete (degraded when it says so), else
    /// failed with its last agent_error.
    static func outcomes(_ ids: [String], _ split: [String: [String]]) -> [String: Outcome] {
        var outcomes: [String: Outcome] = [:]
        for id in ids {
            let mine = (split[id] ?? []).compactMap { try? JSONParser.parse($0) }
            if let complete = mine.last(where: { $0["event_type"]?.stringValue == EventType.analysisComplete }) {
                let degraded = complete["payload"]?["degraded"]?.arrayValue?.isEmpty == false
                outcomes[id] = (degraded ? .degraded : .complete, complete)
            } else {
                // Only an agent_error may stand for a failed analysis: its stream ends with one either way.
                outcomes[id] = (.failed, mine.last { $0["event_type"]?.stringValue == EventType.agentError })
            }
        }
        return outcomes
    }

    /// The pipeline's output lines (analysis_complete and agent_error events) for each request.
    func pipeline(
        _ requests: [Event], onStep: @escaping @Sendable (StepProgress) -> Void
    ) throws -> [String: [String]] {
        var options = RunOptions(memory: memory, environment: environment)
        options.memoryKeyFile = memoryKeyFile
        options.output = .complete
        options.onStep = onStep
        let runner = PipelineRunner(spec: spec, options: options)
        let key = active.add(runner)
        defer { active.remove(key) }
        let analyses = requests.compactMap { r in r.analysisID.map { ($0, r.userID) } }
        return try BatchRun.run(
            runner, lines: requests.map(\.json.text),
            analyses: Dictionary(analyses, uniquingKeysWith: { first, _ in first }))
    }
}

/// The pipeline runs under way, so that a shutdown whose grace period is over can stop them.
final class ActiveRuns: @unchecked Sendable {
    private let lock = NSLock()
    private var runs: [Int: PipelineRunner] = [:]
    private var next = 0

    func add(_ r: PipelineRunner) -> Int {
        lock.lock()
        defer { lock.unlock() }
        next += 1
        runs[next] = r
        return next
    }

    func remove(_ key: Int) {
        lock.lock()
        runs[key] = nil
        lock.unlock()
    }

    /// Cancels every run: their agents are killed and their analyses end as failed.
    func cancelAll() {
        lock.lock()
        let all = Array(runs.values)
        lock.unlock()
        for r in all { r.cancel() }
    }
}
