// Running a pipeline: input → shards of step processes → one ordered output with analysis_complete events.

import Foundation
import Glibc
import HOSCore

/// How a run is set up beyond the pipeline file.
public struct RunOptions: Sendable {
    /// Pipeline instances; users are sharded over them by a stable hash of `user_id`.
    public var jobs = 1
    public var output: OutputMode?
    /// The memory file every step is given in `HOS_MEMORY`.
    public var memory: String
    /// The memory key's file every step is given in `HOS_MEMORY_KEY_FILE` (the name, never the key); nil: the
    /// environment's, if any.
    public var memoryKeyFile: String?
    public var onError: ErrorPolicy = .fail
    public var maxLineBytes = RunConfig.defaultMaxLineBytes
    /// The environment of the steps (hos-run's own, usually).
    public var environment: [String: String]
    /// Sees every event of the final stream, whatever the output mode (for `--event-log`).
    public var observe: (@Sendable ([UInt8]) -> Void)?
    /// Called about four times a second with the counts so far, and once at the end.
    public var progress: (@Sendable (RunProgress) -> Void)?
    /// With a setting, users with too few new days get their stored analysis again (Incremental.swift).
    public var incremental: Incremental?
    /// Called as each step takes an analysis and as it passes it on (for hos-serve's live progress).
    public var onStep: (@Sendable (StepProgress) -> Void)?

    public init(memory: String, environment: [String: String]) {
        self.memory = memory
        self.environment = environment
    }
}

/// Counts of a run in progress, for `--progress` and `progress` events.
public struct RunProgress: Sendable, Equatable {
    public var usersDone = 0
    /// Known once the input has been read to its end.
    public var usersTotal: Int?
    public var events = 0
    public var elapsedMS = 0.0
    public var finished = false
}

/// One step starting or finishing one analysis.
public struct StepProgress: Sendable, Equatable {
    public enum Phase: String, Sendable { case started, finished }
    public var step: String
    public var phase: Phase
    public var user: String
    /// The analysis' id (the request's analysis_id, else its event id).
    public var analysisID: String
    /// For `finished`: milliseconds from the analysis' first byte written to the step until it came back.
    public var ms: Double?
}

/// What a run did.
public struct RunSummary: Sendable {
    public var analyses = 0
    /// With --incremental: how many of the analyses were the stored one again; nil without.
    public var cached: Int?
    public var degraded = 0
    public var linesIn = 0
    public var rejected = 0
    public var eventsOut = 0
    public var steps: [StepStatus] = []
    /// Milliseconds from each analysis' request read to its analysis_complete written.
    public var latencies: [Double] = []
}

/// Runs a checked pipeline over input files.
public final class PipelineRunner: @unchecked Sendable {
    let spec: PipelineSpec
    let options: RunOptions
    let outputMode: OutputMode
    private let lock = NSLock()
    private var progress = RunProgress()
    private var progressDone = false
    private var usersDone: Set<String> = []
    private var owners: [Int] = []
    private var inputDone = false
    private let ownersCondition = NSCondition()
    private var nodes: [StepNode] = []
    let cancellation = Cancellation()
    private var startMS = 0.0

    /// Stops the run: every step's process is killed and `run` throws (hos-serve, at the end of a grace period).
    public func cancel() { cancellation.cancel(PipelineError.io("the run was cancelled")) }

    public init(spec: PipelineSpec, options: RunOptions) {
        self.spec = spec
        self.options = options
        outputMode = options.output ?? spec.output
    }

    /// How each step is started: its program, arguments and environment.
    func launches() throws(PipelineError) -> [String: Launch] {
        var out: [String: Launch] = [:]
        var base = options.environment
        base["HOS_MEMORY"] = options.memory
        if let keyFile = options.memoryKeyFile { base["HOS_MEMORY_KEY_FILE"] = keyFile }
        for (k, v) in spec.llm?.environment ?? [:] { base[k] = v }
        for step in spec.steps {
            var env = base
            // With an llm: section, each agent is asked to word its results; whether it can is the agent's
            // business (an agent that cannot ignores the variable), so hos-run keeps no list of them.
            if spec.llm != nil, case .agent = step.kind { env[LLMSpec.enableVariable] = "1" }
            for (k, v) in step.env { env[k] = v }
            switch step.kind {
            case .agent(let name):
                guard let program = Program.agent(name, path: options.environment["PATH"]) else {
                    throw .agentNotFound(
                        file: spec.file, line: step.line, command: "hos-\(name)",
                        nearest: Program.nearest(agent: name, path: options.environment["PATH"]))
                }
                // Every agent reads lines as long as hos-run accepts.
                let limit =
                    options.maxLineBytes == RunConfig.defaultMaxLineBytes
                    ? [] : ["--max-line-bytes", String(options.maxLineBytes)]
                out[step.id] = Launch(argv: [program] + limit + step.args, environment: env)
            case .run(let command):
                out[step.id] = Launch(argv: ["/bin/sh", "-c", command, step.id] + step.args, environment: env)
            }
        }
        return out
    }

