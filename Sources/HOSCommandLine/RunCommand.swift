// hos-run: runs YAML pipelines of agents as real processes; lint, graph and test pipeline files.

import ArgumentParser
import Foundation
import HOSCore
import HOSMemory
import HOSPipeline

public struct RunCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hos-run",
        abstract: "Run a YAML pipeline of hos agents as processes connected by pipes; emit analysis_complete.",
        discussion: """
            hos-run PIPELINE.yaml reads events (the -i files in order, else standard input), runs every step of \
            the pipeline as its own process, and writes one analysis_complete event per analysis_request \
            (explicit, or implicit at end of input for users left without one, as every agent makes them). \
            Subcommands: run (the default), lint, graph, test; enqueue, worker and results for a work queue in \
            PostgreSQL that many machines share.

            THE PIPELINE FILE

                version: 1                      # required; other versions are errors
                name: full-analysis             # required
                description: text
                memory: ${HOME}/hos.sqlite      # the memory file (see MEMORY)
                defaults: {timeout: 60s, retries: 1, on_failure: degrade}
                output: complete                # or all
                incremental: {min_new_days: 3}  # or true (3), false (see INCREMENTAL)
                llm:                            # optional (see LLM)
                  base_url: http://127.0.0.1:8080/v1
                  model: SmolLM2-135M-Instruct
                  api_key_env: MY_LLM_KEY       # the variable's name, never the key
                  timeout: 60s
                  budget: 50000                 # tokens per agent process
                  stream: false
                steps:
                  - agent: behavior             # hos-behavior, beside hos-run first, then on PATH
                  - agent: memory
                  - parallel:                   # both branches read the same stream
                      - agent: nutrition
                      - agent: routine
                  - run: "jq -c --unbuffered 'del(.payload.debug)'"   # any JSON-lines filter
                    id: strip                   # required for run: steps
                    env: {LC_ALL: C}
                    timeout: 10s                # per analysis; also retries, on_failure

            A step is agent: NAME (args: a list appended to the command line) or run: COMMAND (run by /bin/sh \
            -c; args become $1...). agent: NAME runs the executable hos-NAME found beside hos-run, else on PATH: \
            hos's own agents or any other program that reads and writes hos events; when one is missing, run \
            and lint name its line and executable and exit 78 before anything runs. A run: step must write each output line when it is done (jq --unbuffered, \
            python3 -u, mlr --records-per-batch 1, stdbuf -oL): hos-run waits for each request to come back \
            before it gives the step more than 4 analyses, and a filter that holds its output in a block \
            buffer holds the request too, until its timeout. id names the step in analysis_complete, timings_ms, degraded and messages \
            (default: the agent's name; ids are unique). Durations: 500ms, 30s, 2m, 1h or seconds. retries: \
            0–10. Unknown keys are errors. Strings expand ${NAME} from the environment; ${NAME:-default} gives \
            a default; an unset variable without one is an error; $$ is a literal $. In a run: command each \
            ${NAME} is quoted for where it stands (bare, in '...' or in "...") so that /bin/sh sees its value \
            as one literal word, never as code: run: jq -c ${FILTER} is safe whatever FILTER holds. \
            ${NAME:raw} (or ${NAME:raw:-default}) pastes the value unquoted, as shell code; lint warns of \
            each. To let the shell expand a variable itself, write $${NAME}.

            LIMITS: a pipeline or test file is at most 1 MiB, UTF-8 without NUL bytes; a pipeline has at most \
            1000 steps (parallel branches included); aliases (*name) may add at most 100000 values to a file \
            once expanded, and in a file with anchors (&name) every key is a plain string. A file past a limit \
            is refused with exit 78, naming its line and key path.

            MEMORY: --memory beats HOS_MEMORY, which beats the file's memory:, which beats \
            ./hos-memory.sqlite. Every step gets the result in HOS_MEMORY. A memory file the run creates \
            is named once on standard error when that is a terminal. An encrypted memory file: \
            --memory-key-file FILE (beats HOS_MEMORY_KEY_FILE) is read and its mode checked before any step \
            starts, and every step gets the file's absolute name in HOS_MEMORY_KEY_FILE, never the key \
            (hos-memory(1), ENCRYPTION).

            LLM: with an llm: section, every agent step gets HOS_LLM=1, which an agent that can word its \
            results with a language model (hos-behavior, hos-insights, hos-routine) reads as its --llm (see \
            hos-behavior(1)) and any other ignores; and every step gets the section as HOS_LLM_BASE_URL, \
            HOS_LLM_MODEL, HOS_LLM_API_KEY_ENV, HOS_LLM_TIMEOUT, HOS_LLM_BUDGET and HOS_LLM_STREAM. A step's \
            env: beats them (env: {HOS_LLM: 0} keeps one agent deterministic). Its keys are base_url (http:// or https://), model, api_key_env (a variable name: the key \
            itself is never written in the file), timeout, budget (0–1000000000) and stream (true or false); \
            other keys are errors.

            RUNNING: input lines are checked as every agent checks them (envelope and payload); a bad line \
            follows --on-error (fail: exit 65; skip; dead-letter=FILE). Events are cut into analyses at each \
            analysis_request: an analysis is the events since the previous request, then the request. Each \
            step's process reads analyses as fast as it takes them (up to 4 ahead); its output for an \
            analysis is held until the request comes back out of it, then passed on whole. A parallel block \
            gives each branch the same analyses and lets every event out once: the analysis' events, then each \
            branch's new events in branch order, then the request; it passes an analysis on when every branch \
            has.

            FAILOVER: a step that exits, writes a line that is not an event, or passes no request on within \
            its timeout (counted from when the analysis became the one awaited) is killed and restarted, and \
            every analysis it had not passed on is written to it again. After retries restarts for the same \
            analysis, on_failure: degrade passes that analysis on as it came in, with an agent_error event \
            (agent, code step_failed, message, event_id of the request) and the step in degraded, and the \
            following analyses go on in a fresh process; on_failure: fail stops the run (exit 1). Replay starts \
            at the last request passed on: with input grouped by user, that is the user's whole window. With \
            interleaved users, a user's earlier events that passed on with another user's request are kept by \
            the step until the user's own request passes, written first on a restart, and their forwarded \
            copies dropped, so the restarted step sees every user's whole window and nothing leaves twice. \
            Every restart sets HOS_RUN_START (1, 2, ...) in the step's environment.

            INCREMENTAL: --incremental (or the file's incremental:, or --min-new-days N) analyses a user only \
            when enough is new: N (default 3) distinct days after the as_of of their last stored \
            analysis_complete with a health_record, in the memory file or in this input (re-sent and \
            back-filled days do not count). A user with fewer gets that analysis_complete again, its payload \
            (analysis_id and as_of included) with cached: true, new_days and needs_days (N - new_days), a new \
            event_id and this request's timestamp; their events reach no step (that is the saving) and are \
            stored in the memory file as 'hos-memory store' stores them (not the request: nothing was analysed), so that the days add up night after \
            night; with output all they are written too. Always analysed: a user without a stored analysis, \
            one analysed earlier in the same run, a request for another archetype or for a day before the \
            stored as_of. Each whole (not degraded) analysis_complete gets as_of (the request's, else the \
            user's latest record day) and is stored in the memory file for the next run. It needs a memory \
            file named by --memory, HOS_MEMORY or memory: (64, or 78 from the file, without one). --force \
            analyses every user. A user's events are held until their request: one user at a time for input \
            grouped by user; for interleaved input, every user whose request has not come yet; for input \
            without requests, all of it (as without --incremental). Each user's events then go on together, \
            before the request. hos-run says on standard error how many analyses it made and how many it \
            answered from memory (--status: analysed= and cached=).

            FAULT INJECTION: every agent honours HOS_FAULT=KIND:AGENT:N[:STARTS]: the agent fails at its Nth \
            input event — crash exits at once (status 70, output unflushed), hang stops reading, garbage writes \
            a line that is not JSON — in its first STARTS starts (default 1), so HOS_FAULT=crash:insights:5 \
            makes hos-insights crash once and recover on restart, and crash:insights:5:9 makes it fail every \
            time.

            OUTPUT: analysis_complete (source_agent hos-run, the request's user_id, archetype, analysis_id and \
            timestamp) has payload analysis_id; one key per step id holding that step's result: the payload of \
            the one event it created for the analysis, or an array of payloads when it created several, and \
            always an array (possibly empty) for hos-insights and for insight events; a step that created \
            nothing (a jq filter) has no key, and so has a hos-memory replay step (agent: memory, args: \
            [replay]), whose records are data for the steps after it, not a result; alerts, when a step wrote alert events (hos-insights' coach \
            alerts), an array of their payloads, which no step's key holds; degraded (step ids); timings_ms {step: ms from the analysis' \
            first byte written to the step until its request came back}. output: complete writes \
            analysis_complete and agent_error events; output: all (or --output-mode all) writes every event, the \
            request, then analysis_complete. Analyses leave in input order, whatever --jobs is.

            SHARDING: --jobs N runs N instances of the pipeline, users sharded by a stable hash of user_id, \
            all sharing the memory file; the output is the same as with --jobs 1 for input grouped by user.

            PROGRESS: --progress auto (default) draws a bar on standard error when it is a terminal and \
            nothing otherwise; bar always; none never; json writes progress events (stage, users_done, \
            users_total once the input has ended, events, elapsed_ms) on standard error about 4 times a \
            second and at the end, json=FILE to FILE. --status prints, at the end, each step's starts, \
            failures, degraded analyses, events in and out, and p50/p95 latency per analysis, after a line \
            with the run's counts (with --incremental, analysed and cached too) and the p50/p95 latency of an analysis from its request read to its \
            analysis_complete written. --event-log \
            stores every output event (all of them, whatever output: says) in the memory file's event_log.

            EXIT STATUS: 0 all analyses complete; 1 an analysis degraded (0 with --allow-degraded), a step \
            failed with on_failure: fail, or a step exited non-zero at end of input; 65 bad input; 66 unreadable input; 74 I/O error; 78 bad pipeline \
            file or agent not found (66 when the pipeline file cannot be opened), or a memory key file that \
            cannot be used; 64 usage.
            """,
        version: hosVersion,
        subcommands: [
            RunPipeline.self, LintPipeline.self, GraphPipeline.self, TestPipeline.self, EnqueueRequests.self,
            QueueWorker.self, QueueResults.self, FixedStep.self,
        ],
        defaultSubcommand: RunPipeline.self)

    public init() {}
}

