// hos-memory replay as a stage: at each analysis_request it gives the agents downstream the user's stored
// records for the window beside the new ones, so that an analysis of new data is the whole history's analysis.

import Foundation
import GRDB
import HOSCore

/// Replays a user's stored daily records before each of their barriers: every (day, metric) of the window
/// that the file holds and this input does not, as `health_record` events marked `source_agent: hos-memory`
/// (which the storing stage never stores again). Reads the file only; a file that does not exist yet (the
/// first run, whose hos-memory downstream creates it) holds nothing to replay.
public struct ReplayStage: Stage {
    /// The source_agent of replayed records: what marks them as memory's, not new.
    public static let agent = MemoryStage.agent
    /// Days replayed at least, whatever the request's window: hos-insights' correlation look-back.
    public static let defaultDays = 90
    /// How long a barrier waits for hos-memory downstream to store an earlier analysis of the same user
    /// in this input (see `waitForEarlier`).
    public static let defaultWait = 30.0

    public let path: String
    public let options: MemoryOptions
    /// The file's key when it is encrypted.
    public let key: MemoryKey?
    /// Days replayed at least (the request's window_days when longer).
    public let days: Int
    public let wait: Double
    var store: MemoryStore?
    /// This input's records of each user since their last barrier: (day, metric) → value and event.
    var segments: [String: [DayMetric: Kept]] = [:]
    /// The user of the latest barrier, its request's id, and their records in this input up to it.
    var earlier: (user: String, request: String, records: [DayMetric: Kept], profile: Event?)?
    /// The latest user_profile of each user in this input since their last barrier.
    var profiles: [String: Event] = [:]
    /// Users with an earlier barrier in this input whose records `earlier` no longer holds: the id of that
    /// barrier's request, which hos-memory downstream stores once it has stored everything before it.
    var stored: [String: String] = [:]
    var gaveUpWaiting = false
    /// The archetype this input's records of each user last carried, since their last barrier.
    var archetypes: [String: String] = [:]
    /// The file has the table of stated archetypes (a file made before it, opened read-only, has not).
    var hasArchetypes = false
    /// Records (events) replayed and users they went to, for `--stats`.
    public private(set) var replayed = 0
    public private(set) var users = 0

    struct DayMetric: Hashable, Comparable {
        var date: LocalDate
        var metric: String
        static func < (a: DayMetric, b: DayMetric) -> Bool { (a.date, a.metric) < (b.date, b.metric) }
    }

    struct Kept {
        var value: MetricValue
        var eventID: String
        var timestamp: String
    }

    public init(
        path: String, options: MemoryOptions = MemoryOptions(), key: MemoryKey? = nil, days: Int = defaultDays,
        wait: Double = defaultWait
    ) {
        self.path = path
        self.options = options
        self.key = key
        self.days = days
        self.wait = wait
    }

    public var consumes: Set<String> { [EventType.healthRecord, EventType.userProfile] }

    public mutating func process(_ event: Event, emit: (Event) throws -> Void) throws {
        if event.eventType == EventType.userProfile {
            profiles[event.userID] = event
            return
        }
        let record = try event.healthRecord()
        var segment = segments.removeValue(forKey: event.userID) ?? [:]
        for (name, value) in record.metrics {
            segment[DayMetric(date: record.date, metric: name)] = Kept(
                value: value, eventID: event.eventID, timestamp: event.timestamp)
        }
        segments[event.userID] = segment
        if let a = event.archetype { archetypes[event.userID] = a }
    }

