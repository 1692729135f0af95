// hos-memory as a stage: stores what flows by in batches, and at each analysis_request writes the working
// memory, consolidates the user and emits one memory_context before the request is forwarded.

import GRDB
import HOSCore

/// Stores consumed events (idempotent by event id) and answers barriers and `memory_retrieve` with
/// `memory_context`. Time comes from the events, never from the clock.
public struct MemoryStage: Stage {
    public static let agent = "hos-memory"
    /// Events buffered before a write transaction; a barrier, a control event or the end flushes sooner.
    public static let batchSize = 4096

    public let store: MemoryStore
    /// Off for `hos-memory store`: store and consolidate, emit nothing.
    public let emitContext: Bool
    var pending: [Event] = []
    var sessions: [String: Session] = [:]
    /// Events stored (new) and skipped (seen before), for tests and `--stats`.
    public private(set) var stored = 0
    public private(set) var duplicates = 0
    /// Replayed records passed over (see ReplayStage).
    public private(set) var replayed = 0

    public init(store: MemoryStore, emitContext: Bool = true) {
        self.store = store
        self.emitContext = emitContext
    }

    public var consumes: Set<String> {
        MemoryEvents.stored.union([MemoryEvents.retrieve, MemoryEvents.consolidate])
    }

    public mutating func process(_ event: Event, emit: (Event) throws -> Void) throws {
        switch event.eventType {
        case MemoryEvents.retrieve:
            try flush()
            let context = try store.read("retrieve memory") { db in
                let id = event.payload["analysis_id"]?.stringValue ?? event.analysisID
                let working = try id.flatMap { id in
                    try db.one(
                        String.self, "SELECT context FROM working WHERE user_id = ? AND analysis_id = ?",
                        [event.userID, id]
                    ).map(JSON.parseStored)
                }
                let asOf = try store.analysisDay(user: event.userID, request: event, in: db)
                return try store.context(
                    user: event.userID, analysisID: id, asOf: asOf, archetype: event.archetype,
                    session: sessions[event.userID] ?? Session(), working: working, in: db)
            }
            if emitContext { try emit(contextEvent(for: event, payload: context, archetype: event.archetype)) }
        case MemoryEvents.consolidate:
            try flush()
            let now = utc(event.timestamp)
            try store.write("consolidate memory") { db in
                _ = try MemoryStore.firstSight(event, in: db)
                try store.consolidate(user: event.userID, now: now, in: db)
            }
        case EventType.healthRecord where event.sourceAgent == ReplayStage.agent,
            EventType.userProfile where event.sourceAgent == ReplayStage.agent:
            // A record or profile hos-memory replay took from this file: known, and not this session's news.
            replayed += 1
        default:
            sessions[event.userID, default: Session()].note(event)
            pending.append(event)
            if pending.count >= Self.batchSize { try flush() }
        }
    }

    public mutating func barrier(_ request: Event, emit: (Event) throws -> Void) throws {
        var session = sessions.removeValue(forKey: request.userID) ?? Session()
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        let analysisID = MemoryStore.analysisID(of: request)
        let archetype = request.payload["archetype"]?.stringValue ?? request.archetype ?? session.archetype
        // One transaction: the batch, the request, working memory, consolidation and the context read
        // together, so a crash leaves either all of it or none.
        var tally: [String: (new: Int, old: Int)] = [:]
        let before = session
        // The body may run more than once (a transaction the engine aborts for a conflict is run again): it
        // starts from the session as it was each time, never from a half-counted one.
        let context = try store.write("store analysis") { db -> MemoryContextPayload in
            session = before
            let through = try store.expiryCutoff(
                user: request.userID, now: utc(request.timestamp), batch: batch, in: db)
            tally = try store.ingest(batch, expired: through.map { (request.userID, $0) }, in: db)
            if let t = tally[request.userID] {
                session.newEvents += t.new
                session.seenBefore += t.old
            }
            let fresh = try store.ingest(request, in: db)
            try store.noteArchetypes([request], in: db)
            let asOf = try store.analysisDay(user: request.userID, request: request, in: db)
            let working = try store.writeWorking(
                request: request, analysisID: analysisID, asOf: asOf,
                session: session, write: fresh, in: db)
            try store.consolidate(user: request.userID, now: utc(request.timestamp), in: db)
            let context = try store.context(
                user: request.userID, analysisID: analysisID, asOf: asOf,
                archetype: archetype, session: session, working: working, in: db)
            return context
        }
        note(tally, except: request.userID)
        if emitContext { try emit(contextEvent(for: request, payload: context, archetype: archetype)) }
    }