    /// Reads the inputs, runs every shard, writes the output; returns the counts.
    ///
    /// Anything that stops the run — a closed output, a signal, a step with `on_failure: fail`, bad
    /// input — cancels every queue, every step kills its process, and the first reason is thrown.
    public func run(inputs: [InputFile], output: OutputSink, deadLetter: OutputSink?) throws -> RunSummary {
        for input in inputs { try input.checkReadable() }
        let launches = try launches()
        startMS = nowMS()
        defer {
            lock.lock()
            progressDone = true
            lock.unlock()
        }
        var shardInputs: [BoundedQueue<Segment>] = []
        var shardOutputs: [BoundedQueue<Segment>] = []
        var threads: [@Sendable () -> Void] = []
        for _ in 0..<options.jobs {
            let first = queue(8)
            shardInputs.append(first)
            var q = first
            for stage in spec.stages {
                let next = queue(8)
                switch stage {
                case .step(let step):
                    threads.append(node(step, launches[step.id]!, q, next))
                case .parallel(let branches, _):
                    threads += parallel(branches, launches, q, next)
                }
                q = next
            }
            shardOutputs.append(q)
        }
        // Cached users' segments skip the steps: a lane of their own, after the shards', keeps input order.
        let cacheLane = options.incremental.map { _ in queue(64) }
        let sink = Sink(runner: self, outputs: shardOutputs + (cacheLane.map { [$0] } ?? []), output: output)
        threads.append { sink.run() }
        let workers = DispatchGroup()
        for body in threads {
            workers.enter()
            Thread.detachNewThread {
                body()
                workers.leave()
            }
        }
        if let report = options.progress {
            Thread.detachNewThread { [self] in
                repeat { usleep(250_000) } while tick(report)
            }
        }
        var dispatcher = Dispatcher(runner: self, shards: shardInputs, cacheLane: cacheLane, deadLetter: deadLetter)
        do {
            for input in inputs {
                dispatcher.intake.file = input.name
                try input.readLines(maxLineBytes: options.maxLineBytes, into: &dispatcher)
            }
            try dispatcher.finish()
        } catch is Cancelled {
        } catch {
            cancellation.cancel(error)
        }
        for q in shardInputs { q.close() }
        cacheLane?.close()
        ownersCondition.lock()
        inputDone = true
        ownersCondition.broadcast()
        ownersCondition.unlock()
        workers.wait()
        if let reason = cancellation.reason { throw reason }
        var summary = sink.summary
        summary.linesIn = dispatcher.intake.linesIn
        summary.rejected = dispatcher.intake.rejected
        summary.steps = mergedStatuses()
        if let report = options.progress {
            lock.lock()
            var p = progress
            p.elapsedMS = nowMS() - startMS
            p.finished = true
            progressDone = true
            report(p)
            lock.unlock()
        }
        return summary
    }

    /// A queue that a cancellation empties.
    private func queue(_ capacity: Int) -> BoundedQueue<Segment> {
        let q = BoundedQueue<Segment>(capacity: capacity)
        cancellation.register(q)
        return q
    }

    private func node(
        _ step: StepSpec, _ launch: Launch, _ input: BoundedQueue<Segment>,
        _ output: BoundedQueue<Segment>
    ) -> @Sendable () -> Void {
        let n = StepNode(
            spec: step, launch: launch, input: input, output: output, maxLineBytes: options.maxLineBytes,
            cancellation: cancellation, onStep: options.onStep)
        nodes.append(n)
        return { n.run() }
    }

