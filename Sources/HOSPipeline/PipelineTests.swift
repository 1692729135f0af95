// `hos-run test`: pipeline unit tests in YAML — input events, steps replaced by fixed outputs, expected output.

import Foundation
import HOSCore
import Yams

/// A test file: the pipeline it tests and its cases.
public struct PipelineTestFile: Sendable {
    public var file: String
    public var pipeline: PipelineSpec
    public var tests: [PipelineTestCase]

    /// Reads a test file; the pipeline path is relative to the test file.
    public static func load(file: String, environment: [String: String]) throws(PipelineError) -> PipelineTestFile {
        let root = try YAMLTree.compose(YAMLTree.read(file), file: file)
        var r = SpecReader(file: file, environment: environment)
        let dir = (file as NSString).deletingLastPathComponent
        var tests: [PipelineTestCase] = []
        var pipelineFile: String?
        if let top = r.mapping(root, "", allowed: ["version", "pipeline", "tests"]) {
            if top["version"]?.scalar?.string != "1" { r.problem(top["version"] ?? root, "version", "must be 1") }
            if let p = top["pipeline"], let s = r.string(p, "pipeline") {
                pipelineFile = resolve(s, dir)
            } else {
                r.problem(root, "pipeline", "missing (the pipeline file to test)")
            }
            if case .sequence(let seq)? = top["tests"], !seq.isEmpty {
                for (i, node) in seq.enumerated() {
                    if let t = r.testCase(node, "tests[\(i)]", dir: dir) { tests.append(t) }
                }
            } else {
                r.problem(top["tests"] ?? root, "tests", "must be a non-empty list")
            }
        }
        if !r.problems.isEmpty { throw .invalid(r.problems) }
        let pipeline = try PipelineSpec.load(file: pipelineFile!, environment: environment)
        var problems: [SpecProblem] = []
        for t in tests {
            for id in t.replace.keys where !pipeline.steps.contains(where: { $0.id == id }) {
                problems.append(
                    SpecProblem(
                        file: file, line: t.line, path: "replace.\(id)",
                        message: "no step with this id in \(pipelineFile!)"))
            }
        }
        if !problems.isEmpty { throw .invalid(problems) }
        return PipelineTestFile(file: file, pipeline: pipeline, tests: tests)
    }

    static func resolve(_ path: String, _ dir: String) -> String {
        path.hasPrefix("/") || dir.isEmpty ? path : "\(dir)/\(path)"
    }
}

/// One test: input, replaced steps, expectations.
public struct PipelineTestCase: Sendable {
    public var name: String
    public var line: Int
    /// Input events as JSON lines.
    public var input: [String]
    /// Step id → the events it writes at each analysis instead of running.
    public var replace: [String: [JSON]]
    public var output: OutputMode?
    /// Whether an analysis may complete degraded (by default a degraded analysis fails the test).
    public var allowDegraded = false
    public var expect: [Expectation]
}

/// A condition on the output events: those matching `where` number `count`, and each has `equals`/`exists`.
public struct Expectation: Sendable {
    public var line: Int
    public var whereFields: [(path: String, value: JSON)]
    public var count: Int?
    public var equals: [(path: String, value: JSON)]
    public var exists: [String]

    /// The first failure, or nil when the output meets the expectation.
    public func check(_ events: [JSON]) -> String? {
        let matched = events.enumerated().filter { _, e in
            whereFields.allSatisfy { Self.lookup(e, $0.path) == $0.value }
        }
        if let count, matched.count != count {
            return "\(matched.count) events match \(Self.describe(whereFields)), expected \(count)"
        }
        if matched.isEmpty && count != 0 && (!equals.isEmpty || !exists.isEmpty) {
            return "no event matches \(Self.describe(whereFields))"
        }
        for (i, e) in matched {
            let id = e["event_id"]?.stringValue ?? "?"
            for (path, value) in equals {
                let got = Self.lookup(e, path)
                if got != value {
                    return
                        "output event \(i + 1) (event_id \(id)): \(path) is \(got?.text ?? "missing"), expected \(value.text)"
                }
            }
            for path in exists where Self.lookup(e, path) == nil {
                return "output event \(i + 1) (event_id \(id)): \(path) is missing"
            }
        }
        return nil
    }

    static func describe(_ fields: [(path: String, value: JSON)]) -> String {
        fields.isEmpty
            ? "(every event)" : "{" + fields.map { "\($0.path): \($0.value.text)" }.joined(separator: ", ") + "}"
    }

    /// `payload.items.0.category`: object keys and array indexes, dot-separated.
    static func lookup(_ json: JSON, _ path: String) -> JSON? {
        var cur: JSON? = json
        for part in path.split(separator: ".") {
            switch cur {
            case .object(let o)?: cur = o[String(part)]
            case .array(let a)?:
                guard let i = Int(part), a.indices.contains(i) else { return nil }
                cur = a[i]
            default: return nil
            }
        }
        return cur
    }
}