    public mutating func barrier(_ request: Event, emit: (Event) throws -> Void) throws {
        let user = request.userID
        let segment = segments.removeValue(forKey: user) ?? [:]
        var before: [DayMetric: Kept] = [:]
        if let e = earlier, e.user == user {
            before = e.records
        } else if let id = stored[user] {
            try waitForEarlier(user: user, request: id)
        }
        let ask = (try? AnalysisRequest(payload: request.payload)) ?? AnalysisRequest(analysisID: nil)
        let fromMemory = try openStore()
        let latestStored = try fromMemory.flatMap { try $0.latestRecordDate(user: user) }
        let latestHere = (segment.keys.map(\.date) + before.keys.map(\.date)).max()
        let asOf = AnalysisDay.of(
            requested: ask.asOf, latestRecord: [latestStored, latestHere].compactMap { $0 }.max(),
            requestDay: AnalysisDay.requestDay(request))
        let first = asOf.adding(days: -(max(days, ask.windowDays) - 1))
        var replay: [DayMetric: Kept] = [:]
        for row in try fromMemory.map({ try $0.storedRecords(user: user, from: first, through: asOf) }) ?? [] {
            replay[row.key] = row.kept
        }
        for (key, kept) in before where key.date >= first && key.date <= asOf { replay[key] = kept }
        for key in segment.keys { replay[key] = nil }
        // Replayed records say who the user is as this input's records did, else as their stored events did,
        // so that the agents, which take the archetype from the records when the request names none, keep it.
        let archetype =
            try archetypes.removeValue(forKey: user)
            ?? fromMemory.flatMap { store in
                hasArchetypes
                    ? try store.read("replay records") { db in try store.statedArchetype(user: user, in: db) } : nil
            }
        let own = profiles.removeValue(forKey: user)
        let profile = try own == nil ? replayProfile(user, earlier: earlier, archetype: archetype, emit: emit) : 0
        let n = try emitRecords(replay, user: user, archetype: archetype, emit: emit)
        replayed += n + profile
        users += n + profile > 0 ? 1 : 0
        // What this input gave the user stays for a later barrier of theirs, until another user's barrier;
        // then a later barrier of the user before waits for hos-memory downstream to have stored it.
        let ownEarlier = earlier.flatMap { $0.user == user ? $0.profile : nil }
        if let e = earlier, e.user != user { stored[e.user] = e.request }
        before.merge(segment) { _, new in new }
        earlier = (user, request.eventID, before.filter { $0.key.date >= first }, own ?? ownEarlier)
        stored[user] = nil
    }

    /// The user's profile, when this input gave none since their last barrier: the one an earlier segment
    /// of this input gave, else the stored one; how many events that was (0 or 1).
    func replayProfile(
        _ user: String, earlier: (user: String, request: String, records: [DayMetric: Kept], profile: Event?)?,
        archetype: String?, emit: (Event) throws -> Void
    ) throws -> Int {
        var p: (id: String, timestamp: String, payload: [String: JSON])?
        if let e = earlier, e.user == user, let profile = e.profile {
            p = (profile.eventID, profile.timestamp, profile.payload)
        } else if let store {
            p = try store.storedProfile(user: user)
        }
        guard let p else { return 0 }
        try emit(
            Event(
                id: p.id, type: EventType.userProfile, user: user, timestamp: p.timestamp, source: Self.agent,
                archetype: archetype, payload: p.payload))
        return 1
    }

    /// Replayed records as events: one per original event and day, in date and event order; how many.
    func emitRecords(
        _ replay: [DayMetric: Kept], user: String, archetype: String?, emit: (Event) throws -> Void
    ) throws -> Int {
        var byEvent: [EventDay: (timestamp: String, metrics: [String: MetricValue])] = [:]
        for (key, kept) in replay {
            byEvent[EventDay(date: key.date, eventID: kept.eventID), default: (kept.timestamp, [:])].metrics[
                key.metric] = kept.value
        }
        for key in byEvent.keys.sorted() {
            let (timestamp, metrics) = byEvent[key]!
            try emit(
                Event(
                    id: key.eventID, type: EventType.healthRecord, user: user, timestamp: timestamp,
                    source: Self.agent, archetype: archetype,
                    payload: HealthRecord(date: key.date, metrics: metrics).payload))
        }
        return byEvent.count
    }

    struct EventDay: Hashable, Comparable {
        var date: LocalDate
        var eventID: String
        static func < (a: EventDay, b: EventDay) -> Bool { (a.date, a.eventID) < (b.date, b.eventID) }
    }

