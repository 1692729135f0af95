// One run of a pipeline over the requests of several users at once, its output split by analysis: how
// hos-serve and `hos-run worker` amortise starting the agents' processes over many analyses.

import Foundation
import HOSCore

/// The analyses of one batch and the run that computes them.
public enum BatchRun {
    /// Runs `runner` over `lines` (the users' events, each user's ending with their request, at most one
    /// request per user) and returns, for each analysis in `analyses` (id → user), the output lines that name
    /// it, and those of its user that name no analysis, in output order.
    public static func run(
        _ runner: PipelineRunner, lines: [String], analyses: [String: String]
    ) throws -> [String: [String]] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hos-batch-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The users' events: readable by this user only, as the memory file is (a worker killed mid-run leaves
        // the folder behind).
        try FileManager.default.createDirectory(
            at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let input = dir.appendingPathComponent("requests.jsonl").path
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: input))
        let out = dir.appendingPathComponent("out.jsonl").path
        let sink = try OutputSink(path: out)
        _ = try runner.run(inputs: [InputFile(name: "requests", path: input)], output: sink, deadLetter: nil)
        try sink.commit()
        let users = Dictionary(analyses.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        var split = Dictionary(uniqueKeysWithValues: analyses.keys.map { ($0, [String]()) })
        for line in try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n") {
            guard let event = try? JSONParser.parse(String(line)) else { continue }
            let id = event["analysis_id"]?.stringValue ?? event["user_id"]?.stringValue.flatMap { users[$0] }
            if let id, split[id] != nil { split[id]!.append(String(line)) }
        }
        return split
    }
}
