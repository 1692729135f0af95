// Helpers for running the runtime in-process over real temporary files.

import Foundation

@testable import HOSCore

/// A fresh temporary directory, removed when the value is dropped by the test's end of scope.
final class TempDir {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("hos-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func write(_ name: String, _ text: String) -> String {
        let p = path(name)
        _ = FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
        return p
    }

    func write(_ name: String, bytes: [UInt8]) -> String {
        let p = path(name)
        _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }

    func read(_ name: String) -> String {
        String(decoding: readBytes(name), as: UTF8.self)
    }

    func readBytes(_ name: String) -> [UInt8] {
        FileManager.default.contents(atPath: path(name)).map { Array($0) } ?? []
    }
}

/// The outcome of one in-process run.
struct RunResult<S: Stage> {
    var output: [String]
    var stats: RunStats
    var stage: S
    var error: Error?
    var deadLetter: String
    var deadLetterBytes: [UInt8]
}

/// Runs `stage` over `input` (a file's content) and returns the output lines.
func runStage<S: Stage>(
    _ stage: S, input: String, agent: String = "hos-test", policy: ErrorPolicy = .fail,
    maxLineBytes: Int = RunConfig.defaultMaxLineBytes
) -> RunResult<S> {
    runStage(stage, bytes: Array(input.utf8), agent: agent, policy: policy, maxLineBytes: maxLineBytes)
}

func runStage<S: Stage>(
    _ stage: S, bytes: [UInt8], agent: String = "hos-test", policy: ErrorPolicy = .fail,
    maxLineBytes: Int = RunConfig.defaultMaxLineBytes
) -> RunResult<S> {
    let dir = TempDir()
    let input = dir.write("in.jsonl", bytes: bytes)
    var policy = policy
    if case .deadLetter = policy { policy = .deadLetter(dir.path("dead.jsonl")) }
    var config = RunConfig(agent: agent, onError: policy, maxLineBytes: maxLineBytes)
    config.printProblems = false
    let sink = try! OutputSink(path: dir.path("out.jsonl"))
    var dead: OutputSink?
    if case .deadLetter(let p) = policy { dead = try! OutputSink(appendingTo: p) }
    let runner = StreamRunner(stage: stage, config: config, output: sink, deadLetter: dead)
    var error: Error?
    do {
        try runner.run([InputFile(name: "in.jsonl", path: input)])
    } catch let e {
        error = e
    }
    try! sink.commit()
    try! dead?.flush()
    let text = dir.read("out.jsonl")
    return RunResult(
        output: text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init),
        stats: runner.stats, stage: runner.stage, error: error, deadLetter: dir.read("dead.jsonl"),
        deadLetterBytes: dir.readBytes("dead.jsonl"))
}

/// A health_record line for tests.
func record(
    _ user: String, _ date: String, _ metrics: String = #"{"steps":8000}"#, id: String? = nil,
    extra: String = ""
) -> String {
    let idPart = id.map { #""event_id":"\#($0)","# } ?? ""
    return
        #"{\#(idPart)"event_type":"health_record","user_id":"\#(user)","timestamp":"\#(date)T00:00:00Z","payload":{"date":"\#(date)","metrics":\#(metrics)}\#(extra)}"#
}

func request(_ user: String, id: String = "r1") -> String {
    #"{"event_id":"\#(id)","event_type":"analysis_request","user_id":"\#(user)","timestamp":"2026-01-10T00:00:00Z","payload":{"analysis_id":"a-\#(id)"}}"#
}

func parse(_ line: String) -> JSON { try! JSONParser.parse(line) }
