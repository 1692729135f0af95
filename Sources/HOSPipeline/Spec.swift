// The pipeline file: YAML → a checked PipelineSpec, every problem named by its key path and line.

import Foundation
import Glibc
import HOSCore
import Yams

/// What a step does when it still fails after its retries.
public enum FailurePolicy: String, Sendable, Equatable {
    /// The analysis completes without this step's result (its events forwarded, an agent_error written).
    case degrade
    /// The run stops with exit status 1.
    case fail
}

/// Which events leave hos-run.
public enum OutputMode: String, Sendable, Equatable {
    /// `analysis_complete` and `agent_error` only.
    case complete
    /// Every event of the stream, each `analysis_complete` after its analysis' request.
    case all
}

/// Timeout, retries and failure policy, from `defaults:` or a step.
public struct StepPolicy: Sendable, Equatable {
    /// Seconds a step may take to pass an analysis' request on.
    public var timeout: Double = 60
    /// The timeout as the file would write it: `60s`, `500ms`.
    public var timeoutText: String {
        if timeout < 1 { return "\(Int((timeout * 1000).rounded()))ms" }
        return timeout == timeout.rounded() ? "\(Int(timeout))s" : "\(timeout)s"
    }
    public var retries: Int = 1
    public var onFailure: FailurePolicy = .degrade
    public init() {}
}

/// One process of the pipeline.
public struct StepSpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// An agent: the executable `hos-NAME`, beside hos-run or on PATH, whatever it is.
        case agent(String)
        /// Any shell command reading and writing JSON lines.
        case run(String)
    }

    /// The step's name in `analysis_complete`, `timings_ms` and `degraded`: `id:`, else the agent's name.
    public var id: String
    public var kind: Kind
    public var args: [String] = []
    public var env: [String: String] = [:]
    public var policy: StepPolicy
    /// The line of the step in the file.
    public var line: Int

    public init(id: String, kind: Kind, policy: StepPolicy, line: Int) {
        self.id = id
        self.kind = kind
        self.policy = policy
        self.line = line
    }

    /// Whether the step writes data for the steps after it, not a result: `hos-memory replay`, whose
    /// records are left out of `analysis_complete` (its time is in `timings_ms`).
    public var writesData: Bool { kind == .agent("memory") && args.first == "replay" }
}

/// A stage of the pipeline: one step, or steps run side by side on the same stream.
public enum StageSpec: Sendable, Equatable {
    case step(StepSpec)
    case parallel([StepSpec], line: Int)

    public var steps: [StepSpec] {
        switch self {
        case .step(let s): [s]
        case .parallel(let b, _): b
        }
    }
}

/// The `llm:` section: every agent step gets `HOS_LLM=1`, which an agent that can use an LLM reads as its
/// `--llm` (the others ignore it), and every step gets these settings as `HOS_LLM_*` variables. The key
/// itself is never in the file: `api_key_env` names the variable that holds it.
public struct LLMSpec: Sendable, Equatable {
    public var baseURL: String?
    public var model: String?
    public var apiKeyEnv: String?
    public var timeout: Double?
    public var budget: Int?
    public var stream: Bool?

    /// The variable that turns an agent's LLM on, as its `--llm` does.
    public static let enableVariable = "HOS_LLM"

    public init() {}

    /// The variables a step is given.
    public var environment: [String: String] {
        var env: [String: String] = [:]
        if let baseURL { env["HOS_LLM_BASE_URL"] = baseURL }
        if let model { env["HOS_LLM_MODEL"] = model }
        if let apiKeyEnv { env["HOS_LLM_API_KEY_ENV"] = apiKeyEnv }
        if let timeout { env["HOS_LLM_TIMEOUT"] = String(timeout) }
        if let budget { env["HOS_LLM_BUDGET"] = String(budget) }
        if let stream { env["HOS_LLM_STREAM"] = stream ? "1" : "0" }
        return env
    }
}

/// A checked pipeline file.
public struct PipelineSpec: Sendable, Equatable {
    public var name: String
    public var description: String?
    public var memory: String?
    public var defaults = StepPolicy()
    public var output: OutputMode = .complete
    /// The `llm:` section; nil: no step uses an LLM unless its own args say `--llm`.
    public var llm: LLMSpec?
    /// `incremental:`: the new days that make a user analysed again; nil: every user is analysed.
    public var incremental: Int?
    public var stages: [StageSpec] = []
    /// The file it came from, for diagnostics.
    public var file: String
    /// What `hos-run lint` warns of: `${NAME:raw}` in a `run:` command.
    public var warnings: [SpecProblem] = []