extension SpecReader {
    mutating func testCase(_ node: Node, _ path: String, dir: String) -> PipelineTestCase? {
        guard
            let m = mapping(
                node, path, allowed: ["name", "input", "input_file", "replace", "output", "allow_degraded", "expect"])
        else {
            return nil
        }
        var t = PipelineTestCase(name: "", line: node.mark?.line ?? 1, input: [], replace: [:], output: nil, expect: [])
        if let n = m["name"], let s = string(n, "\(path).name") {
            t.name = s
        } else {
            problem(node, "\(path).name", "missing")
        }
        if let f = m["input_file"], let s = string(f, "\(path).input_file") {
            let file = PipelineTestFile.resolve(s, dir)
            if let text = try? String(contentsOfFile: file, encoding: .utf8) {
                t.input += text.split(separator: "\n").map(String.init)
            } else {
                problem(f, "\(path).input_file", "cannot read \(file)")
            }
        }
        if let i = m["input"] {
            if case .sequence(let seq) = i {
                for (k, e) in seq.enumerated() { if let j = json(e, "\(path).input[\(k)]") { t.input.append(j.text) } }
            } else {
                problem(i, "\(path).input", "must be a list of events")
            }
        }
        if let o = m["output"], let s = string(o, "\(path).output") {
            if let mode = OutputMode(rawValue: s) {
                t.output = mode
            } else {
                problem(o, "\(path).output", "must be complete or all")
            }
        }
        if let a = m["allow_degraded"], let s = string(a, "\(path).allow_degraded") {
            if let b = Bool(s) {
                t.allowDegraded = b
            } else {
                problem(a, "\(path).allow_degraded", "must be true or false")
            }
        }
        if let r = m["replace"] {
            if case .mapping(let rm) = r {
                for (k, v) in rm {
                    guard let id = k.scalar?.string else { continue }
                    guard case .sequence(let seq) = v else {
                        problem(v, "\(path).replace.\(id)", "must be a list of events")
                        continue
                    }
                    t.replace[id] = seq.enumerated().compactMap { json($1, "\(path).replace.\(id)[\($0)]") }
                }
            } else {
                problem(r, "\(path).replace", "must map step ids to lists of events")
            }
        }
        if case .sequence(let seq)? = m["expect"], !seq.isEmpty {
            for (k, e) in seq.enumerated() { if let x = expectation(e, "\(path).expect[\(k)]") { t.expect.append(x) } }
        } else {
            problem(m["expect"] ?? node, "\(path).expect", "must be a non-empty list of conditions")
        }
        return t
    }

    mutating func expectation(_ node: Node, _ path: String) -> Expectation? {
        guard let m = mapping(node, path, allowed: ["where", "count", "equals", "exists"]) else { return nil }
        var x = Expectation(line: node.mark?.line ?? 1, whereFields: [], count: nil, equals: [], exists: [])
        if let w = m["where"] { x.whereFields = fields(w, "\(path).where") }
        if let c = m["count"] { x.count = int(c, "\(path).count", in: 0...1_000_000) }
        if let e = m["equals"] { x.equals = fields(e, "\(path).equals") }
        if let e = m["exists"] { x.exists = stringList(e, "\(path).exists") }
        return x
    }

    mutating func fields(_ node: Node, _ path: String) -> [(path: String, value: JSON)] {
        guard case .mapping(let m) = node else {
            problem(node, path, "must map field paths to values")
            return []
        }
        return m.compactMap { k, v in
            guard let key = k.scalar?.string, let j = json(v, "\(path).\(key)") else { return nil }
            return (key, j)
        }
    }

    /// YAML → JSON, with YAML's own typing of plain scalars (numbers, booleans, null).
    mutating func json(_ node: Node, _ path: String) -> JSON? {
        switch node {
        case .scalar(let s):
            if s.style == .plain {
                if node.null != nil { return .null }
                if let b = node.bool { return .bool(b) }
                if let i = node.int { return .number(Double(i)) }
                if let f = node.float, f.isFinite { return .number(f) }
            }
            guard let v = string(node, path) else { return nil }
            return .string(v)
        case .sequence(let seq):
            var out: [JSON] = []
            for (i, e) in seq.enumerated() { if let j = json(e, "\(path)[\(i)]") { out.append(j) } }
            return .array(out)
        case .mapping(let m):
            var out: [String: JSON] = [:]
            for (k, v) in m { if let key = k.scalar?.string, let j = json(v, "\(path).\(key)") { out[key] = j } }
            return .object(out)
        case .alias:
            problem(node, path, "aliases are not supported here")
            return nil
        }
    }
}

/// The stage that stands for a replaced step: forwards everything, and at each request writes fixed events.
public struct FixedOutputStage: Stage {
    public let step: String
    public let events: [JSON]

    public init(step: String, events: [JSON]) {
        self.step = step
        self.events = events
    }

    public var consumes: Set<String> { [] }

    public func barrier(_ request: Event, emit: (Event) throws -> Void) throws {
        for (i, e) in events.enumerated() {
            var payload = e["payload"]?.objectValue ?? [:]
            if payload["analysis_id"] == nil, let a = request.analysisID { payload["analysis_id"] = .string(a) }
            try emit(
                Event(
                    id: EventID.derive("fixed", step, request.eventID, String(i)),
                    type: e["event_type"]?.stringValue ?? "fixed_output", user: request.userID,
                    timestamp: request.timestamp,
                    source: "hos-\(step)", archetype: request.archetype, analysisID: request.analysisID,
                    payload: payload))
        }
    }
}