/// The process environment as a dictionary.
func environment() -> [String: String] { ProcessInfo.processInfo.environment }

/// Loads a pipeline file, mapping its problems to exit 78 (66 when it cannot be opened) with one line each.
func loadPipeline(_ file: String) throws -> PipelineSpec {
    do {
        return try PipelineSpec.load(file: file, environment: environment())
    } catch {
        printError(lintMessage(error))
        throw ExitCode(exitStatus(error))
    }
}

/// A pipeline file's problem as an exit status: 66 for a file that cannot be opened, as every hos tool
/// says of its input; 78 for one that is not a valid pipeline.
func exitStatus(_ error: PipelineError) -> Int32 {
    if case .unreadable = error { return HOSCore.ExitCode.noInput.rawValue }
    return HOSCore.ExitCode.config.rawValue
}

/// The memory a pipeline run uses: `--memory`, else HOS_MEMORY, else the file's `memory:`, else the default.
func pipelineMemory(flag: String?, _ spec: PipelineSpec, _ env: [String: String]) -> String {
    if let flag, !flag.isEmpty { return flag }
    if let m = env["HOS_MEMORY"], !m.isEmpty { return m }
    return spec.memory ?? MemoryStore.defaultPath
}

func lintMessage(_ error: PipelineError) -> String {
    error.description.split(separator: "\n").map { "hos-run: \($0)" }.joined(separator: "\n")
}

