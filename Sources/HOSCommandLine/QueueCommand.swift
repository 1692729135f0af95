// hos-run enqueue, worker and results: analysis requests on a PostgreSQL work queue that many machines share,
// run by workers that claim them (FOR UPDATE SKIP LOCKED), at least once, exactly once in effect.

import ArgumentParser
import Foundation
import HOSCore
import HOSMemory
import HOSPipeline
import HOSPostgres

/// `--queue`, else HOS_QUEUE; one is required.
struct QueueOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The queue's database: postgresql://USER@HOST:PORT/DB?sslmode=… (beats HOS_QUEUE).", valueName: "url"))
    var queue: String?

    func open() throws -> WorkQueue {
        let env = environment()
        guard let url = queue ?? env["HOS_QUEUE"], !url.isEmpty else {
            throw HOSError.usage("no queue: give --queue postgresql://… or HOS_QUEUE")
        }
        return try WorkQueue(url: url, environment: env)
    }
}

public struct EnqueueRequests: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "enqueue", abstract: "Put analysis requests on a PostgreSQL work queue.",
        discussion: """
            Reads events (the files in order, else standard input) and cuts them into requests as hos-run would \
            run them: each user's events up to and with their analysis_request, and each user's events after \
            their last request with the implicit request hos-run makes at end of input. Each request goes on \
            the queue under its analysis id, once: enqueueing the same input again adds nothing. Prints one \
            line per request, {"request_id":…,"user_id":…,"events":N,"queued":true|false}.
            """)

    @OptionGroup var queue: QueueOption

    @Argument(help: ArgumentHelp("Files of events; none or '-' is standard input.", valueName: "file"))
    var inputs: [String] = []

    @Option(
        name: .customLong("on-error"),
        help: ArgumentHelp("What a bad input line does: fail, skip, or dead-letter=FILE.", valueName: "policy"))
    var onError: ErrorPolicy?

    @Option(help: ArgumentHelp("Longest accepted input line, in bytes.", valueName: "n"))
    var maxLineBytes: Int = RunConfig.defaultMaxLineBytes

    public init() {}

    public func run() throws {
        try runTool("hos-run") {
            let q = try queue.open()
            let policy = onError ?? .fail
            let dead = try policy.deadLetterSink()
            var pending: [QueuedRequest] = []
            var queued = 0
            var total = 0
            func flush() throws {
                let fresh = try q.enqueue(pending)
                for (r, isNew) in zip(pending, fresh) {
                    let line: JSON = .object([
                        "request_id": .string(r.id), "user_id": .string(r.user),
                        "events": .number(Double(r.lines.count)),
                        "queued": .bool(isNew),
                    ])
                    print(line.text)
                }
                queued += fresh.filter { $0 }.count
                total += pending.count
                pending.removeAll()
            }
            var cutter = RequestCutter(
                intake: LineIntake(tool: "hos-run", onError: policy, maxLineBytes: maxLineBytes, deadLetter: dead)
            ) { id, user, lines in
                pending.append(QueuedRequest(id: id, user: user, lines: lines))
                if pending.count >= 500 { try flush() }
            }
            for input in inputs.isEmpty ? [InputFile.stdin] : inputs.map(InputFile.init(argument:)) {
                cutter.intake.file = input.name
                try input.readLines(maxLineBytes: maxLineBytes, into: &cutter)
            }
            try cutter.finish()
            try flush()
            try dead?.flush()
            printError("hos-run: \(queued) requests queued, \(total - queued) already on the queue")
        }
    }
}

