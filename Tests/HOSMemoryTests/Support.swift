// Helpers for the memory tests: a fresh temporary directory per test, a stage run over real files, events.

import Foundation
import HOSCore

@testable import HOSMemory

/// A fresh temporary directory, removed when the value is dropped.
final class TempDir {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("hos-mem-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func write(_ name: String, _ text: String) -> String {
        let p = path(name)
        _ = FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
        return p
    }

    func read(_ name: String) -> String {
        String(decoding: FileManager.default.contents(atPath: path(name)) ?? Data(), as: UTF8.self)
    }
}

/// The folder of this test target, for golden files.
let testsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

/// Runs a memory stage over `input` lines and returns the output lines.
@discardableResult
func runMemory(_ store: MemoryStore, _ input: [String], emitContext: Bool = true) throws -> [String] {
    let dir = TempDir()
    let inPath = dir.write("in.jsonl", input.joined(separator: "\n") + "\n")
    var config = RunConfig(agent: MemoryStage.agent, onError: .fail)
    config.printProblems = false
    if !emitContext {
        config.forwardInput = false
        config.implicitRequests = false
    }
    let sink = try OutputSink(path: dir.path("out.jsonl"))
    let runner = StreamRunner(stage: MemoryStage(store: store, emitContext: emitContext), config: config, output: sink)
    try runner.run([InputFile(name: "in.jsonl", path: inPath)])
    try sink.commit()
    return dir.read("out.jsonl").split(separator: "\n").map(String.init)
}

func parse(_ line: String) -> JSON { try! JSONParser.parse(line) }

/// JSON-escaped text of a string, quotes included.
func q(_ s: String) -> String { JSON.string(s).text }

func record(_ user: String, _ date: String, _ metrics: String, id: String? = nil, ts: String? = nil) -> String {
    let idPart = id.map { #""event_id":\#(q($0)),"# } ?? ""
    return
        #"{\#(idPart)"event_type":"health_record","user_id":\#(q(user)),"timestamp":"\#(ts ?? date + "T08:00:00Z")","payload":{"date":"\#(date)","metrics":\#(metrics)}}"#
}

func request(
    _ user: String, id: String, asOf: String? = nil, ts: String = "2026-02-10T00:00:00Z",
    archetype: String? = nil
) -> String {
    var p = [#""analysis_id":\#(q("a-" + id))"#]
    if let asOf { p.append(#""as_of":"\#(asOf)""#) }
    let arch = archetype.map { #","archetype":\#(q($0))"# } ?? ""
    return
        #"{"event_id":\#(q(id)),"event_type":"analysis_request","user_id":\#(q(user)),"timestamp":"\#(ts)"\#(arch),"payload":{\#(p.joined(separator: ","))}}"#
}

func profile(_ user: String, id: String, pattern: String, allergies: [String] = []) -> String {
    let a = allergies.map(q).joined(separator: ",")
    return
        #"{"event_id":\#(q(id)),"event_type":"user_profile","user_id":\#(q(user)),"timestamp":"2026-01-01T00:00:00Z","payload":{"age":35,"dietary":{"pattern":\#(q(pattern)),"exclusions":[],"allergies":[\#(a)]}}}"#
}

/// Days of records from `start`: sleep_end at `wake` (± a few minutes), steps.
func days(_ user: String, from start: String, count: Int, wake: Int = 390, prefix: String = "r") -> [String] {
    let first = LocalDate(start)!
    return (0..<count).map { i in
        let d = first.adding(days: i)
        let w = ClockTime(minutes: wake + (i % 3) * 5 - 5)
        return record(
            user, d.description,
            #"{"sleep_end":"\#(w)","sleep_start":"23:00","steps":\#(6000 + i * 10),"sleep_duration_min":450}"#,
            id: "\(prefix)-\(user)-\(d)")
    }
}

/// Row counts of every user table for `user`.
func rowCounts(_ store: MemoryStore, user: String) throws -> [String: Int] { try store.rowCounts(user: user) }

func totalRows(_ store: MemoryStore) throws -> Int { try store.rowCounts(user: nil).values.reduce(0, +) }

/// The key the memory tests open their files with: .ci/run runs this suite a second time with
/// HOS_TEST_MEMORY_KEY_FILE set, so that every test also runs on an encrypted file; nil (plain files) otherwise.
let testKey: MemoryKey? = ProcessInfo.processInfo.environment["HOS_TEST_MEMORY_KEY_FILE"].flatMap {
    $0.isEmpty ? nil : try! MemoryKey.load(file: $0)
}

extension MemoryStore {
    /// A store as the tests open it: as `init`, with `testKey`.
    static func testing(
        path: String, options: MemoryOptions = MemoryOptions(), readOnly: Bool = false, create: Bool = true,
        check: OpenCheck = .smallFile
    ) throws -> MemoryStore {
        try MemoryStore(path: path, options: options, readOnly: readOnly, create: create, check: check, key: testKey)
    }
}