public struct RunPipeline: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a pipeline (the default subcommand).")

    @Argument(help: ArgumentHelp("The pipeline file.", valueName: "pipeline.yaml"))
    var pipeline: String

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "An input file of events (repeatable; '-' is standard input). None: standard input.", valueName: "file"))
    var input: [String] = []

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "Write events to this file instead of standard output, atomically: it appears when the run ends (degraded analyses included), not when it stops on an error or a signal.",
            valueName: "file"))
    var output: String?

    @Option(
        name: .customLong("output-mode"),
        help: ArgumentHelp("complete or all: overrides the file's output:.", valueName: "mode"))
    var outputMode: String?

    @Option(
        help: ArgumentHelp(
            "The memory, a file or a postgresql:// URL (beats HOS_MEMORY and the file's memory:).", valueName: "path"))
    var memory: String?

    @Option(help: memoryKeyFileHelp) var memoryKeyFile: String?

    @Option(name: [.short, .long], help: ArgumentHelp("Pipeline instances, users sharded over them.", valueName: "n"))
    var jobs = 1

    @Option(
        name: .customLong("on-error"),
        help: ArgumentHelp("What a bad input line does: fail, skip, or dead-letter=FILE.", valueName: "policy"))
    var onError: ErrorPolicy?

    @Option(
        help: ArgumentHelp(
            "Longest accepted input line, in bytes, counting the event_id hos adds to a line without one; agent steps are given the same limit.",
            valueName: "n"))
    var maxLineBytes: Int = RunConfig.defaultMaxLineBytes

    @Option(help: ArgumentHelp("auto, bar, none, json or json=FILE.", valueName: "mode"))
    var progress = "auto"

    @Flag(help: "Exit 0 even when analyses degraded.")
    var allowDegraded = false

    @Flag(help: "At the end, print each step's counts, restarts, failures and latency on standard error.")
    var status = false

    @Flag(help: "Store every output event in the memory file's event_log (debugging).")
    var eventLog = false

    @Flag(
        help:
            "Analyse only users with enough new days since their last analysis; answer the others with it again (see INCREMENTAL)."
    )
    var incremental = false

    @Option(
        help: ArgumentHelp(
            "The new days that make --incremental analyse a user again (default: the file's, else \(Incremental.defaultMinNewDays)); implies --incremental.",
            valueName: "n"))
    var minNewDays: Int?

    @Flag(help: "Analyse every user: beats --incremental and the file's incremental:.")
    var force = false

    public init() {}

    public mutating func validate() throws {
        guard maxLineBytes >= 64, maxLineBytes <= 1 << 30 else {
            throw ValidationError("--max-line-bytes must be between 64 and 1073741824")
        }
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be from 1 to 64") }
        if let outputMode, OutputMode(rawValue: outputMode) == nil {
            throw ValidationError("--output-mode must be complete or all")
        }
        guard ["auto", "bar", "none", "json"].contains(progress) || progress.hasPrefix("json=") else {
            throw ValidationError("--progress must be auto, bar, none, json or json=FILE")
        }
        if let minNewDays, !Incremental.minNewDaysRange.contains(minNewDays) {
            let r = Incremental.minNewDaysRange
            throw ValidationError("--min-new-days must be from \(r.lowerBound) to \(r.upperBound)")
        }
    }

    /// The new days that make a user analysed again; nil when every user is analysed. Incremental needs a
    /// memory file named on purpose (--memory, HOS_MEMORY or memory:): the default one in the working
    /// directory would answer nothing and is easily not the one meant.
    func incrementalDays(_ spec: PipelineSpec, _ env: [String: String]) throws -> Int? {
        let fromCommand = incremental || minNewDays != nil
        guard !force, let days = minNewDays ?? (fromCommand ? Incremental.defaultMinNewDays : spec.incremental) else {
            return nil
        }
        if memory?.isEmpty ?? true, env["HOS_MEMORY"]?.isEmpty ?? true, spec.memory?.isEmpty ?? true {
            let message =
                "\(fromCommand ? "--incremental" : "\(spec.file): incremental:") needs a memory file: "
                + "give --memory FILE, HOS_MEMORY or the pipeline's memory:"
            printError("hos-run: \(message)")
            throw ExitCode((fromCommand ? HOSCore.ExitCode.usage : HOSCore.ExitCode.config).rawValue)
        }
        return days
    }

    public func run() throws {
        let spec = try loadPipeline(pipeline)
        try runTool("hos-run") { try execute(spec) }
    }

    func execute(_ spec: PipelineSpec) throws {
        let env = environment()
        let memory = pipelineMemory(flag: self.memory, spec, env)
        var options = RunOptions(memory: memory, environment: env)
        // Read (and its mode checked) before any step starts; the steps get the file's name, not the key.
        let key = try MemoryKey.resolve(flag: memoryKeyFile, environment: env)
        options.memoryKeyFile = key?.file
        options.jobs = jobs
        options.output = outputMode.flatMap(OutputMode.init(rawValue:))
        options.onError = onError ?? .fail
        options.maxLineBytes = maxLineBytes
        let minDays = try incrementalDays(spec, env)
        let memoryWasThere = FileManager.default.fileExists(atPath: memory)
        if let minDays {
            // Not verified at open: the pipeline's memory step verifies the file as every agent does, and
            // SQLite notices damage in the pages hos-run reads.
            let store = try MemoryStore(path: memory, check: .none, key: key)
            options.incremental = Incremental(minNewDays: minDays, memory: IncrementalMemory(store))
        }
        let log = eventLog ? try EventLogSpool() : nil
        if let log { options.observe = { log.add($0) } }
        let reporter = try ProgressReporter(mode: progress)
        if let reporter { options.progress = { p in reporter.report(p) } }
        let outputs = try RunOutputs(path: output, onError: options.onError)
        let runner = PipelineRunner(spec: spec, options: options)
        let inputs = input.isEmpty ? [InputFile.stdin] : input.map(InputFile.init(argument:))
        let summary: RunSummary
        do {
            summary = try outputs.run {
                try runner.run(inputs: inputs, output: outputs.events, deadLetter: outputs.deadLetter)
            }
        } catch let e as PipelineError {
            printError("hos-run: \(e)")
            if case .agentNotFound = e { throw ExitCode(HOSCore.ExitCode.config.rawValue) }
            throw ExitCode(1)
        }
        reporter?.finish()
        // A memory file that appears unannounced is a surprise: say where it went, once, to a person.
        if !memoryWasThere, FileManager.default.fileExists(atPath: memory), isatty(STDERR_FILENO) == 1 {
            printError("hos-run: the memory is kept in \(memory), a new file (--memory or HOS_MEMORY choose another)")
        }
        if status {
            printError(statusTable(summary))
        } else if let cached = summary.cached {
            // Nothing is skipped silently: an incremental run always says how many it answered from memory.
            printError(
                "hos-run: \(summary.analyses - cached) analysed, \(cached) cached (fewer than \(minDays ?? 0) new days)"
            )
        }
        if let log { try log.store(in: memory, key: key) }
        let endFailures = summary.steps.filter { $0.endFailures > 0 }.map(\.step)
        if !endFailures.isEmpty {
            printError("hos-run: steps that failed at end of input: \(endFailures.joined(separator: ", "))")
            throw ExitCode(1)
        }
        if summary.degraded > 0 {
            printError("hos-run: \(summary.degraded) of \(summary.analyses) analyses degraded")
            if !allowDegraded { throw ExitCode(1) }
        }
    }

}