    /// A fan-out to every branch, the branches, and a join that lets each event out once.
    private func parallel(
        _ branches: [StepSpec], _ launches: [String: Launch], _ input: BoundedQueue<Segment>,
        _ output: BoundedQueue<Segment>
    ) -> [@Sendable () -> Void] {
        let base = queue(64)
        let ins = branches.map { _ in queue(8) }
        let outs = branches.map { _ in queue(8) }
        var threads = zip(branches.indices, branches).map { i, b in node(b, launches[b.id]!, ins[i], outs[i]) }
        threads.append({
            while let seg = input.pop() {
                base.push(seg)
                for q in ins { q.push(seg) }
            }
            base.close()
            for q in ins { q.close() }
        })
        threads.append({
            while let original = base.pop() {
                var merged = original
                var created: [Line] = []
                for q in outs {
                    guard let seg = q.pop() else { break }
                    created += StepNode.created(seg.lines, input: original.lines)
                    merged.results += seg.results.dropFirst(original.results.count)
                    merged.degraded += seg.degraded.dropFirst(original.degraded.count)
                    merged.timings += seg.timings.dropFirst(original.timings.count)
                }
                merged.lines = original.lines + created
                output.push(merged)
            }
            // What a branch wrote after the last request (at its end of input) goes on too.
            var tail: [Line] = []
            for q in outs { while let seg = q.pop() { tail += seg.lines } }
            if !tail.isEmpty {
                output.push(Segment(seq: Int.max, lines: tail, barrier: nil, barrierID: "", user: "", timestamp: ""))
            }
            output.close()
        })
        return threads
    }

    /// The program of `agent: NAME`: `hos-NAME` beside hos-run, else on `path`.
    public static func program(agent name: String, path: String?) -> String? { Program.agent(name, path: path) }

    /// The agent nearest a name that is not found (at most 2 edits), for a "did you mean".
    public static func nearest(agent name: String, path: String?) -> String? {
        Program.nearest(agent: name, path: path)
    }

    /// This executable's path (the `hos-run fixed` of replaced test steps).
    public static func selfPath() -> String {
        (Program.selfDirectory() ?? ".") + "/"
            + ((CommandLine.arguments.first ?? "hos-run") as NSString).lastPathComponent
    }

    func noteOwner(seq: Int, shard: Int) {
        ownersCondition.lock()
        owners.append(shard)
        ownersCondition.broadcast()
        ownersCondition.unlock()
    }

    /// The shard that holds the `seq`th request; nil once the input has ended without one.
    func owner(of seq: Int) -> Int? {
        ownersCondition.lock()
        defer { ownersCondition.unlock() }
        while seq >= owners.count && !inputDone { ownersCondition.wait() }
        return seq < owners.count ? owners[seq] : nil
    }

    func count(user: String?, events: Int) {
        lock.lock()
        if let user, usersDone.insert(user).inserted { progress.usersDone += 1 }
        progress.events += events
        lock.unlock()
    }

    func setUsersTotal(_ n: Int) {
        lock.lock()
        progress.usersTotal = n
        lock.unlock()
    }

    /// One progress report from the ticker; false once the final report has been made.
    func tick(_ report: (RunProgress) -> Void) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !progressDone else { return false }
        var p = progress
        p.elapsedMS = nowMS() - startMS
        report(p)
        return true
    }

    /// One status per step, summed over the shards.
    func mergedStatuses() -> [StepStatus] {
        var byID: [String: StepStatus] = [:]
        for n in nodes {
            let s = n.status
            var m = byID[s.step] ?? StepStatus(step: s.step)
            m.starts += s.starts
            m.failures += s.failures
            m.degraded += s.degraded
            m.endFailures += s.endFailures
            m.analyses += s.analyses
            m.eventsIn += s.eventsIn
            m.eventsOut += s.eventsOut
            m.latencies += s.latencies
            byID[s.step] = m
        }
        return spec.steps.compactMap { byID[$0.id] }
    }
}

/// Reads input lines: checks them, cuts them into segments at each request, sends each to its shard.
///
/// The runtime's own pieces read the input: `LineIntake` counts, dead-letters and reports bad lines by the
/// error policy, and `OpenWindows` makes the implicit requests at end of input, as every agent would.
struct Dispatcher: EventLineReader {
    let runner: PipelineRunner
    let shards: [BoundedQueue<Segment>]
    var intake: LineIntake
    var open: [[Line]]
    /// Per shard, the user of the first open line, and whether a later open line has another user.
    var openUser: [String?]
    var openMixed: [Bool]
    var seq = 0
    /// Users with events after their last request: they get an implicit one at the end.
    var windows = OpenWindows()
    var users: Set<String> = []
    /// With --incremental: the held windows and the decisions, and where cached segments go.
    var gate: IncrementalGate?
    let cacheLane: BoundedQueue<Segment>?

