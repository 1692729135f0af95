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
public final class StreamRunner<S: Stage>: LineHandler {
    public internal(set) var stage: S
    public private(set) var stats = RunStats()
    let config: RunConfig
    let output: OutputSink
    let deadLetter: OutputSink?
    var file = "<stdin>"
    /// The first rejected lines with their reasons, for summaries.
    public private(set) var problems: [(SourceLocation, String)] = []
    public static var keptProblems: Int { 1000 }
    var pending: [String: PendingUser] = [:]
    var pendingOrder = 0
    let agentBytes: [UInt8]
    /// The stage's `consumes`, read once: a stage may build the set on each call.
    let consumed: Set<String>
    let consumesEverything: Bool

    struct PendingUser {
        var order: Int
        var lastEventID: String
        var lastTimestamp: String
        var archetype: String?
    }

    public init(stage: S, config: RunConfig, output: OutputSink, deadLetter: OutputSink? = nil) {
        self.stage = stage
        self.config = config
        self.output = output
        self.deadLetter = deadLetter
        agentBytes = Array(config.agent.utf8)
        consumed = stage.consumes
        consumesEverything = stage.consumesEverything
    }

    /// Reads every input in order, then writes the implicit barriers and finishes the stage.
    public func run(_ inputs: [InputFile]) throws {
        for input in inputs { try input.checkReadable() }
        for input in inputs {
            file = input.name
            var handler = self
            try input.readLines(maxLineBytes: config.maxLineBytes, into: &handler)
        }
        try finishInput()
    }

    /// Implicit requests for users with consumed events and no barrier, then the stage's `finish`.
    public func finishInput() throws {
        let users = config.implicitRequests ? pending.sorted { $0.value.order < $1.value.order } : []
        pending.removeAll()
        for (user, p) in users {
            let analysisID = "a-" + StableHash.hex(StableHash.of("implicit", user, p.lastEventID))
            let request = Event(
                id: EventID.derive("implicit", config.agent, user, p.lastEventID), type: EventType.analysisRequest,
                user: user, timestamp: p.lastTimestamp, source: config.agent, archetype: p.archetype,
                analysisID: analysisID,
                payload: AnalysisRequest(analysisID: analysisID, implicit: true).payload)
            try stage.barrier(request, emit: emit)
            try emit(request)
        }
        try stage.finish(emit: emit)
        try output.flush()
    }

    /// Writes one new event.
    public func emit(_ event: Event) throws {
        try output.writeLine(event.encoded())
        stats.generated += 1
    }

    public func line(_ bytes: UnsafeBufferPointer<UInt8>, number: Int) throws {
        // Blank lines carry no event: they are passed over, as jq does.
        var blank = true
        for b in bytes where b != 0x20 && b != 0x09 {
            blank = false
            break
        }
        if blank { return }
        stats.linesIn += 1
        if let fault = config.fault, stats.linesIn == fault.atEvent { try fault.fire(output: output) }
        do {
            try accept(bytes)
        } catch let problem as EventProblem {
            try reject(bytes, number: number, problem.message)
        } catch let syntax as JSONSyntaxError {
            try reject(bytes, number: number, syntax.description)
        }
    }

    public func oversizeChunk(_ bytes: UnsafeBufferPointer<UInt8>, number: Int, isEnd: Bool) throws {
        try deadLetter?.write(bytes)
        guard isEnd else { return }
        try deadLetter?.writeLine(UnsafeBufferPointer(start: nil, count: 0))
        stats.linesIn += 1
        stats.rejected += 1
        try report(number: number, "line longer than \(config.maxLineBytes) bytes")
    }

    func accept(_ line: UnsafeBufferPointer<UInt8>) throws {
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
            pending[user] = nil
            stage.discard(user: user)
        }
        if !targetedElsewhere {
            let isBarrier = env.field(env.eventType, in: line, equals: "analysis_request")
            if isBarrier || consumesEverything || consumes(env, line) {
                let event = try env.decodedEvent(in: line)
                if isBarrier {
                    pending[event.userID] = nil
                    try stage.barrier(event, emit: emit)
                    try forward(line, env)
                    if config.flushAtBarriers { try output.flush() }
                    return
                }
                try stage.process(event, emit: emit)
                if var p = pending[event.userID] {
                    p.lastEventID = event.eventID
                    p.lastTimestamp = event.timestamp
                    p.archetype = event.archetype ?? p.archetype
                    pending[event.userID] = p
                } else if !consumed.isEmpty {
                    pending[event.userID] = PendingUser(
                        order: pendingOrder, lastEventID: event.eventID,
                        lastTimestamp: event.timestamp, archetype: event.archetype)
                    pendingOrder += 1
                }
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
        stats.forwarded += 1
        guard env.eventID == nil else {
            try output.writeLine(line)
            return
        }
        let id = EventID.forLine(line)
        try output.write(UnsafeBufferPointer(rebasing: line[..<env.bodyStart]))
        try output.write("\"event_id\":\"\(id)\",")
        try output.writeLine(UnsafeBufferPointer(rebasing: line[env.bodyStart...]))
    }

    func reject(_ line: UnsafeBufferPointer<UInt8>, number: Int, _ message: String) throws {
        stats.rejected += 1
        try deadLetter?.writeLine(line)
        try report(number: number, message)
    }

    func report(number: Int, _ message: String) throws {
        let location = SourceLocation(file: file, line: number)
        if config.onError == .fail { throw HOSError.badInput(location, message) }
        if problems.count < Self.keptProblems { problems.append((location, message)) }
        if config.printProblems { printError("\(config.agent): \(location): \(message)") }
    }
}

/// The stage that reads nothing and forwards everything: the runtime's own cost, measured by `make bench`.
public struct PassThroughStage: Stage {
    public init() {}
    public var consumes: Set<String> { [] }
}