/// The events of a run, spooled to a temporary file and stored in event_log at the end (`--event-log`).
final class EventLogSpool: @unchecked Sendable {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("hos-run-log-\(getpid()).jsonl").path
    let sink: OutputSink
    let lock = NSLock()

    init() throws { sink = try OutputSink(path: path) }

    func add(_ line: [UInt8]) {
        lock.lock()
        defer { lock.unlock() }
        try? sink.writeLine(line)
    }

    func store(in memory: String, key: MemoryKey?) throws {
        try sink.commit()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try MemoryStore(path: memory, key: key).logEventLines(file: path)
    }
}

/// The memory file as `--incremental` uses it: one MemoryStore, one caller at a time (the dispatcher decides
/// and stores cached users' events; the output's writer stores each new analysis).
final class IncrementalMemory: AnalysisMemory, @unchecked Sendable {
    let store: MemoryStore
    let lock = NSLock()

    init(_ store: MemoryStore) { self.store = store }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    func lastAnalysis(user: String) throws -> Event? { try locked { try store.lastAnalysis(user: user) } }
    func recordDays(user: String, after day: LocalDate) throws -> Set<LocalDate> {
        try locked { try store.recordDays(user: user, after: day) }
    }
    func latestRecordDay(user: String) throws -> LocalDate? { try locked { try store.latestRecordDay(user: user) } }
    func store(_ events: [Event]) throws { try locked { _ = try store.storeConsumed(events) } }
}

