// One analysis through the pipeline, as hos-run runs one request: the agents as processes, the user's
// stored records replayed from the memory file by the pipeline's first step.

import Foundation
import HOSCore
import HOSPipeline

/// Runs the pipeline over one analysis_request and returns its analysis_complete (or agent_error) event.
struct PipelineRun: Sendable {
    let spec: PipelineSpec
    let memory: String
    let environment: [String: String]
    let active = ActiveRuns()

    func callAsFunction(
        _ request: Event, onStep: @escaping @Sendable (StepProgress) -> Void
    ) async -> (AnalysisState, JSON?) {
        await withCheckedContinuation { done in
            // PipelineRunner blocks (threads and child processes): a thread of its own, not the pool's.
            Thread { done.resume(returning: run(request, onStep: onStep)) }.start()
        }
    }

    func run(_ request: Event, onStep: @escaping @Sendable (StepProgress) -> Void) -> (AnalysisState, JSON?) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hos-serve-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let input = dir.appendingPathComponent("request.jsonl").path
            try Data((request.json.text + "\n").utf8).write(to: URL(fileURLWithPath: input))
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
            let events = text.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
            guard let complete = events.last(where: { $0["event_type"]?.stringValue == EventType.analysisComplete })
            else { return (.failed, events.last) }
            let degraded = complete["payload"]?["degraded"]?.arrayValue?.isEmpty == false
            return (degraded ? .degraded : .complete, complete)
        } catch {
            return (.failed, nil)
        }
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