    /// Every step in order, branches of a parallel block in their order.
    public var steps: [StepSpec] { stages.flatMap(\.steps) }

    /// Reads and checks a pipeline file; `environment` expands `${NAME}` in strings.
    public static func load(file: String, environment: [String: String]) throws(PipelineError) -> PipelineSpec {
        try parse(YAMLTree.read(file), file: file, environment: environment)
    }

    /// Parses and checks pipeline text.
    public static func parse(_ text: String, file: String, environment: [String: String]) throws(PipelineError)
        -> PipelineSpec
    {
        let root = try YAMLTree.compose(text, file: file)
        var reader = SpecReader(file: file, environment: environment)
        let spec = reader.pipeline(root)
        if !reader.problems.isEmpty {
            throw PipelineError.invalid(
                reader.problems.enumerated().sorted {
                    ($0.element.line, $0.offset) < ($1.element.line, $1.offset)
                }.map(\.element))
        }
        var checked = spec!
        checked.warnings = reader.notes
        return checked
    }
}

/// A problem in a pipeline or test file, at a key path and line.
public struct SpecProblem: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var path: String
    public var message: String
    public var description: String { "\(file):\(line): \(path): \(message)" }
}

/// The module's errors.
public enum PipelineError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(String, reason: String)
    case yaml(file: String, line: Int, message: String)
    case invalid([SpecProblem])
    case agentNotFound(file: String, line: Int, command: String, nearest: String? = nil)
    case spawn(step: String, message: String)
    case stepFailed(step: String, message: String)
    case io(String)

    public var description: String {
        switch self {
        case .unreadable(let f, let reason): "\(f): cannot open: \(reason)"
        case .yaml(let f, let l, let m): "\(f):\(l): invalid YAML: \(m)"
        case .invalid(let p): p.map(\.description).joined(separator: "\n")
        case .agentNotFound(let f, let l, let c, let n):
            "\(f):\(l): steps: \(c) not found beside hos-run or on PATH"
                + (n.map { "; did you mean agent: \($0)?" } ?? "")
        case .spawn(let s, let m): "step \(s): cannot start: \(m)"
        case .stepFailed(let s, let m): "step \(s) failed: \(m)"
        case .io(let m): m
        }
    }
}

/// The limits on a pipeline or test file, which keep `lint` and `run` quick on any file (hos-run(1)).
public enum PipelineLimits {
    /// The largest file read: far above any real pipeline, far below what would take long to parse.
    public static let maxFileBytes = 1 << 20
    /// The most steps in a pipeline, parallel branches included: each is a process.
    public static let maxSteps = 1000
    /// The most values that aliases (`*name`) may add to a file once expanded, against alias bombs.
    public static let maxAliasValues = 100_000
}

/// YAML composed into nodes with their lines.
enum YAMLTree {
    /// A file's text: at most `maxFileBytes`, UTF-8, without NUL; a problem names its line.
    static func read(_ file: String) throws(PipelineError) -> String {
        var st = stat()
        guard stat(file, &st) == 0 else { throw .unreadable(file, reason: errnoText()) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw .unreadable(file, reason: "is a directory") }
        if st.st_size > PipelineLimits.maxFileBytes {
            throw .yaml(
                file: file, line: 1,
                message: "the file is \(st.st_size) bytes; the limit is \(PipelineLimits.maxFileBytes)")
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw .unreadable(file, reason: errnoText())
        }
        if data.count > PipelineLimits.maxFileBytes {
            throw .yaml(file: file, line: 1, message: "the file is more than \(PipelineLimits.maxFileBytes) bytes")
        }
        return try text(Array(data), file: file)
    }