    init(
        runner: PipelineRunner, shards: [BoundedQueue<Segment>], cacheLane: BoundedQueue<Segment>?,
        deadLetter: OutputSink?
    ) {
        self.runner = runner
        self.shards = shards
        self.cacheLane = cacheLane
        gate = runner.options.incremental.map(IncrementalGate.init)
        intake = LineIntake(
            tool: "hos-run", onError: runner.options.onError, maxLineBytes: runner.options.maxLineBytes,
            deadLetter: deadLetter)
        open = Array(repeating: [], count: shards.count)
        openUser = Array(repeating: nil, count: shards.count)
        openMixed = Array(repeating: false, count: shards.count)
    }

    func shard(of user: String) -> Int {
        StableHash.shard(of: user, among: shards.count)
    }

    mutating func accept(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        if runner.cancellation.isCancelled { throw Cancelled() }
        let env = try Envelope.scan(bytes)
        try env.check(in: bytes)
        try EventID.checkForwardedLength(bytes.count, hasID: env.eventID != nil, limit: runner.options.maxLineBytes)
        // Every payload is checked here, as each agent would: a bad record is this run's bad input,
        // never a reason to restart a step.
        // A plain record is checked without being kept: routing needs only its envelope (--incremental its day).
        let event =
            try env.field(env.eventType, in: bytes, equals: "health_record") && gate == nil
            ? env.checkedPlainHealthRecord(in: bytes, fallbackID: EventID.forLine(bytes)) ?? env.decodedEvent(in: bytes)
            : env.decodedEvent(in: bytes)
        let line = env.forwarded(bytes, id: event.eventID)
        users.insert(event.userID)
        if event.eventType == EventType.analysisRequest {
            windows.close(user: event.userID)
            try close(user: event.userID, barrier: line, event: event)
        } else if gate != nil {
            let day = event.eventType == EventType.healthRecord ? (try? event.healthRecord())?.date : nil
            gate!.hold(
                Line(
                    bytes: line, id: event.eventID, user: event.userID,
                    isAgentError: event.eventType == EventType.agentError),
                user: event.userID, day: day)
            if !Self.ownTypes.contains(event.eventType) { windows.note(event) }
        } else {
            let s = shard(of: event.userID)
            open[s].append(
                Line(
                    bytes: line, id: event.eventID, user: event.userID,
                    isAgentError: event.eventType == EventType.agentError))
            if let u = openUser[s] {
                if u != event.userID { openMixed[s] = true }
            } else {
                openUser[s] = event.userID
            }
            // hos-run's own events (fed back from an earlier run) open no analysis.
            if !Self.ownTypes.contains(event.eventType) { windows.note(event) }
        }
    }

    static let ownTypes: Set<String> = [EventType.analysisComplete, EventType.agentError, EventType.progress]

    mutating func close(user: String, barrier: [UInt8], event: Event) throws {
        let s = shard(of: user)
        var seg = Segment(
            seq: seq, lines: open[s], barrier: barrier, barrierID: event.eventID, user: user,
            analysisID: event.requestAnalysisID,
            archetype: event.archetype, timestamp: event.timestamp)
        seg.mixed = openMixed[s] || (openUser[s] != nil && openUser[s] != user)
        open[s] = []
        openUser[s] = nil
        openMixed[s] = false
        if gate != nil, let lane = cacheLane {
            let window = gate!.take(user)
            seg.lines = window.lines
            switch try gate!.decide(event, window) {
            case .analyse(let asOf):
                seg.asOf = asOf
            case .cached(let done):
                try gate!.store(window)
                seg.cached = done.encoded()
                runner.noteOwner(seq: seq, shard: shards.count)
                seq += 1
                lane.push(seg)
                return
            }
        }
        runner.noteOwner(seq: seq, shard: s)
        seq += 1
        shards[s].push(seg)
    }

    /// Implicit requests for users left open, as every agent would make them (hos-events(7)).
    mutating func finish() throws {
        for request in windows.implicitRequests(agent: "hos-run") {
            try close(user: request.userID, barrier: request.encoded(), event: request)
        }
        for line in gate?.leftovers() ?? [] { open[shard(of: line.user ?? "")].append(line) }
        // hos-run's own events (fed back from an earlier run) after a shard's last request open no analysis:
        // they go through the steps as the shard's tail, as an agent forwards what follows its last barrier.
        for s in open.indices where !open[s].isEmpty {
            shards[s].push(Segment(seq: Int.max, lines: open[s], barrier: nil, barrierID: "", user: "", timestamp: ""))
            open[s] = []
            openUser[s] = nil
            openMixed[s] = false
        }
        runner.setUsersTotal(users.count)
    }
}