    /// The file, opened read-only once it exists with its tables; nil before. In the first run hos-memory
    /// downstream creates it while this stage reads: a file without tables yet is asked again next time.
    mutating func openStore() throws -> MemoryStore? {
        if let store { return store }
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let opened = try MemoryStore(path: path, options: options, readOnly: true, check: .none, key: key)
        // Asked of sqlite_master each time: GRDB's tableExists caches its answer for the connection.
        let tables = try opened.read("replay records") { db in
            try db.one(
                Int.self,
                """
                SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('short_term_record', 'event_seen')
                """, []) ?? 0
        }
        guard tables == 2 else { return nil }
        hasArchetypes = try opened.read("replay records") { db in
            try db.one(
                Bool.self,
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'user_archetype')", [])
                ?? false
        }
        store = opened
        return opened
    }

    /// Waits until hos-memory downstream has stored the user's earlier barrier in this input, whose
    /// records this stage no longer holds: otherwise what the agents see would depend on how far the
    /// storing process had got. A file that does not hold it after `wait` seconds (no hos-memory
    /// downstream) ends the waiting for the rest of the run, with a warning.
    mutating func waitForEarlier(user: String, request: String) throws {
        guard !gaveUpWaiting else { return }
        let deadline = Date().addingTimeInterval(wait)
        // The file itself may not be there yet: hos-memory downstream creates it in the first run.
        while try !(openStore()?.holds(user: user, eventID: request) ?? false) {
            guard Date() < deadline else {
                gaveUpWaiting = true
                printError(
                    "\(Self.agent): warning: replay: an earlier analysis of a user in this input was not stored "
                        + "within \(Int(wait)) s (no hos-memory downstream?); later analyses of users whose events "
                        + "interleave with others' see only what the file holds")
                return
            }
            usleep(20_000)
        }
    }
}

extension MemoryStore {
    /// The latest day with a stored record of `user`.
    func latestRecordDate(user: String) throws -> LocalDate? {
        try read("replay records") { db in
            return try db.one(String.self, "SELECT max(date) FROM short_term_record WHERE user_id = ?", [user]).flatMap
            { LocalDate($0) }
        }
    }

    /// The stored records of `user` dated from `first` through `last`.
    func storedRecords(user: String, from first: LocalDate, through last: LocalDate) throws -> [(
        key: ReplayStage.DayMetric, kept: ReplayStage.Kept
    )] {
        try read("replay records") { db in
            let rows = try db.rows(
                """
                SELECT date, metric, value, kind, event_id, recorded_at FROM short_term_record
                WHERE user_id = ? AND date >= ? AND date <= ?
                """, [user, first.description, last.description])
            var out: [(ReplayStage.DayMetric, ReplayStage.Kept)] = []
            for r in rows {
                guard let date = LocalDate(r["date"] as String) else { continue }
                let v: Double = r["value"]
                let value: MetricValue = r["kind"] == "clock" ? .clock(ClockTime(minutes: Int(v))) : .number(v)
                out.append(
                    (
                        .init(date: date, metric: r["metric"]),
                        .init(value: value, eventID: r["event_id"], timestamp: r["recorded_at"])
                    ))
            }
            return out
        }
    }

    /// The stored profile of `user`: its event's id, time and payload.
    func storedProfile(user: String) throws -> (id: String, timestamp: String, payload: [String: JSON])? {
        try read("replay records") { db in
            guard
                let row = try db.rows("SELECT payload, event_id, updated_at FROM profile WHERE user_id = ?", [user])
                    .first,
                case .object(let payload) = JSON.parseStored(row["payload"])
            else { return nil }
            return (row["event_id"], row["updated_at"], payload)
        }
    }

    /// Whether the file holds event `eventID` of `user` (stored by hos-memory).
    func holds(user: String, eventID: String) throws -> Bool {
        try read("replay records") { db in
            return try db.one(
                Bool.self, "SELECT EXISTS (SELECT 1 FROM event_seen WHERE user_id = ? AND event_id = ?)",
                [user, eventID]) ?? false
        }
    }
}
