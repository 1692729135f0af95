// The stream protocol of hos-events(7): forward in order, barriers per user, implicit requests, error policy.

/// What to do with a bad input line (hos-events(7), BAD INPUT).
public enum ErrorPolicy: Sendable, Equatable, CustomStringConvertible {
    /// Stop at the first bad line with exit 65 (output up to it is kept).
    case fail
    /// Report on stderr, count, go on.
    case skip
    /// As skip, and append the line, untouched, to the file.
    case deadLetter(String)

    /// Parses `fail`, `skip` or `dead-letter=FILE`.
    public init?(argument: String) {
        switch argument {
        case "fail": self = .fail
        case "skip": self = .skip
        default:
            let prefix = "dead-letter="
            guard argument.hasPrefix(prefix), argument.count > prefix.count else { return nil }
            self = .deadLetter(String(argument.dropFirst(prefix.count)))
        }
    }

    public var description: String {
        switch self {
        case .fail: "fail"
        case .skip: "skip"
        case .deadLetter(let f): "dead-letter=\(f)"
        }
    }
}

/// The logic of an agent, free of flags, files and the clock (STYLE.md habit 2).
public protocol Stage {
    /// Event types this stage reads in full; every other event is forwarded after an envelope check only.
    var consumes: Set<String> { get }
    /// True for a stage that reads every event in full (a validator).
    var consumesEverything: Bool { get }
    /// A consumed event, in input order, after the contract check of its payload.
    mutating func process(_ event: Event, emit: (Event) throws -> Void) throws
    /// A user's barrier (an `analysis_request`, explicit or implicit): write the results for that user.
    mutating func barrier(_ request: Event, emit: (Event) throws -> Void) throws
    /// End of input, after the implicit barriers.
    mutating func finish(emit: (Event) throws -> Void) throws
    /// Forget a user's buffered events: their barrier was meant for another agent.
    mutating func discard(user: String)
}

extension Stage {
    public var consumesEverything: Bool { false }
    public mutating func process(_ event: Event, emit: (Event) throws -> Void) throws {}
    public mutating func barrier(_ request: Event, emit: (Event) throws -> Void) throws {}
    public mutating func finish(emit: (Event) throws -> Void) throws {}
    public mutating func discard(user: String) {}
}

/// How a run is set up: the agent's name and the input rules.
public struct RunConfig: Sendable {
    /// The command's name: the diagnostic prefix, the `source_agent` of implicit requests, and the
    /// name that `target_agent` is compared with.
    public var agent: String
    public var onError: ErrorPolicy
    public var maxLineBytes: Int
    /// Write output at each barrier, so the next process in a pipe sees each user without delay.
    public var flushAtBarriers: Bool
    /// Print each rejected line's diagnostic on stderr (off when the caller reports them itself).
    public var printProblems = true
    /// Copy input events to the output; off for a stage that answers rather than passes on (`hos-synth respond`).
    public var forwardInput = true
    /// Close users left without a barrier at end of input with an implicit request (hos-events(7)).
    public var implicitRequests = true
    /// A failure to inject at an input event (`HOS_FAULT`), for failover tests.
    public var fault: Fault?

    public static let defaultMaxLineBytes = 1 << 20

    public init(
        agent: String, onError: ErrorPolicy = .fail, maxLineBytes: Int = RunConfig.defaultMaxLineBytes,
        flushAtBarriers: Bool = true
    ) {
        self.agent = agent
        self.onError = onError
        self.maxLineBytes = maxLineBytes
        self.flushAtBarriers = flushAtBarriers
    }
}

/// Counts of a run, for `--stats` and for the "nothing lost" rule: `in == forwarded + rejected`.
public struct RunStats: Sendable, Equatable {
    public var linesIn = 0
    public var forwarded = 0
    public var generated = 0
    public var rejected = 0
    public var out: Int { forwarded + generated }

    /// `in=N out=M rejected=K`, the form hos-events(7) gives under BAD INPUT.
    public var summary: String { "in=\(linesIn) out=\(out) rejected=\(rejected)" }
}

/// Runs a stage over input lines with the barrier protocol and the error policy.
public final class StreamRunner<S: Stage>: EventLineReader {
    public internal(set) var stage: S
    /// Lines in and rejected, by the error policy.
    public var intake: LineIntake
    var counts = RunStats()
    let config: RunConfig
    let output: OutputSink
    var open = OpenWindows()
    let agentBytes: [UInt8]
    /// The stage's `consumes`, read once: a stage may build the set on each call.
    let consumed: Set<String>
    let consumesEverything: Bool