/// Writes the shards' segments in input order, with an `analysis_complete` after each request.
final class Sink: @unchecked Sendable {
    let runner: PipelineRunner
    let outputs: [BoundedQueue<Segment>]
    let output: OutputSink
    var summary = RunSummary()
    var daily = DailyRecords()

    init(runner: PipelineRunner, outputs: [BoundedQueue<Segment>], output: OutputSink) {
        self.runner = runner
        self.outputs = outputs
        self.output = output
        if runner.options.incremental != nil { summary.cached = 0 }
    }

    func run() {
        do {
            var seq = 0
            while let shard = runner.owner(of: seq) {
                guard let seg = outputs[shard].pop() else { break }
                try write(seg)
                seq += 1
            }
            for q in outputs { while let seg = q.pop() { try write(seg) } }
            try output.flush()
        } catch {
            runner.cancellation.cancel(error)
        }
    }

    func write(_ seg: Segment) throws {
        var lines = 0
        let all = runner.outputMode == .all
        let observe = runner.options.observe
        for l in seg.lines {
            observe?(l.bytes)
            if all || l.isAgentError {
                try output.writeLine(l.bytes)
                lines += 1
            }
        }
        let series = daily.series(seg)
        if let barrier = seg.barrier {
            observe?(barrier)
            if all {
                try output.writeLine(barrier)
                lines += 1
            }
            let analysis = seg.cached == nil ? complete(seg, daily: series) : nil
            let done = seg.cached ?? analysis!.encoded()
            observe?(done)
            try output.writeLine(done)
            lines += 1
            summary.analyses += 1
            if seg.cached != nil { summary.cached! += 1 }
            // A whole new analysis is what the next incremental run answers from; a degraded one is not.
            if let analysis, seg.degraded.isEmpty, let memory = runner.options.incremental?.memory {
                try memory.store([analysis])
            }
            summary.latencies.append(nowMS() - seg.enteredAt)
            if !seg.degraded.isEmpty { summary.degraded += 1 }
            try output.flush()
        }
        summary.eventsOut += lines
        runner.count(user: seg.barrier == nil ? nil : seg.user, events: seg.lines.count + 1)
    }

    /// The `analysis_complete` of a segment: each step's result under its id, degraded steps, timings.
    func complete(_ seg: Segment, daily: DailySeries? = nil) -> Event {
        var payload = AnalysisCompletePayload()
        payload.daily = daily
        payload.analysisID = seg.analysisID ?? seg.barrierID
        var alerts: [[String: JSON]] = []
        let data = Set(runner.spec.steps.filter(\.writesData).map(\.id))
        for (step, lines) in seg.results where !data.contains(step) {
            var events = lines.filter { !$0.isAgentError }.compactMap { l in
                l.bytes.withUnsafeBufferPointer { try? Event(json: JSONParser.parse($0), fallbackID: "") }
            }
            // Coach alerts are not a step's result: they go under "alerts", so a step's insights stay insights.
            alerts += events.filter { $0.eventType == EventType.alert }.map(\.payload)
            events.removeAll { $0.eventType == EventType.alert }
            // Insights are a list, possibly empty, whatever agent wrote them; a step that wrote nothing else
            // and did not degrade is an empty list too, so that no step's name decides the shape.
            let list = events.allSatisfy { $0.eventType == EventType.insight } && !seg.degraded.contains(step)
            if list || events.count > 1 {
                payload.steps[step] = .array(events.map { .object($0.payload) })
            } else if events.count == 1 {
                payload.steps[step] = .object(events[0].payload)
            }
        }
        if !alerts.isEmpty { payload.alerts = alerts }
        payload.degraded = seg.degraded
        payload.timingsMS = Dictionary(seg.timings.map { ($0.step, $0.ms.rounded()) }, uniquingKeysWith: { a, _ in a })
        payload.asOf = seg.asOf
        return Event(
            id: EventID.derive("analysis_complete", seg.user, payload.analysisID), type: EventType.analysisComplete,
            user: seg.user, timestamp: seg.timestamp, source: "hos-run", archetype: seg.archetype,
            analysisID: payload.analysisID, payload: payload.payload)
    }
}