/// `--status`: one line per step.
func statusTable(_ s: RunSummary) -> String {
    func pct(_ v: [Double], _ q: Double) -> String {
        guard !v.isEmpty else { return "-" }
        let sorted = v.sorted()
        let v = sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * q).rounded()))]
        return String(format: "%.1f", v)
    }
    var lines = [
        "hos-run: in=\(s.linesIn) out=\(s.eventsOut) rejected=\(s.rejected) analyses=\(s.analyses) degraded=\(s.degraded)"
            + (s.cached.map { " analysed=\(s.analyses - $0) cached=\($0)" } ?? "")
            + " latency_p50_ms=\(pct(s.latencies, 0.5)) latency_p95_ms=\(pct(s.latencies, 0.95))"
    ]
    lines.append("step            starts  failures  degraded  analyses  events_in  events_out  p50_ms  p95_ms")
    for st in s.steps {
        var line = st.step.padding(toLength: max(15, st.step.count), withPad: " ", startingAt: 0) + " "
        for n in [st.starts, st.failures, st.degraded, st.analyses] { line += String(n).leftPad(7) + "   " }
        line += String(st.eventsIn).leftPad(9) + "  " + String(st.eventsOut).leftPad(10) + "  "
        line += pct(st.latencies, 0.5).leftPad(6) + "  " + pct(st.latencies, 0.95).leftPad(6)
        lines.append(line)
    }
    return lines.joined(separator: "\n")
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}