    public mutating func finish(emit: (Event) throws -> Void) throws { try flush() }

    public mutating func discard(user: String) { sessions[user] = nil }

    /// Writes the buffered events in one transaction.
    public mutating func flush() throws {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        let tally = try store.write("store events") { db in try store.ingest(batch, in: db) }
        note(tally, except: nil)
    }

    /// Adds a batch's counts to the totals and to the open sessions of their users.
    mutating func note(_ tally: [String: (new: Int, old: Int)], except user: String?) {
        for (u, t) in tally {
            stored += t.new
            duplicates += t.old
            if u != user, sessions[u] != nil {
                sessions[u]!.newEvents += t.new
                sessions[u]!.seenBefore += t.old
            }
        }
    }

    func contextEvent(for request: Event, payload context: MemoryContextPayload, archetype: String?) -> Event {
        Event(
            id: EventID.derive(Self.agent, EventType.memoryContext, request.eventID), type: EventType.memoryContext,
            user: request.userID, timestamp: request.timestamp, source: Self.agent, archetype: archetype,
            analysisID: MemoryStore.analysisID(of: request), payload: context.payload)
    }
}

extension MemoryStore {
    /// Stores a batch inside the caller's transaction; per user, how many events were new and how many
    /// had been stored before.
    func ingest(
        _ batch: [Event], expired: (user: String, through: String)? = nil,
        in db: any MemorySQL
    ) throws -> [String: (new: Int, old: Int)] {
        var tally: [String: (new: Int, old: Int)] = [:]
        for e in batch {
            let fresh = try ingest(e, expired: expired, in: db)
            var t = tally[e.userID] ?? (0, 0)
            if fresh { t.new += 1 } else { t.old += 1 }
            tally[e.userID] = t
        }
        try noteArchetypes(batch, in: db)
        return tally
    }

    /// Keeps, per user, the archetype their own events (records, profile, requests) last stated: one write
    /// per user and batch, the latest event (by timestamp, then event id) winning.
    func noteArchetypes(_ batch: [Event], in db: any MemorySQL) throws {
        var latest: [String: (archetype: String, id: String, at: String)] = [:]
        for e in batch {
            guard Self.statesArchetype.contains(e.eventType), e.sourceAgent != ReplayStage.agent else { continue }
            let stated = e.eventType == EventType.analysisRequest ? e.payload["archetype"]?.stringValue : nil
            guard let a = stated ?? e.archetype, !a.isEmpty else { continue }
            let at = utc(e.timestamp)
            if let l = latest[e.userID], (l.at, l.id) > (at, e.eventID) { continue }
            latest[e.userID] = (a, e.eventID, at)
        }
        for (user, l) in latest {
            try db.execute(
                """
                INSERT INTO user_archetype (user_id, archetype, event_id, at) VALUES (?, ?, ?, ?)
                ON CONFLICT (user_id) DO UPDATE SET archetype = excluded.archetype, event_id = excluded.event_id,
                  at = excluded.at
                WHERE excluded.at > user_archetype.at
                   OR (excluded.at = user_archetype.at AND excluded.event_id > user_archetype.event_id)
                """, [user, l.archetype, l.id, l.at])
        }
    }

    static let statesArchetype: Set<String> = [
        EventType.healthRecord, EventType.userProfile, EventType.analysisRequest,
    ]

    /// The archetype `user`'s own events last stated, if any did.
    func statedArchetype(user: String, in db: any MemorySQL) throws -> String? {
        try db.one(String.self, "SELECT archetype FROM user_archetype WHERE user_id = ?", [user])
    }

    /// Stores events as the agent does (idempotent by event id), in one transaction, without consolidating;
    /// returns how many were new. For commands that write to the memory directly (hos-adapt's decisions).
    @discardableResult
    public func store(_ events: [Event]) throws -> Int {
        for e in events {
            do {
                try ContractCheck.check(e)
            } catch {
                throw HOSError.badInput(SourceLocation(file: "event \(printable(e.eventID))", line: 0), error.message)
            }
        }
        return try write("store events") { db in
            let n = try events.reduce(0) { $0 + (try ingest($1, in: db) ? 1 : 0) }
            try noteArchetypes(events, in: db)
            return n
        }
    }

    /// The memory_context payload of a user as the file holds it now, without working memory: for commands
    /// that read the memory directly.
    public func retrieve(user: String, asOf: LocalDate?, archetype: String? = nil) throws -> [String: JSON] {
        try read("retrieve memory") { db in
            try context(
                user: user, analysisID: nil, asOf: asOf, archetype: archetype, session: Session(),
                working: nil, in: db
            ).payload
        }
    }
}
