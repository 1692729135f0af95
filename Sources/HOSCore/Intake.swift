// The input side of the stream protocol, shared by the agents' StreamRunner and hos-run's reader: bad lines
// by the error policy, open analysis windows and their implicit requests, a forwarded line's event_id.

/// What a reader of event lines does with each line it is given (hos-events(7), BAD INPUT): a blank line
/// is passed over, every other line is counted, and a line that is not an event, or is longer than the
/// limit, is dead-lettered and reported by the error policy.
public struct LineIntake {
    /// The command's name, the prefix of each reported line.
    public let tool: String
    public let onError: ErrorPolicy
    public let maxLineBytes: Int
    let deadLetter: OutputSink?
    /// Print each rejected line's diagnostic on stderr (off when the caller reports them itself).
    public var printProblems = true
    /// The name of the input being read, for diagnostics.
    public var file = "<stdin>"
    /// Non-blank lines read, rejected ones included.
    public internal(set) var linesIn = 0
    public internal(set) var rejected = 0
    /// The first rejected lines with their reasons, for summaries.
    public private(set) var problems: [(SourceLocation, String)] = []
    /// How many rejected lines `problems` keeps.
    public static var keptProblems: Int { 1000 }

    public init(tool: String, onError: ErrorPolicy, maxLineBytes: Int, deadLetter: OutputSink?) {
        self.tool = tool
        self.onError = onError
        self.maxLineBytes = maxLineBytes
        self.deadLetter = deadLetter
    }

    /// True for a line of spaces and tabs only: it carries no event and is passed over, as jq does.
    @inline(__always)
    public static func isBlank(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for b in bytes where b != UInt8(ascii: " ") && b != UInt8(ascii: "\t") { return false }
        return true
    }

    /// A line that is not an event: dead-lettered untouched, then reported.
    public mutating func reject(_ line: UnsafeBufferPointer<UInt8>, number: Int, _ message: String) throws {
        rejected += 1
        try deadLetter?.writeLine(line)
        try report(number: number, message)
    }

    /// A piece of a line over the limit: each piece goes to the dead-letter file as it comes, so memory stays
    /// bounded; the last one ends the line there and rejects it.
    public mutating func oversizeChunk(_ bytes: UnsafeBufferPointer<UInt8>, number: Int, isEnd: Bool) throws {
        try deadLetter?.write(bytes)
        guard isEnd else { return }
        try deadLetter?.writeLine(UnsafeBufferPointer(start: nil, count: 0))
        linesIn += 1
        rejected += 1
        try report(number: number, "line longer than \(maxLineBytes) bytes")
    }

    /// Stops the run (`fail`, exit 65) or notes the problem and prints it (`skip`, `dead-letter`).
    mutating func report(number: Int, _ message: String) throws {
        let location = SourceLocation(file: file, line: number)
        if onError == .fail { throw HOSError.badInput(location, message) }
        if problems.count < Self.keptProblems { problems.append((location, message)) }
        if printProblems { printError("\(tool): \(location): \(message)") }
    }
}

/// A reader of event lines built on `LineIntake`: it sees each non-blank line in `accept`, and the intake
/// counts the line and rejects it when `accept` throws an `EventProblem` or a JSON syntax error.
public protocol EventLineReader: LineHandler {
    var intake: LineIntake { get set }
    /// One non-blank line, already counted. Throwing an `EventProblem` or a `JSONSyntaxError` rejects the
    /// line by the error policy; any other error stops the run.
    mutating func accept(_ line: UnsafeBufferPointer<UInt8>) throws
}

extension EventLineReader {
    @inline(__always)
    public mutating func line(_ bytes: UnsafeBufferPointer<UInt8>, number: Int) throws {
        if LineIntake.isBlank(bytes) { return }
        intake.linesIn += 1
        do {
            try accept(bytes)
        } catch let problem as EventProblem {
            try intake.reject(bytes, number: number, problem.message)
        } catch let syntax as JSONSyntaxError {
            try intake.reject(bytes, number: number, syntax.description)
        }
    }

