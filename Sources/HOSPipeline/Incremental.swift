// hos-run --incremental: a user with too few new days since their last analysis gets it again, unanalysed.
//
// The dispatcher holds each user's events until their request (explicit, or implicit at end of input),
// then decides. Analysed: the events go to the steps as one segment, as without --incremental. Cached:
// they are stored in the memory file directly (as `hos-memory store` stores them), no step sees them, and
// the stored analysis_complete is written again, marked. What is held: one user's window at a time for
// input grouped by user with requests; every user whose request has not come yet for interleaved input;
// the whole input when it has no requests (as the runtime holds it without --incremental too).

import HOSCore

/// What `--incremental` needs of the memory file (HOSMemory's MemoryStore gives it; hos-run wires it in).
/// Called from two threads (the reader and the writer of the output): an implementation serialises them.
public protocol AnalysisMemory: AnyObject, Sendable {
    /// The user's latest stored whole analysis_complete: with as_of, not re-emitted (cached), not degraded.
    func lastAnalysis(user: String) throws -> Event?
    /// The distinct days after `day` with a stored health_record of the user.
    func recordDays(user: String, after day: LocalDate) throws -> Set<LocalDate>
    /// The user's latest stored record day; nil when none is stored.
    func latestRecordDay(user: String) throws -> LocalDate?
    /// Stores the events the memory agent stores (others are skipped), idempotent by event id.
    func store(_ events: [Event]) throws
}

/// The setting of an incremental run: how many new days make a user analysed again, and the memory file.
public struct Incremental: Sendable {
    /// `--min-new-days` and `incremental: true`.
    public static let defaultMinNewDays = 3
    public static let minNewDaysRange = 1...366

    public var minNewDays: Int
    public var memory: any AnalysisMemory

    public init(minNewDays: Int, memory: any AnalysisMemory) {
        self.minNewDays = minNewDays
        self.memory = memory
    }
}

/// One user's events held until their request, and the days their health_records name.
struct HeldWindow {
    /// The input position of the user's first held line, so that lines left without a request keep their order.
    var order: Int
    var lines: [Line] = []
    var days: Set<LocalDate> = []
}

/// Holds users' events and decides, at each request, whether the user is analysed or answered from memory.
struct IncrementalGate {
    let setting: Incremental
    var held: [String: HeldWindow] = [:]
    var heldCount = 0
    /// Users analysed in this run: their later requests in it are analysed too, as their new analysis
    /// is not stored until it leaves (and never when it degrades).
    var analysed: Set<String> = []

    enum Decision {
        /// The steps analyse the user; `asOf` is the day the analysis describes.
        case analyse(asOf: LocalDate)
        /// The stored analysis again, marked.
        case cached(Event)
    }

    init(_ setting: Incremental) { self.setting = setting }

    mutating func hold(_ line: Line, user: String, day: LocalDate?) {
        if held[user] == nil {
            held[user] = HeldWindow(order: heldCount)
            heldCount += 1
        }
        held[user]!.lines.append(line)
        if let day { held[user]!.days.insert(day) }
    }

    mutating func take(_ user: String) -> HeldWindow {
        held.removeValue(forKey: user) ?? HeldWindow(order: heldCount)
    }

    /// The lines held for users whose window no request closed (hos-run's own events), in input order.
    mutating func leftovers() -> [Line] {
        defer { held = [:] }
        return held.values.sorted { $0.order < $1.order }.flatMap(\.lines)
    }

    /// Analysed, unless the user's last whole analysis is stored, this request asks for the same archetype
    /// and no earlier day, and fewer than `minNewDays` days after its as_of have a record (memory or input).
    mutating func decide(_ request: Event, _ window: HeldWindow) throws -> Decision {
        let user = request.userID
        let requested = request.payload["as_of"]?.stringValue.flatMap { LocalDate($0) }
        let archetype = request.payload["archetype"]?.stringValue ?? request.archetype
        if !analysed.contains(user), let last = try setting.memory.lastAnalysis(user: user),
            let stored = try? AnalysisCompletePayload(payload: last.payload), let asOf = stored.asOf,
            archetype == nil || last.archetype == nil || archetype == last.archetype,
            requested.map({ $0 >= asOf }) ?? true
        {
            let days = try setting.memory.recordDays(user: user, after: asOf).union(window.days.filter { $0 > asOf })
            if days.count < setting.minNewDays {
                return .cached(Self.reemitted(last, stored, for: request, newDays: days.count, of: setting.minNewDays))
            }
        }
        analysed.insert(user)
        let latest = [try setting.memory.latestRecordDay(user: user), window.days.max()].compactMap { $0 }.max()
        return .analyse(
            asOf: AnalysisDay.of(
                requested: requested, latestRecord: latest, requestDay: AnalysisDay.requestDay(request)))
    }

    /// The stored analysis_complete as this request's answer: its payload (analysis_id and as_of included)
    /// with cached, new_days and needs_days; the request's timestamp; an event_id of its own.
    static func reemitted(
        _ last: Event, _ stored: AnalysisCompletePayload, for request: Event, newDays: Int, of minNewDays: Int
    ) -> Event {
        var p = stored
        p.cached = true
        p.newDays = newDays
        p.needsDays = minNewDays - newDays
        return Event(
            id: EventID.derive("analysis_complete", "cached", last.eventID, request.eventID),
            type: EventType.analysisComplete, user: request.userID, timestamp: request.timestamp, source: "hos-run",
            archetype: last.archetype, analysisID: p.analysisID, payload: p.payload)
    }

    /// Stores a cached user's events in the memory file, so that their new days count at the next run.
    func store(_ window: HeldWindow) throws {
        // A user whose input is only their request (the usual nightly case) costs no write.
        if window.lines.isEmpty { return }
        let events = try window.lines.map { line in
            try line.bytes.withUnsafeBufferPointer { buf in
                let env = try Envelope.scan(buf)
                try env.check(in: buf)
                return try env.decodedEvent(in: buf)
            }
        }
        try setting.memory.store(events)
    }
}