/// The progress bar on a terminal, or progress events as JSON lines.
final class ProgressReporter: @unchecked Sendable {
    enum Mode { case bar, json }
    let mode: Mode
    let sink: OutputSink?
    let lock = NSLock()
    var drawn = false

    init?(mode: String) throws {
        switch mode {
        case "none": return nil
        case "auto":
            guard isatty(2) != 0 else { return nil }
            self.mode = .bar
            sink = nil
        case "bar":
            self.mode = .bar
            sink = nil
        default:
            self.mode = .json
            let file = mode.hasPrefix("json=") ? String(mode.dropFirst(5)) : nil
            sink = try file.map { try OutputSink(path: $0) }
        }
    }

    func report(_ p: RunProgress) {
        lock.lock()
        defer { lock.unlock() }
        switch mode {
        case .json:
            var payload: [String: JSON] = [:]
            payload["stage"] = .string(p.finished ? "done" : "running")
            payload["users_done"] = .number(Double(p.usersDone))
            payload["users_total"] = p.usersTotal.map { JSON.number(Double($0)) } ?? JSON.null
            payload["events"] = .number(Double(p.events))
            payload["elapsed_ms"] = .number(p.elapsedMS.rounded())
            let now = Timestamp.format(seconds: Int(Date().timeIntervalSince1970))
            let event = Event(
                id: EventID.derive("progress", String(p.events), String(p.elapsedMS)),
                type: EventType.progress, user: "", timestamp: now, source: "hos-run", payload: payload)
            if let sink {
                try? sink.writeLine(event.encoded())
                try? sink.flush()
            } else {
                printError(event.json.text)
            }
        case .bar:
            let seconds = p.elapsedMS / 1000
            let rate = seconds > 0 ? Double(p.events) / seconds : 0
            var text = "hos-run: \(p.usersDone)"
            if let total = p.usersTotal, total > 0 {
                let width = 24
                let filled = min(width, p.usersDone * width / total)
                text =
                    "hos-run: [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                    + "] \(p.usersDone)/\(total) users"
            } else {
                text += " users"
            }
            text += String(format: "  %.0f events/s  %.1fs", rate, seconds)
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
            drawn = true
        }
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if mode == .bar && drawn { FileHandle.standardError.write(Data("\n".utf8)) }
        try? sink?.commit()
    }
}