    /// UTF-8 text, or the line and column of the first NUL or invalid byte (YAML's own reader would blame
    /// the wrong line, or the file as a whole).
    static func text(_ bytes: [UInt8], file: String) throws(PipelineError) -> String {
        var line = 1
        var lineStart = 0
        var offset = 0
        var parser = Unicode.UTF8.ForwardParser()
        var it = bytes.makeIterator()
        while true {
            switch parser.parseScalar(from: &it) {
            case .valid(let scalar):
                if scalar.count == 1, scalar.first == 0 {
                    throw .yaml(file: file, line: line, message: "a NUL byte at column \(offset - lineStart + 1)")
                }
                if scalar.count == 1, scalar.first == 0x0A {
                    line += 1
                    lineStart = offset + 1
                }
                offset += scalar.count
            case .error:
                let byte = String(bytes[offset], radix: 16, uppercase: true)
                throw .yaml(
                    file: file, line: line, message: "not UTF-8: byte 0x\(byte) at column \(offset - lineStart + 1)")
            case .emptyInput:
                return String(decoding: bytes, as: UTF8.self)
            }
        }
    }

    static func compose(_ text: String, file: String) throws(PipelineError) -> Node {
        if let line = complexKeyLine(text) {
            throw .yaml(
                file: file, line: line,
                message:
                    "a key that is a list, a mapping or an alias: keys are plain strings in a file with anchors (&name)"
            )
        }
        let node: Node
        do {
            guard let n = try Yams.compose(yaml: text) else {
                throw PipelineError.yaml(file: file, line: 1, message: "the file is empty")
            }
            node = n
        } catch let e as PipelineError {
            throw e
        } catch let e as YamlError {
            throw PipelineError.yaml(file: file, line: e.line, message: e.problem)
        } catch {
            throw PipelineError.yaml(file: file, line: 1, message: "\(error)")
        }
        var budget = AliasBudget(file: file)
        try budget.measure(node)
        return node
    }
}

extension YAMLTree {
    /// The line of a key that is not a plain string, in a file with anchors; nil when there is none.
    ///
    /// Yams checks a mapping for duplicated keys by hashing each key whole, before any budget can be
    /// counted: a key that is an alias of an alias bomb would hash for ever. hos reads no such keys, so a
    /// file with anchors may not have any. The scan is textual and may also refuse such text in a string.
    static func complexKeyLine(_ text: String) -> Int? {
        guard text.contains("&"), let anchors = try? NSRegularExpression(pattern: #"(^|[\s\[{,:-])&[A-Za-z0-9_-]"#),
            let keys = try? NSRegularExpression(
                pattern: #"(^|[\s\[{,])(\?(\s|$)|\*[A-Za-z0-9_-]+\s*:(\s|$))|[\]}]\s*:(\s|$)"#,
                options: .anchorsMatchLines)
        else { return nil }
        let all = NSRange(text.startIndex..., in: text)
        guard anchors.firstMatch(in: text, range: all) != nil, let hit = keys.firstMatch(in: text, range: all),
            let r = Range(hit.range, in: text)
        else { return nil }
        return text[..<r.lowerBound].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
    }
}

/// Counts what aliases add to a document, without expanding them: an 800-byte file may otherwise stand
/// for billions of values, and walking it would never end.
///
/// Yams composes an alias as the anchored node itself (shared, not copied), so composing is cheap; every
/// walk after it is not. Its anchor names are gone once the parser is (weak references), but each node
/// keeps the place it was written: a list or mapping met again at a place already seen is an alias, and
/// its size, known from its first visit, is added to the budget instead of walking it.
struct AliasBudget {
    let file: String
    var added = 0
    /// Size of each list or mapping by where it starts (line, column).
    var sizes: [Int: Int] = [:]
    var path: [String] = []

    init(file: String) { self.file = file }

    /// The number of values in `node` once expanded.
    @discardableResult
    mutating func measure(_ node: Node, line: Int? = nil) throws(PipelineError) -> Int {
        if case .scalar = node { return 1 }
        var key: Int?
        if let mark = node.mark {
            let k = mark.line << 24 | mark.column
            if let size = sizes[k] {
                added += size
                if added > PipelineLimits.maxAliasValues {
                    let keyPath = path.isEmpty ? "(top)" : path.joined()
                    throw .invalid([
                        SpecProblem(
                            file: file, line: line ?? node.mark?.line ?? 1, path: keyPath,
                            message:
                                "aliases expand to more than \(PipelineLimits.maxAliasValues) values (an alias bomb?)")
                    ])
                }
                return size
            }
            key = k
        }
        var size = 1
        switch node {
        case .mapping(let m):
            for (k, v) in m {
                let name = k.scalar?.string ?? "?"
                path.append(path.isEmpty ? name : ".\(name)")
                size += try measure(k, line: k.mark?.line) + measure(v, line: k.mark?.line)
                path.removeLast()
            }
        case .sequence(let seq):
            for (i, v) in seq.enumerated() {
                path.append("[\(i)]")
                size += try measure(v, line: line)
                path.removeLast()
            }
        case .scalar, .alias:
            break
        }
        if let key { sizes[key] = size }
        return size
    }
}

extension YamlError {
    var line: Int {
        switch self {
        case .scanner(_, _, let m, _), .parser(_, _, let m, _), .composer(_, _, let m, _): m.line
        case .duplicatedKeysInMapping(_, let context): context.mark.line
        default: 1
        }
    }