public struct QueueWorker: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run a pipeline over requests claimed from a PostgreSQL work queue.",
        discussion: """
            Claims up to --batch pending requests (FOR UPDATE SKIP LOCKED: workers on many machines never take \
            the same one; at most one request per user at a time, a user's requests in the order queued), runs \
            the pipeline once over them, stores each one's output on the queue and marks it done (an analysis \
            without its analysis_complete: failed, with the agent's reason). A claim is a lease of --lease \
            seconds that the worker renews while it runs; a worker that dies leaves its requests to be claimed \
            again when the lease expires (after --max-attempts claims a request fails). Delivery is at least \
            once; the memory stores each event once by its event_id, so a request run twice counts once, and \
            only the claim that still holds a request can complete it. Without --drain the worker waits for \
            work (polling every --poll seconds) until it is stopped.
            """)

    @Argument(help: ArgumentHelp("The pipeline file.", valueName: "pipeline.yaml"))
    var pipeline: String

    @OptionGroup var queue: QueueOption

    @Option(help: ArgumentHelp("The memory (beats HOS_MEMORY and the file's memory:).", valueName: "path"))
    var memory: String?

    @Option(help: memoryKeyFileHelp) var memoryKeyFile: String?

    @Option(help: ArgumentHelp("Requests run together in one pipeline run.", valueName: "n"))
    var batch = 16

    @Option(help: ArgumentHelp("Seconds a claim lasts unless renewed.", valueName: "seconds"))
    var lease = 60.0

    @Option(help: ArgumentHelp("Claims of a request before it fails.", valueName: "n"))
    var maxAttempts = 3

    @Option(help: ArgumentHelp("Seconds between looks at an empty queue.", valueName: "seconds"))
    var poll = 1.0

    @Flag(help: "Exit when nothing is pending or running.")
    var drain = false

    public init() {}

    public mutating func validate() throws {
        guard (1...256).contains(batch) else { throw ValidationError("--batch must be from 1 to 256") }
        guard lease >= 1, lease <= 86_400 else { throw ValidationError("--lease must be from 1 to 86400 seconds") }
        guard (1...100).contains(maxAttempts) else { throw ValidationError("--max-attempts must be from 1 to 100") }
        guard poll > 0, poll <= 3600 else { throw ValidationError("--poll must be from 0 to 3600 seconds") }
    }

    public func run() throws {
        let spec = try loadPipeline(pipeline)
        try runTool("hos-run") { try work(spec) }
    }

    func work(_ spec: PipelineSpec) throws {
        let env = environment()
        let q = try queue.open()
        let me = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UInt32.random(in: 0...UInt32.max))"
        let heartbeat = try LeaseHeartbeat(queue: queue, worker: me, lease: lease)
        defer { heartbeat.stop() }
        var options = RunOptions(memory: pipelineMemory(flag: memory, spec, env), environment: env)
        options.memoryKeyFile = try MemoryKey.resolve(flag: memoryKeyFile, environment: env)?.file
        options.output = spec.output
        var done = 0
        var failed = 0
        while true {
            let claimed = try q.claim(worker: me, limit: batch, leaseSeconds: lease, maxAttempts: maxAttempts)
            if claimed.isEmpty {
                if drain, try q.counts().isSettled { break }
                usleep(UInt32(poll * 1_000_000))
                continue
            }
            let outputs = try BatchRun.run(
                PipelineRunner(spec: spec, options: options), lines: claimed.flatMap(\.lines),
                analyses: Dictionary(uniqueKeysWithValues: claimed.map { ($0.id, $0.user) }))
            for r in claimed {
                let lines = outputs[r.id] ?? []
                let ok = lines.contains { $0.contains("\"event_type\":\"analysis_complete\"") }
                let reason = ok ? nil : Self.failureReason(lines)
                if try q.finish(r, worker: me, done: ok, output: lines, error: reason) {
                    if ok { done += 1 } else { failed += 1 }
                } else {
                    printError("hos-run: warning: request \(r.id): claim lost (lease expired); another worker has it")
                }
            }
        }
        printError("hos-run: worker: \(done) done, \(failed) failed")
    }

    /// Why an analysis has no analysis_complete: its last agent_error's message, in short.
    static func failureReason(_ lines: [String]) -> String {
        for line in lines.reversed() {
            guard let event = try? JSONParser.parse(line), event["event_type"]?.stringValue == EventType.agentError
            else { continue }
            let message = event["payload"]?["message"]?.stringValue ?? "agent error"
            return printable(message, limit: 200)
        }
        return "no analysis_complete"
    }
}

/// Renews a worker's leases on a connection of its own, every third of the lease, until stopped.
final class LeaseHeartbeat: @unchecked Sendable {
    let stopped = DispatchSemaphore(value: 0)
    let thread: Thread

    init(queue: QueueOption, worker: String, lease: Double) throws {
        let q = try queue.open()
        let stopped = stopped
        thread = Thread {
            while stopped.wait(timeout: .now() + lease / 3) == .timedOut {
                do { try q.renew(worker: worker, leaseSeconds: lease) } catch {
                    printError("hos-run: warning: renew lease: \(error)")
                }
            }
        }
        thread.start()
    }

    func stop() { stopped.signal() }
}

public struct QueueResults: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "results", abstract: "Print the output of finished requests on a PostgreSQL work queue.",
        discussion: """
            Writes the stored output events of every done request, in the order the requests were queued, and \
            names each failed one on standard error (exit 1 when any failed). With --wait, first waits until \
            nothing is pending or running. With --counts, prints {"pending":N,"running":N,"done":N,"failed":N} \
            instead.
            """)

    @OptionGroup var queue: QueueOption

    @Flag(help: "Wait until nothing is pending or running.")
    var wait = false

    @Flag(help: "Print how many requests are in each state instead.")
    var counts = false

    @Option(help: ArgumentHelp("Seconds between looks while waiting.", valueName: "seconds"))
    var poll = 1.0

    public init() {}

    public func run() throws {
        try runTool("hos-run") {
            let q = try queue.open()
            while wait, !(try q.counts().isSettled) { usleep(UInt32(max(0.01, poll) * 1_000_000)) }
            if counts {
                let c = try q.counts()
                let line: JSON = .object([
                    "pending": .number(Double(c.pending)), "running": .number(Double(c.running)),
                    "done": .number(Double(c.done)), "failed": .number(Double(c.failed)),
                ])
                print(line.text)
                return
            }
            let out = try OutputSink(path: "-")
            var failed = 0
            var after = 0
            while true {
                let page = try q.finished(after: after, limit: 1000)
                guard let last = page.last else { break }
                after = last.seq
                for r in page {
                    if r.done {
                        try out.write(Array(r.output.utf8))
                    } else {
                        failed += 1
                        printError("hos-run: request \(r.id): failed after \(r.attempts) attempts: \(r.error ?? "")")
                    }
                }
            }
            try out.commit()
            if failed > 0 { throw ExitCode(1) }
        }
    }
}