    /// The counts so far.
    public var stats: RunStats {
        var s = counts
        s.linesIn = intake.linesIn
        s.rejected = intake.rejected
        return s
    }

    /// The first rejected lines with their reasons, for summaries.
    public var problems: [(SourceLocation, String)] { intake.problems }

    public init(stage: S, config: RunConfig, output: OutputSink, deadLetter: OutputSink? = nil) {
        self.stage = stage
        self.config = config
        self.output = output
        intake = LineIntake(
            tool: config.agent, onError: config.onError, maxLineBytes: config.maxLineBytes, deadLetter: deadLetter)
        intake.printProblems = config.printProblems
        agentBytes = Array(config.agent.utf8)
        consumed = stage.consumes
        consumesEverything = stage.consumesEverything
    }

    /// Reads every input in order, then writes the implicit barriers and finishes the stage.
    public func run(_ inputs: [InputFile]) throws {
        for input in inputs { try input.checkReadable() }
        for input in inputs {
            intake.file = input.name
            var handler = self
            try input.readLines(maxLineBytes: config.maxLineBytes, into: &handler)
        }
        try finishInput()
    }

    /// Implicit requests for users with consumed events and no barrier, then the stage's `finish`.
    public func finishInput() throws {
        // Every window closes at end of input, with a request or (hos-report) without one.
        let requests = open.implicitRequests(agent: config.agent)
        if config.implicitRequests {
            for request in requests {
                try stage.barrier(request, emit: emit)
                try emit(request)
            }
        }
        try stage.finish(emit: emit)
        try output.flush()
    }

    /// Writes one new event.
    public func emit(_ event: Event) throws {
        try output.writeLine(event.encoded())
        counts.generated += 1
    }

    /// One non-blank input line: forwarded, given to the stage, or (throwing) rejected.
    public func accept(_ line: UnsafeBufferPointer<UInt8>) throws {
        if let fault = config.fault, intake.linesIn == fault.atEvent { try fault.fire(output: output) }
        let env = try Envelope.scan(line)
        try env.check(in: line)
        if config.forwardInput {
            try EventID.checkForwardedLength(line.count, hasID: env.eventID != nil, limit: config.maxLineBytes)
        }
        let targetedElsewhere: Bool
        if case .string(let t)? = env.targetAgent {
            targetedElsewhere =
                t.escaped
                ? env.string(env.targetAgent, in: line) != config.agent
                : !line[t.start..<t.end].elementsEqual(agentBytes)
        } else {
            targetedElsewhere = false
        }
        if targetedElsewhere, env.field(env.eventType, in: line, equals: "analysis_request"),
            let user = env.string(env.userID, in: line)
        {
            // Another agent's barrier still ends this user's window here: nothing of it may follow the
            // barrier downstream, neither a late result nor a second, implicit request.
            open.close(user: user)
            stage.discard(user: user)
        }
        if !targetedElsewhere {
            let isBarrier = env.field(env.eventType, in: line, equals: "analysis_request")
            if isBarrier || consumesEverything || consumes(env, line) {
                let event = try env.decodedEvent(in: line)
                if isBarrier {
                    open.close(user: event.userID)
                    try stage.barrier(event, emit: emit)
                    try forward(line, env)
                    if config.flushAtBarriers { try output.flush() }
                    return
                }
                try stage.process(event, emit: emit)
                // A validator that consumes no type opens no window: it answers no request.
                if !consumed.isEmpty { open.note(event) }
            }
        }
        try forward(line, env)
    }

    func consumes(_ env: Envelope, _ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !consumed.isEmpty, let type = env.string(env.eventType, in: line) else { return false }
        return consumed.contains(type)
    }

    /// Writes the input line unchanged, or with an `event_id` added when it had none.
    func forward(_ line: UnsafeBufferPointer<UInt8>, _ env: Envelope) throws {
        guard config.forwardInput else { return }
        counts.forwarded += 1
        guard env.eventID == nil else {
            try output.writeLine(line)
            return
        }
        try output.writeLine(env.forwarded(line, id: EventID.forLine(line)))
    }
}

/// The stage that reads nothing and forwards everything: the runtime's own cost, measured by `make bench`.
public struct PassThroughStage: Stage {
    public init() {}
    public var consumes: Set<String> { [] }
}