    var problem: String {
        switch self {
        case .scanner(_, let p, _, _), .parser(_, let p, _, _), .composer(_, let p, _, _): p
        case .duplicatedKeysInMapping(let d, _): "duplicated key: \(d.joined(separator: ", "))"
        default: "\(self)"
        }
    }
}

/// Walks YAML nodes, collecting every problem rather than stopping at the first.
struct SpecReader {
    let file: String
    let environment: [String: String]
    var problems: [SpecProblem] = []
    /// Things worth a warning that are not errors (`hos-run lint` prints them).
    var notes: [SpecProblem] = []

    init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
    }

    mutating func problem(_ node: Node?, _ path: String, _ message: String) {
        problems.append(SpecProblem(file: file, line: node?.mark?.line ?? 1, path: path, message: message))
    }

    /// The pairs of a mapping, with unknown and duplicated keys reported.
    mutating func mapping(_ node: Node, _ path: String, allowed: [String]) -> [String: Node]? {
        guard case .mapping(let m) = node else {
            problem(node, path, "must be a mapping")
            return nil
        }
        var out: [String: Node] = [:]
        for (k, v) in m {
            guard let key = k.scalar?.string else {
                problem(k, path, "keys must be strings")
                continue
            }
            let keyPath = path.isEmpty ? key : "\(path).\(key)"
            if !allowed.contains(key) {
                problem(k, keyPath, "unknown key (expected one of: \(allowed.joined(separator: ", ")))")
            } else if out[key] != nil {
                problem(k, keyPath, "duplicated key")
            } else {
                out[key] = v
            }
        }
        return out
    }

    /// A string scalar with `${NAME}` expanded; in a shell command (`shell`), each value quoted as one word.
    mutating func string(_ node: Node, _ path: String, shell: Bool = false) -> String? {
        guard case .scalar(let s) = node else {
            problem(node, path, "must be a string")
            return nil
        }
        switch Interpolation.expand(s.string, environment, shell: shell) {
        case .success(let v):
            for name in v.raw {
                notes.append(
                    SpecProblem(
                        file: file, line: node.mark?.line ?? 1, path: path,
                        message:
                            "${\(name):raw} is pasted into the shell command unquoted: its value runs as shell code"))
            }
            return v.text
        case .failure(let e):
            problem(node, path, e.message)
            return nil
        }
    }