public struct LintPipeline: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check pipeline files: each problem on one line as FILE:LINE: KEY.PATH: message (exit 78).")

    @Argument(help: ArgumentHelp("Pipeline files.", valueName: "pipeline.yaml"))
    var files: [String]

    public init() {}

    public func run() throws {
        // The worst problem sets the status: a file that is not a pipeline or names a missing agent (78)
        // outranks one that cannot be opened (66).
        var statuses: Set<Int32> = []
        for f in files {
            do {
                let spec = try PipelineSpec.load(file: f, environment: environment())
                for w in spec.warnings { printError("hos-run: warning: \(w)") }
                var missing: [String] = []
                for s in spec.steps {
                    if case .agent(let name) = s.kind,
                        PipelineRunner.program(agent: name, path: environment()["PATH"]) == nil
                    {
                        missing.append(
                            PipelineError.agentNotFound(
                                file: f, line: s.line, command: "hos-\(name)",
                                nearest: PipelineRunner.nearest(agent: name, path: environment()["PATH"])
                            ).description)
                    }
                }
                for m in missing { printError("hos-run: \(m)") }
                if !missing.isEmpty { statuses.insert(HOSCore.ExitCode.config.rawValue) }
                // As other linters do: a word for each file that passes, so that silence is never ambiguous.
                if missing.isEmpty { print("\(f): ok") }
            } catch {
                printError(lintMessage(error))
                statuses.insert(exitStatus(error))
            }
        }
        if let worst = statuses.max() { throw ExitCode(worst) }
    }
}

public struct GraphPipeline: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "graph", abstract: "Print the pipeline's steps as a graph: indented text, or DOT with --dot.")

    @Argument(help: ArgumentHelp("The pipeline file.", valueName: "pipeline.yaml"))
    var pipeline: String

    @Flag(help: "Graphviz DOT instead of text.")
    var dot = false

    public init() {}

    public func run() throws {
        let spec = try loadPipeline(pipeline)
        print(dot ? spec.graphDOT() : spec.graphText(), terminator: "")
    }
}