    public mutating func oversizeChunk(_ bytes: UnsafeBufferPointer<UInt8>, number: Int, isEnd: Bool) throws {
        try intake.oversizeChunk(bytes, number: number, isEnd: isEnd)
    }
}

/// The users whose analysis window is open: events were read for them since their last request. At end of
/// input each gets an implicit `analysis_request` (hos-events(7)), in the order their windows opened.
public struct OpenWindows: Sendable {
    struct Window: Sendable {
        var order: Int
        var lastEventID: String
        var lastTimestamp: String
        var archetype: String?
    }

    var windows: [String: Window] = [:]
    var opened = 0

    public init() {}

    public var isEmpty: Bool { windows.isEmpty }

    /// An event of the user was read: their window opens, or now ends at this event.
    public mutating func note(_ event: Event) {
        if var w = windows[event.userID] {
            w.lastEventID = event.eventID
            w.lastTimestamp = event.timestamp
            w.archetype = event.archetype ?? w.archetype
            windows[event.userID] = w
        } else {
            windows[event.userID] = Window(
                order: opened, lastEventID: event.eventID, lastTimestamp: event.timestamp,
                archetype: event.archetype)
            opened += 1
        }
    }

    /// The user's window was closed by a request (theirs, or another agent's).
    public mutating func close(user: String) {
        windows[user] = nil
    }

    /// Closes every open window with the implicit request that `agent` makes for it, in the order they opened.
    public mutating func implicitRequests(agent: String) -> [Event] {
        let open = windows.sorted { $0.value.order < $1.value.order }
        windows.removeAll()
        return open.map { user, w in
            let analysisID = "a-" + StableHash.hex(StableHash.of("implicit", user, w.lastEventID))
            return Event(
                id: EventID.derive("implicit", agent, user, w.lastEventID), type: EventType.analysisRequest,
                user: user, timestamp: w.lastTimestamp, source: agent, archetype: w.archetype,
                analysisID: analysisID,
                payload: AnalysisRequest(analysisID: analysisID, implicit: true).payload)
        }
    }
}

extension Envelope {
    /// The text a line without an `event_id` is forwarded with before its body: `"event_id":"ID",`.
    public static func eventIDField(_ id: String) -> String { "\"event_id\":\"\(id)\"," }

    /// The line as it is forwarded: unchanged, or with `id` (`EventID.forLine`) added when it had no event_id.
    public func forwarded(_ line: UnsafeBufferPointer<UInt8>, id: @autoclosure () -> String) -> [UInt8] {
        guard eventID == nil else { return Array(line) }
        var out = Array(line[..<bodyStart])
        out += Array(Self.eventIDField(id()).utf8)
        out += line[bodyStart...]
        return out
    }
}

extension ErrorPolicy {
    /// The dead-letter file of `dead-letter=FILE`, opened for appending; nil for the other policies.
    public func deadLetterSink() throws(HOSError) -> OutputSink? {
        guard case .deadLetter(let path) = self else { return nil }
        return try OutputSink(appendingTo: path)
    }
}

/// Where a run writes: its events (stdout or a file that appears only when the run succeeds) and the
/// dead-letter file of its error policy.
public struct RunOutputs {
    public let events: OutputSink
    public let deadLetter: OutputSink?

    /// Opens the events' sink (`nil` or `-`: stdout), then the dead-letter file of `onError`.
    public init(path: String?, onError: ErrorPolicy) throws(HOSError) {
        events = try OutputSink(path: path ?? "-")
        deadLetter = try onError.deadLetterSink()
    }

    /// Runs `body`, then writes out the dead letters and commits the events. When anything fails (a dead
    /// letter that cannot be written too), the events' file is dropped (stdout is flushed up to its last whole
    /// line) and the dead letters already given are still written, so that none is lost.
    public func run<T>(_ body: () throws -> T) throws -> T {
        do {
            let result = try body()
            try deadLetter?.flush()
            try events.commit()
            return result
        } catch {
            events.abandon()
            try? deadLetter?.flush()
            throw error
        }
    }
}
