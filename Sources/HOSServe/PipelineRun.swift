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
        let events: [JSON]
        do {
            events = try pipeline(requests, onStep: onStep)
        } catch {
            return Dictionary(uniqueKeysWithValues: ids.map { ($0, (.failed, nil)) })
        }
        var outcomes: [String: Outcome] = [:]
        for request in requests {
            guard let id = request.analysisID else { continue }
            let mine = events.filter {
                $0["analysis_id"]?.stringValue == id
                    || ($0["analysis_id"] == nil && $0["user_id"]?.stringValue == request.userID)
            }
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

    /// The pipeline's output (analysis_complete and agent_error events) for the requests.
    func pipeline(_ requests: [Event], onStep: @escaping @Sendable (StepProgress) -> Void) throws -> [JSON] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hos-serve-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let input = dir.appendingPathComponent("request.jsonl").path
        try Data(requests.map { $0.json.text + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: input))
        var options = RunOptions(memory: memory, environment: environment)
        options.output = .complete
        options.onStep = onStep
        let out = dir.appendingPathComponent("out.jsonl").path
        let sink = try OutputSink(path: out)
        let runner = PipelineRunner(spec: spec, options: options)
        let key = active.add(runner)
        defer { active.remove(key) }
        _ = try runner.run(inputs: [InputFile(name: "request", path: input)], output: sink, deadLetter: nil)
        try sink.commit()
        let text = try String(contentsOfFile: out, encoding: .utf8)
        return text.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
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