public struct TestPipeline: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run pipeline tests written in YAML.",
        discussion: """
            A test file names a pipeline (relative to the test file) and its tests:

                version: 1
                pipeline: quick.yaml
                tests:
                  - name: one user gets a plan
                    input_file: one-user.jsonl      # and/or input: [events as YAML mappings]
                    output: all                     # optional: overrides the pipeline's output:
                    replace:                        # steps replaced by fixed outputs
                      insights:                     # written at each request, after forwarding
                        - {event_type: insight, payload: {kind: trend, title: fixed}}
                    expect:
                      - where: {event_type: analysis_complete}      # the events it applies to
                        count: 1                                     # how many must match
                        equals: {payload.routine.difficulty: 2}      # each must have these values
                        exists: [payload.behavior.readiness.score]   # and these paths

            Paths are dot-separated object keys and array indexes (payload.routine.items.0.category). Each test \
            runs the real pipeline with a fresh memory file in a temporary folder. A replaced step becomes \
            'hos-run fixed', which forwards every event and, at each request, writes the given events for the \
            request's user and analysis. A failure prints FILE:LINE: test 'NAME': what differed, naming the \
            event; the exit status is 1 when a test fails, 78 when a file is invalid.
            """)

    @Argument(help: ArgumentHelp("Test files.", valueName: "tests.yaml"))
    var files: [String]

    public init() {}

    public func run() throws {
        var failed = 0
        var passed = 0
        for f in files {
            let file: PipelineTestFile
            do {
                file = try PipelineTestFile.load(file: f, environment: environment())
            } catch {
                printError(lintMessage(error))
                throw ExitCode(exitStatus(error))
            }
            for t in file.tests {
                if let failure = try runTest(t, file) {
                    printError("hos-run: \(f):\(failure.line): test '\(t.name)': \(failure.message)")
                    failed += 1
                } else {
                    passed += 1
                }
            }
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }

    func runTest(_ t: PipelineTestCase, _ file: PipelineTestFile) throws -> (line: Int, message: String)? {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hos-run-test-\(getpid())-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var spec = file.pipeline
        let selfPath = PipelineRunner.selfPath()
        for (i, stage) in spec.stages.enumerated() {
            func replaced(_ s: StepSpec) -> StepSpec {
                guard let events = t.replace[s.id] else { return s }
                var r = s
                r.args = []
                r.kind = .run("exec '\(selfPath)' fixed --step '\(s.id)' --events-file '\(dir)/\(s.id).json'")
                try? JSON.array(events).text.write(toFile: "\(dir)/\(s.id).json", atomically: true, encoding: .utf8)
                return r
            }
            switch stage {
            case .step(let s): spec.stages[i] = .step(replaced(s))
            case .parallel(let b, let line): spec.stages[i] = .parallel(b.map(replaced), line: line)
            }
        }
        let inputPath = "\(dir)/input.jsonl"
        try (t.input.joined(separator: "\n") + "\n").write(toFile: inputPath, atomically: true, encoding: .utf8)
        var options = RunOptions(memory: "\(dir)/memory.sqlite", environment: environment())
        options.output = t.output
        let outPath = "\(dir)/output.jsonl"
        let outputs = try RunOutputs(path: outPath, onError: .fail)
        do {
            let summary = try outputs.run {
                try PipelineRunner(spec: spec, options: options).run(
                    inputs: [InputFile(argument: inputPath)], output: outputs.events, deadLetter: nil)
            }
            if summary.degraded > 0 && !t.allowDegraded {
                return (
                    t.line,
                    "\(summary.degraded) of \(summary.analyses) analyses degraded (allow_degraded: true allows it)"
                )
            }
        } catch {
            return (t.line, "the pipeline failed: \(error)")
        }
        let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        var events: [JSON] = []
        for line in text.split(separator: "\n") {
            guard let j = try? JSONParser.parse(String(line)) else {
                return (t.line, "the pipeline wrote a line that is not JSON")
            }
            events.append(j)
        }
        for x in t.expect { if let m = x.check(events) { return (x.line, m) } }
        return nil
    }
}

/// Stands for a replaced step in `hos-run test`: forwards every event, writes fixed events at each request.
public struct FixedStep: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "fixed", abstract: "A replaced step of 'hos-run test' (internal).", shouldDisplay: false)

    @Option(help: "The step id.") var step: String
    @Option(help: "A JSON array of events.") var eventsFile: String
    @OptionGroup var stream: StreamOptions

    public init() {}

    public func run() throws {
        try runTool("hos-run fixed") {
            guard let text = try? String(contentsOfFile: eventsFile, encoding: .utf8),
                case .array(let events)? = try? JSONParser.parse(text)
            else {
                throw HOSError.noInput(eventsFile, "cannot read the fixed events")
            }
            try runStage(FixedOutputStage(step: step, events: events), tool: "hos-\(step)", options: stream)
        }
    }
}