    mutating func int(_ node: Node, _ path: String, in range: ClosedRange<Int>) -> Int? {
        guard let s = string(node, path) else { return nil }
        guard let v = Int(s), range.contains(v) else {
            problem(node, path, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return v
    }

    /// The longest timeout a file may give: a day (an analysis that takes longer is stuck).
    static let maxDurationSeconds = 86_400.0

    /// `30s`, `500ms`, `2m`, `1h`, or a number of seconds; at least 1 ms and at most a day.
    mutating func duration(_ node: Node, _ path: String) -> Double? {
        guard let s = string(node, path) else { return nil }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var seconds: Double?
        if let (suffix, factor) = units.first(where: { s.hasSuffix($0.0) }) {
            seconds = Double(s.dropLast(suffix.count)).map { $0 * factor }
        } else {
            seconds = Double(s)
        }
        // The product is checked, not the number: 1e300h is finite as written and infinite in seconds.
        if let v = seconds, v.isFinite, v >= 0.001, v <= Self.maxDurationSeconds { return v }
        problem(node, path, "must be a duration from 1ms to 24h, such as 30s, 500ms, 2m or 1h")
        return nil
    }

    mutating func stringList(_ node: Node, _ path: String) -> [String] {
        guard case .sequence(let seq) = node else {
            problem(node, path, "must be a list of strings")
            return []
        }
        return seq.enumerated().compactMap { string($1, "\(path)[\($0)]") }
    }

    mutating func pipeline(_ root: Node) -> PipelineSpec? {
        var spec = PipelineSpec(name: "", file: file)
        let keys = ["version", "name", "description", "memory", "defaults", "output", "llm", "incremental", "steps"]
        guard let top = mapping(root, "", allowed: keys) else { return spec }
        if let v = top["version"] {
            if v.scalar?.string != "1" { problem(v, "version", "unsupported version (this hos-run reads version 1)") }
        } else {
            problem(root, "version", "missing (add 'version: 1')")
        }
        if let n = top["name"] { spec.name = string(n, "name") ?? "" } else { problem(root, "name", "missing") }
        if let d = top["description"] { spec.description = string(d, "description") }
        if let m = top["memory"] { spec.memory = string(m, "memory") }
        if let o = top["output"], let s = string(o, "output") {
            if let mode = OutputMode(rawValue: s) {
                spec.output = mode
            } else {
                problem(o, "output", "must be complete or all")
            }
        }
        if let l = top["llm"] { spec.llm = llm(l, "llm") }
        if let i = top["incremental"] { spec.incremental = incremental(i, "incremental") }
        if let d = top["defaults"] {
            spec.defaults =
                policy(d, "defaults", base: StepPolicy(), allowed: ["timeout", "retries", "on_failure"]).policy
        }
        guard let stepsNode = top["steps"] else {
            problem(root, "steps", "missing")
            return spec
        }
        guard case .sequence(let seq) = stepsNode, !seq.isEmpty else {
            problem(stepsNode, "steps", "must be a non-empty list")
            return spec
        }
        let count = seq.reduce(0) { n, node in
            guard case .mapping(let m) = node, m.count == 1, case .sequence(let b)? = m["parallel"] else {
                return n + 1
            }
            return n + b.count
        }
        if count > PipelineLimits.maxSteps {
            problem(stepsNode, "steps", "has \(count) steps; the limit is \(PipelineLimits.maxSteps)")
            return spec
        }
        for (i, node) in seq.enumerated() {
            let path = "steps[\(i)]"
            if case .mapping(let m) = node, m.count == 1, m.keys.first?.scalar?.string == "parallel" {
                let branchesNode = m.values.first!
                guard case .sequence(let b) = branchesNode, b.count >= 2 else {
                    problem(branchesNode, "\(path).parallel", "must be a list of at least two steps")
                    continue
                }
                let branches = b.enumerated().compactMap {
                    step($1, "\(path).parallel[\($0)]", defaults: spec.defaults)
                }
                spec.stages.append(.parallel(branches, line: node.mark?.line ?? 1))
            } else if let s = step(node, path, defaults: spec.defaults) {
                spec.stages.append(.step(s))
            }
        }
        var seen: [String: Int] = [:]
        for s in spec.steps where AnalysisCompletePayload.declared.contains(s.id) {
            problems.append(
                SpecProblem(
                    file: file, line: s.line, path: "steps",
                    message:
                        "step id '\(s.id)' is a key of analysis_complete: choose another 'id:'"))
        }
        for s in spec.steps {
            if let first = seen[s.id] {
                problems.append(
                    SpecProblem(
                        file: file, line: s.line, path: "steps",
                        message:
                            "step id '\(s.id)' is used twice (lines \(first) and \(s.line)): give one an 'id:'"))
            }
            seen[s.id] = s.line
        }
        return spec
    }

    /// `incremental: true` (at least `Incremental.defaultMinNewDays` new days), `false`, or `{min_new_days: N}`.
    mutating func incremental(_ node: Node, _ path: String) -> Int? {
        if case .scalar = node, let s = string(node, path) {
            if let on = ["true": true, "false": false][s] { return on ? Incremental.defaultMinNewDays : nil }
            problem(node, path, "must be true, false or a mapping with min_new_days")
            return nil
        }
        guard let m = mapping(node, path, allowed: ["min_new_days"]) else { return nil }
        guard let n = m["min_new_days"] else { return Incremental.defaultMinNewDays }
        return int(n, "\(path).min_new_days", in: Incremental.minNewDaysRange)
    }

    mutating func llm(_ node: Node, _ path: String) -> LLMSpec? {
        guard let m = mapping(node, path, allowed: ["base_url", "model", "api_key_env", "timeout", "budget", "stream"])
        else {
            return nil
        }
        var l = LLMSpec()
        if let n = m["base_url"], let s = string(n, "\(path).base_url") {
            if s.hasPrefix("http://") || s.hasPrefix("https://") {
                l.baseURL = s
            } else {
                problem(n, "\(path).base_url", "must start with http:// or https://")
            }
        }
        if let n = m["model"], let s = string(n, "\(path).model") {
            if s.isEmpty { problem(n, "\(path).model", "must name a model") } else { l.model = s }
        }
        if let n = m["api_key_env"], let s = string(n, "\(path).api_key_env") {
            // The name of a variable, never the key: a value that is not a variable name is refused unshown.
            if !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
                l.apiKeyEnv = s
            } else {
                problem(
                    n, "\(path).api_key_env",
                    "must be the name of the environment variable that holds the key (letters, digits, '_'), not the key"
                )
            }
        }
        if let n = m["timeout"], let v = duration(n, "\(path).timeout") { l.timeout = v }
        if let n = m["budget"], let v = int(n, "\(path).budget", in: 0...1_000_000_000) { l.budget = v }
        if let n = m["stream"], let s = string(n, "\(path).stream") {
            if let b = ["true": true, "false": false][s] {
                l.stream = b
            } else {
                problem(n, "\(path).stream", "must be true or false")
            }
        }
        return l
    }

    mutating func policy(_ node: Node, _ path: String, base: StepPolicy, allowed: [String]) -> (
        policy: StepPolicy, map: [String: Node]
    ) {
        var p = base
        guard let m = mapping(node, path, allowed: allowed) else { return (p, [:]) }
        if let t = m["timeout"], let v = duration(t, "\(path).timeout") { p.timeout = v }
        if let r = m["retries"], let v = int(r, "\(path).retries", in: 0...10) { p.retries = v }
        if let f = m["on_failure"], let s = string(f, "\(path).on_failure") {
            if let v = FailurePolicy(rawValue: s) {
                p.onFailure = v
            } else {
                problem(f, "\(path).on_failure", "must be degrade or fail")
            }
        }
        return (p, m)
    }

    mutating func step(_ node: Node, _ path: String, defaults: StepPolicy) -> StepSpec? {
        let keys = ["agent", "run", "id", "args", "env", "timeout", "retries", "on_failure"]
        let (policy, m) = self.policy(node, path, base: defaults, allowed: keys)
        guard case .mapping = node else { return nil }
        let line = node.mark?.line ?? 1
        var kind: StepSpec.Kind?
        var id: String?
        switch (m["agent"], m["run"]) {
        case (let a?, nil):
            if let name = string(a, "\(path).agent") {
                let bare = name.hasPrefix("hos-") ? String(name.dropFirst(4)) : name
                if bare.isEmpty || bare.contains("/") || bare.contains(" ") {
                    problem(a, "\(path).agent", "must be an agent's name, such as behavior")
                } else {
                    kind = .agent(bare)
                    id = bare
                }
            }
        case (nil, let r?):
            if let cmd = string(r, "\(path).run", shell: true) {
                if cmd.trimmingCharacters(in: .whitespaces).isEmpty {
                    problem(r, "\(path).run", "must be a shell command")
                } else {
                    kind = .run(cmd)
                }
            }
        case (_?, _?):
            problem(node, path, "has both 'agent' and 'run': a step is one or the other")
        case (nil, nil):
            problem(node, path, "needs 'agent: NAME' or 'run: COMMAND' (or is a 'parallel:' block)")
        }
        if let i = m["id"], let s = string(i, "\(path).id") {
            if s.isEmpty || s.contains(where: { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) {
                problem(i, "\(path).id", "must be letters, digits, '_' or '-'")
            } else {
                id = s
            }
        }
        if case .run? = kind, id == nil { problem(node, "\(path).id", "a 'run:' step needs an 'id:'") }
        guard let kind, let id else { return nil }
        var step = StepSpec(id: id, kind: kind, policy: policy, line: line)
        if let a = m["args"] { step.args = stringList(a, "\(path).args") }
        if let e = m["env"] { step.env = envMap(e, "\(path).env") }
        return step
    }

    /// `env:` takes any keys: they are variable names, not pipeline keys.
    mutating func envMap(_ node: Node, _ path: String) -> [String: String] {
        guard case .mapping(let m) = node else {
            problem(node, path, "must be a mapping of NAME: value")
            return [:]
        }
        var out: [String: String] = [:]
        for (k, v) in m {
            guard let key = k.scalar?.string, !key.isEmpty, !key.contains("="),
                key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            else {
                problem(k, path, "variable names are letters, digits and '_'")
                continue
            }
            if let s = string(v, "\(path).\(key)") { out[key] = s }
        }
        return out
    }
}

/// `${NAME}` expansion: `$$` is a literal `$`; an unset variable is an error unless written `${NAME:-default}`.
///
/// In a `run:` command (`shell: true`) each value is quoted for where it stands (outside quotes, inside
/// '...' or inside "..."), so it is one literal word to /bin/sh whatever it holds: a value is data, never
/// shell syntax. `${NAME:raw}` (or `${NAME:raw:-default}`) pastes the value unquoted, as shell code.
enum Interpolation {
    struct Problem: Error { let message: String }

    /// Where the text stands for /bin/sh: what quoting a value needs there.
    enum ShellQuote { case none, single, double }

    struct Expansion {
        var text: String
        /// Names expanded with `:raw` (pasted into a shell command as code).
        var raw: [String] = []
    }

    static func expand(_ text: String, _ env: [String: String]) -> Result<String, Problem> {
        expand(text, env, shell: false).map(\.text)
    }

    static func expand(_ text: String, _ env: [String: String], shell: Bool) -> Result<Expansion, Problem> {
        guard text.contains("$") else { return .success(Expansion(text: text)) }
        var out = Expansion(text: "")
        var quote = ShellQuote.none
        var escaped = false
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            guard c == "$" else {
                out.text.append(c)
                i = text.index(after: i)
                if shell { track(c, &quote, &escaped) }
                continue
            }
            escaped = false
            let next = text.index(after: i)
            if next < text.endIndex, text[next] == "$" {
                out.text.append("$")
                i = text.index(after: next)
                continue
            }
            guard next < text.endIndex, text[next] == "{", let close = text[next...].firstIndex(of: "}") else {
                out.text.append(c)
                i = next
                continue
            }
            let inner = String(text[text.index(after: next)..<close])
            if inner.contains("$") {
                return .failure(Problem(message: "nested ${...} is not supported: write the default without '$'"))
            }
            var name = inner
            var fallback: String?
            if let r = inner.range(of: ":-") {
                name = String(inner[..<r.lowerBound])
                fallback = String(inner[r.upperBound...])
            }
            let raw = name.hasSuffix(":raw")
            if raw {
                name.removeLast(4)
                if !shell {
                    return .failure(Problem(message: "${\(name):raw} is for run: commands only"))
                }
            }
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                return .failure(Problem(message: "bad variable reference ${\(inner)}"))
            }
            let value: String
            if let v = env[name], !(v.isEmpty && fallback != nil) {
                value = v
            } else if let fallback {
                value = fallback
            } else {
                let form = raw ? "\(name):raw" : name
                return .failure(Problem(message: "${\(form)} is not set (write ${\(form):-default} for a default)"))
            }
            if raw { out.raw.append(name) }
            out.text += shell && !raw ? quoted(value, quote) : value
            i = text.index(after: close)
        }
        return .success(out)
    }

    /// Follows /bin/sh's quoting through the command's own text (not through expanded values).
    static func track(_ c: Character, _ quote: inout ShellQuote, _ escaped: inout Bool) {
        if escaped {
            escaped = false
            return
        }
        switch (quote, c) {
        case (.none, "'"): quote = .single
        case (.none, "\""): quote = .double
        case (.single, "'"): quote = .none
        case (.double, "\""): quote = .none
        case (.none, "\\"), (.double, "\\"): escaped = true
        default: break
        }
    }

    /// `value` as literal text where it stands: one single-quoted word outside quotes; inside quotes,
    /// the characters that would end or expand them escaped.
    static func quoted(_ value: String, _ quote: ShellQuote) -> String {
        switch quote {
        case .none: "'" + value.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
        case .single: value.replacingOccurrences(of: "'", with: #"'\''"#)
        case .double:
            value.reduce(into: "") { out, c in
                if "\"\\$`".contains(c) { out.append("\\") }
                out.append(c)
            }
        }
    }
}
