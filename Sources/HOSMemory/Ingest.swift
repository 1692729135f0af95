// Storing what flows by: each consumed event into its layer's tables, idempotent by (user_id, event_id).

import GRDB
import HOSCore

/// The event types the memory stores (besides `analysis_request`, stored at the barrier).
public enum MemoryEvents {
    public static let store = "memory_store"
    public static let retrieve = "memory_retrieve"
    public static let consolidate = "memory_consolidate"
    /// Agent results kept as history in `analyses`.
    public static let results: Set<String> = [
        EventType.behaviorAnalysis, EventType.nutritionPlan, EventType.routinePlan, EventType.insight,
        EventType.adaptation, EventType.analysisComplete,
    ]
    public static let stored: Set<String> = results.union([
        EventType.healthRecord, EventType.userProfile, EventType.planFeedback, EventType.insightFeedback,
        EventType.alert, store,
    ])
}

/// The canonical UTC form of an event timestamp (`YYYY-MM-DDTHH:MM:SSZ`), so that text order is time order.
func utc(_ timestamp: String) -> String {
    Timestamp.parse(timestamp).map { Timestamp.format(seconds: $0.seconds) } ?? timestamp
}

/// Seconds since the epoch of an event timestamp (0 when malformed; the runtime has checked it).
func seconds(_ timestamp: String) -> Int { Timestamp.parse(timestamp)?.seconds ?? 0 }

extension JSON {
    /// Compact text with sorted keys, as stored in JSON columns.
    var stored: String { text }

    /// Parses a stored JSON column; `null` for text that is not JSON.
    static func parseStored(_ text: String?) -> JSON {
        guard let text else { return .null }
        return (try? JSONParser.parse(text)) ?? .null
    }
}

extension MemoryStore {
    /// Marks an event as stored for its user; false when it was already (the event is then skipped).
    static func firstSight(_ event: Event, in db: any MemorySQL) throws -> Bool {
        try db.execute(firstSightSQL, [event.userID, event.eventID, event.eventType, utc(event.timestamp)]) > 0
    }

    static let firstSightSQL = """
        INSERT INTO event_seen (user_id, event_id, event_type, timestamp) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING
        """

    /// Stores one event in its tables. Returns false, storing nothing, when the event was stored before.
    /// `expired`: the user and the day through which this transaction's consolidation will prune the
    /// short-term records; that user's numeric values up to it are not written (see `expiryCutoff`).
    @discardableResult
    func ingest(_ event: Event, expired: (user: String, through: String)? = nil, in db: any MemorySQL) throws -> Bool {
        let user = event.userID
        let at = utc(event.timestamp)
        guard try db.execute(Self.firstSightSQL, [user, event.eventID, event.eventType, at]) > 0 else { return false }
        if options.logEvents {
            try db.execute(
                """
                INSERT INTO event_log (user_id, event_id, event_type, timestamp, line) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """, [user, event.eventID, event.eventType, at, event.json.text])
        }
        switch event.eventType {
        case EventType.healthRecord:
            let through = expired.flatMap { $0.user == user ? $0.through : nil }
            try storeRecord(
                event.healthRecord(), user: user, eventID: event.eventID, at: at, expiredThrough: through,
                in: db)
        case EventType.userProfile:
            let profile = try UserProfile(payload: event.payload)
            try storeProfile(profile, event: event, at: at, in: db)
        case EventType.planFeedback:
            let f = try PlanFeedback(payload: event.payload)
            try db.execute(
                """
                INSERT INTO plan_feedback (user_id, plan_id, item_id, date, status, rating, reason, event_id, timestamp)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (user_id, plan_id, item_id, date) DO UPDATE SET
                  status = excluded.status, rating = excluded.rating, reason = excluded.reason,
                  event_id = excluded.event_id, timestamp = excluded.timestamp
                WHERE excluded.timestamp > plan_feedback.timestamp
                   OR (excluded.timestamp = plan_feedback.timestamp AND excluded.event_id > plan_feedback.event_id)
                """,
                [
                    user, f.planID, f.itemID, f.date.description, f.status.rawValue, f.rating, f.reason?.rawValue,
                    event.eventID, at,
                ])
        case EventType.insightFeedback:
            try storeInsightFeedback(event, at: at, in: db)
        case EventType.alert:
            try storeAlert(AlertPayload(payload: event.payload), event: event, in: db)
        case MemoryEvents.store:
            try storeControl(event, at: at, in: db)
        case EventType.analysisRequest:
            try storeResult(event, at: at, in: db)
        default:
            if MemoryEvents.results.contains(event.eventType) {
                try storeResult(event, at: at, in: db)
                switch event.eventType {
                case EventType.routinePlan: try storePlanItems(event, in: db)
                case EventType.insight: try storeInsight(event, at: at, in: db)
                case EventType.adaptation: try storeAdaptation(event, at: at, in: db)
                default: break
                }
            }
        }
        return true
    }

    // MARK: - Alerts

    /// A coach alert: the episode's row takes the later of its events (by as_of, then closed after open).
    func storeAlert(_ a: AlertPayload, event: Event, in db: any MemorySQL) throws {
        try db.execute(
            """
            INSERT INTO alert (user_id, alert_id, rule, severity, status, started, ended, as_of, title, payload,
                               event_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (user_id, alert_id) DO UPDATE SET
              severity = excluded.severity, status = excluded.status, ended = excluded.ended,
              as_of = excluded.as_of, title = excluded.title, payload = excluded.payload,
              event_id = excluded.event_id
            WHERE excluded.as_of > alert.as_of OR (excluded.as_of = alert.as_of AND excluded.status = 'closed')
            """,
            [
                event.userID, a.alertID, a.rule, a.severity, a.status, a.started.description, a.ended?.description,
                a.asOf.description, a.title, JSON.object(a.payload).stored, event.eventID,
            ])
    }

    // MARK: - Short-term records

    /// One row per (user, date, metric); the newest event wins (later timestamp, then greater event id),
    /// and the value it displaces, or the older value that arrived late, goes to short_term_history.
    /// The record is the one the runtime decoded (and so checked) when the event came in.
    /// A record dated on or before `expiredThrough` keeps only its clock values, the one kind the weekly
    /// consolidation reads before the expiry deletes them: the rest would be deleted unread.
    func storeRecord(
        _ record: HealthRecord, user: String, eventID: String, at: String,
        expiredThrough: String? = nil, in db: any MemorySQL
    ) throws {
        let date = record.date.description
        let expired = expiredThrough.map { date <= $0 } ?? false
        var values: [(name: String, value: Double, kind: String)] = []
        for (name, metric) in record.metrics.sorted(by: { $0.key < $1.key }) {
            switch metric {
            case .number(let n): if !expired { values.append((name, n, "number")) }
            case .clock(let t): values.append((name, Double(t.minutes), "clock"))
            }
        }
        let inserted = try insertValues(values, user: user, date: date, eventID: eventID, at: at, in: db)
        for (name, value, kind) in values where !inserted.contains(name) {
            let old = try db.rows(
                """
                SELECT value, kind, event_id, recorded_at FROM short_term_record
                WHERE user_id = ? AND date = ? AND metric = ?
                """, [user, date, name]
            ).first!
            let oldAt: String = old["recorded_at"]
            let oldID: String = old["event_id"]
            // The same value again (a re-import under new ids) is no new fact: nothing to keep.
            if old["value"] as Double == value, old["kind"] as String == kind { continue }
            let history = """
                INSERT INTO short_term_history (user_id, date, metric, value, kind, event_id, recorded_at, superseded_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
            if (at, eventID) > (oldAt, oldID) {
                try db.execute(
                    history,
                    [
                        user, date, name, old["value"] as Double, old["kind"] as String,
                        oldID, oldAt, eventID,
                    ])
                try db.execute(
                    """
                    UPDATE short_term_record SET value = ?, kind = ?, event_id = ?, recorded_at = ?
                    WHERE user_id = ? AND date = ? AND metric = ?
                    """, [value, kind, eventID, at, user, date, name])
            } else {
                try db.execute(history, [user, date, name, value, kind, eventID, at, oldID])
            }
        }
    }

    /// Inserts a record's values where the day has none yet; returns the metrics that were new (the others
    /// are the day's earlier values, which the caller settles). PostgreSQL gets one statement for them all:
    /// a round trip per value was most of what a record cost there. SQLite, in process, is faster with one
    /// prepared insert per value than with the multi-row insert's RETURNING.
    func insertValues(
        _ values: [(name: String, value: Double, kind: String)], user: String, date: String, eventID: String,
        at: String, in db: any MemorySQL
    ) throws -> Set<String> {
        guard !values.isEmpty else { return [] }
        if db.dialect == .sqlite {
            var inserted = Set<String>()
            for v in values
            where try db.execute(Self.recordInsertOne, [user, date, v.name, v.value, v.kind, eventID, at]) > 0 {
                inserted.insert(v.name)
            }
            return inserted
        }
        var arguments: [SQLValue] = []
        for v in values {
            arguments += [
                .text(user), .text(date), .text(v.name), .double(v.value), .text(v.kind), .text(eventID), .text(at),
            ]
        }
        return Set(
            try db.column(
                String.self, Self.recordInsertSQL(values.count) + " RETURNING metric", SQLArguments(arguments)))
    }

    static let recordInsertOne = recordInsertSQL(1)

    /// The insert of `count` values of a record.
    static func recordInsertSQL(_ count: Int) -> String {
        "INSERT INTO short_term_record (user_id, date, metric, value, kind, event_id, recorded_at) VALUES "
            + repeatElement("(?, ?, ?, ?, ?, ?, ?)", count: count).joined(separator: ", ")
            + " ON CONFLICT DO NOTHING"
    }

    // MARK: - Profiles and preferences

    func storeProfile(_ profile: UserProfile, event: Event, at: String, in db: any MemorySQL) throws {
        try db.execute(
            """
            INSERT INTO profile (user_id, payload, event_id, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (user_id) DO UPDATE SET payload = excluded.payload, event_id = excluded.event_id,
              updated_at = excluded.updated_at
            WHERE excluded.updated_at >= profile.updated_at
            """, [event.userID, JSON.object(profile.payload).stored, event.eventID, at])
        // A stated diet is a preference at once: the user said so.
        let d = profile.dietary
        if let pattern = d["pattern"]?.stringValue, !pattern.isEmpty {
            try upsertPreference(
                user: event.userID, key: "dietary_pattern", value: .string(pattern),
                confidence: 1, evidence: 1, source: "user_profile", at: at, in: db)
        }
        for key in ["exclusions", "allergies"] {
            guard case .array(let a)? = d[key] else { continue }
            let items = a.compactMap(\.stringValue).sorted()
            try upsertPreference(
                user: event.userID, key: key, value: .array(items.map(JSON.string)),
                confidence: 1, evidence: 1, source: "user_profile", at: at, in: db)
        }
        // So is what the user states about training: the planners and hos-adapt read it from there.
        for (key, value) in (profile.exercise?.preferences ?? [:]).sorted(by: { $0.key < $1.key }) {
            try upsertPreference(
                user: event.userID, key: key, value: value, confidence: 1, evidence: 1, source: "user_profile",
                at: at, in: db)
        }
    }

    /// Inserts or updates a preference: the later observation's value, confidence and source win;
    /// evidence adds up (or is replaced, with `replaceEvidence`); first and last seen widen.
    func upsertPreference(
        user: String, key: String, value: JSON, confidence: Double, evidence: Int,
        source: String, at: String, replaceEvidence: Bool = false, in db: any MemorySQL
    ) throws {
        let evidenceSQL =
            replaceEvidence
            ? "excluded.evidence_count" : "long_term_preference.evidence_count + excluded.evidence_count"
        try db.execute(
            """
            INSERT INTO long_term_preference (user_id, key, value, confidence, evidence_count, source, first_seen, last_seen)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (user_id, key) DO UPDATE SET
              value = CASE WHEN excluded.last_seen >= long_term_preference.last_seen THEN excluded.value ELSE long_term_preference.value END,
              confidence = CASE WHEN excluded.last_seen >= long_term_preference.last_seen THEN excluded.confidence ELSE long_term_preference.confidence END,
              source = CASE WHEN excluded.last_seen >= long_term_preference.last_seen THEN excluded.source ELSE long_term_preference.source END,
              evidence_count = \(evidenceSQL),
              first_seen = \(db.dialect.least("long_term_preference.first_seen", "excluded.first_seen")),
              last_seen = \(db.dialect.greatest("long_term_preference.last_seen", "excluded.last_seen"))
            """, [user, key, value.stored, min(1, max(0, confidence)), evidence, source, at, at])
    }

    /// `memory_store`: `payload.preferences` {name: value} (or one `key` and `value`), stated by the user
    /// or another agent, with `payload.confidence` (default 1).
    func storeControl(_ event: Event, at: String, in db: any MemorySQL) throws {
        let p = event.payload
        var prefs: [String: JSON] = [:]
        if case .object(let o)? = p["preferences"] { prefs = o }
        if let k = p["key"]?.stringValue, let v = p["value"] { prefs[k] = v }
        let confidence = p["confidence"]?.doubleValue.map { min(1, max(0, $0)) } ?? 1
        for key in prefs.keys.sorted() where !key.isEmpty {
            try upsertPreference(
                user: event.userID, key: key, value: prefs[key]!, confidence: confidence, evidence: 1,
                source: event.sourceAgent ?? MemoryEvents.store, at: at, in: db)
        }
    }

    // MARK: - Results

    /// The analysis an event belongs to: its payload's `analysis_id`, else its envelope's, else its own id.
    static func analysisID(of event: Event) -> String {
        event.payload["analysis_id"]?.stringValue ?? event.analysisID ?? "a-"
            + StableHash.hex(StableHash.of(event.eventID))
    }

    func storeResult(_ event: Event, at: String, in db: any MemorySQL) throws {
        try db.execute(
            """
            INSERT INTO analyses (user_id, event_id, analysis_id, agent, event_type, timestamp, archetype, summary, payload)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
            """,
            [
                event.userID, event.eventID, Self.analysisID(of: event), event.sourceAgent ?? "",
                event.eventType, at, event.archetype ?? event.payload["archetype"]?.stringValue,
                JSON.object(Self.summary(of: event)).stored, JSON.object(event.payload).stored,
            ])
    }

    /// The few numbers of a result that history shows; the full payload stays in `analyses.payload`.
    static func summary(of event: Event) -> [String: JSON] {
        let p = event.payload
        var s: [String: JSON] = [:]
        func copy(_ key: String, _ value: JSON?) {
            switch value {
            case nil, .null?, .object?, .array?: break
            case let v?: s[key] = v
            }
        }
        switch event.eventType {
        case EventType.behaviorAnalysis:
            // The contract check let the event in, so it decodes.
            if let a = try? BehaviorAnalysisPayload(payload: p) { s = a.historySummary }
        case EventType.routinePlan:
            if let r = try? RoutinePlanPayload(payload: p) { s = r.historySummary }
        case EventType.nutritionPlan:
            if let n = try? NutritionPlanPayload(payload: p) { s = n.historySummary }
        case EventType.insight:
            if let i = try? InsightPayload(payload: p) { s = i.historySummary }
        case EventType.adaptation:
            copy("difficulty", p["difficulty"]?["to"])
        case EventType.analysisRequest:
            copy("as_of", p["as_of"])
            copy("window_days", p["window_days"])
            copy("analysis_type", p["analysis_type"])
            copy("implicit", p["implicit"])
        case EventType.analysisComplete:
            if let c = try? AnalysisCompletePayload(payload: p) { s["degraded"] = c.degraded.json }
        default: break
        }
        return s
    }

    /// A routine plan's items, so that feedback can be joined to category, strategy and difficulty.
    func storePlanItems(_ event: Event, in db: any MemorySQL) throws {
        let p = event.payload
        guard let planID = p["plan_id"]?.stringValue, case .array(let items)? = p["items"] else { return }
        let difficulty = Self.level(p["difficulty"])
        for item in items {
            guard let itemID = item["item_id"]?.stringValue else { continue }
            let category = item["category"]?.stringValue ?? "other"
            var variant: [String: JSON] = [:]
            if case .object(let v)? = item["variant"] { variant = v.filter { $0.value.stringValue != nil } }
            let arms = variant.keys.sorted().map { "\($0)=\(variant[$0]!.stringValue!)" }
            let strategy = arms.isEmpty ? category : category + ":" + arms.joined(separator: ",")
            try db.execute(
                """
                INSERT INTO plan_item (user_id, plan_id, item_id, analysis_id, archetype, date, category, strategy,
                                       variant, intensity, difficulty)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """,
                [
                    event.userID, planID, itemID, Self.analysisID(of: event), event.archetype,
                    p["date"]?.stringValue, category, strategy, JSON.object(variant).stored,
                    Self.level(item["intensity"]), difficulty,
                ])
        }
    }

    /// A whole number 1…5 (after rounding), else nil: never traps on a huge or odd number.
    static func level(_ value: JSON?) -> Int? {
        guard let d = value?.doubleValue, d.isFinite else { return nil }
        let r = d.rounded()
        guard r >= 1, r <= 5 else { return nil }
        return Int(exactly: r)
    }

    /// An insight, deduplicated by its id and by the hash of its content (kind, title, detail).
    func storeInsight(_ event: Event, at: String, in db: any MemorySQL) throws {
        let p = event.payload
        let id = p["insight_id"]?.stringValue ?? event.eventID
        let hash = StableHash.hex(
            StableHash.of(p["kind"]?.text ?? "", p["title"]?.text ?? "", p["detail"]?.text ?? ""),
            digits: 32)
        let existing = try db.one(
            String.self,
            """
            SELECT insight_id FROM insight WHERE user_id = ? AND (insight_id = ? OR content_hash = ?)
            ORDER BY insight_id LIMIT 1
            """, [event.userID, id, hash])
        if let existing {
            if existing == id,
                try db.one(
                    Int.self,
                    """
                    SELECT count(*) FROM insight WHERE user_id = ? AND insight_id = ? AND content_hash = ?
                    """, [event.userID, id, "feedback:" + id]) == 1
            {
                // The row is a feedback placeholder: the insight brings its content.
                let taken =
                    try db.one(
                        Int.self, "SELECT count(*) FROM insight WHERE user_id = ? AND content_hash = ?",
                        [event.userID, hash]) ?? 0
                if taken == 0 {
                    try db.execute(
                        """
                        UPDATE insight SET content_hash = ?, kind = ?, title = ?, confidence = ?, priority = ?,
                          payload = ?, first_seen = \(db.dialect.least("first_seen", "?")), last_seen = \(db.dialect.greatest("last_seen", "?")),
                          seen_count = seen_count + 1
                        WHERE user_id = ? AND insight_id = ?
                        """,
                        [
                            hash, p["kind"]?.stringValue, p["title"]?.stringValue,
                            p["confidence"]?.doubleValue, p["priority"]?.doubleValue,
                            JSON.object(p).stored, at, at, event.userID, id,
                        ])
                    return
                }
            }
            try db.execute(
                """
                UPDATE insight SET seen_count = seen_count + 1, last_seen = \(db.dialect.greatest("last_seen", "?"))
                WHERE user_id = ? AND insight_id = ?
                """, [at, event.userID, existing])
            return
        }
        try db.execute(
            """
            INSERT INTO insight (user_id, insight_id, content_hash, kind, title, confidence, priority, payload,
                                 first_seen, last_seen, seen_count)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
            """,
            [
                event.userID, id, hash, p["kind"]?.stringValue, p["title"]?.stringValue,
                p["confidence"]?.doubleValue, p["priority"]?.doubleValue, JSON.object(p).stored, at, at,
            ])
    }

    func storeInsightFeedback(_ event: Event, at: String, in db: any MemorySQL) throws {
        guard let id = event.payload["insight_id"]?.stringValue, let useful = event.payload["useful"]?.boolValue
        else { return }
        let note = event.payload["note"]?.stringValue
        let updated = try db.execute(
            """
            UPDATE insight SET useful = ?, feedback_note = ?, last_seen = \(db.dialect.greatest("last_seen", "?"))
            WHERE user_id = ? AND insight_id = ?
            """, [useful, note, at, event.userID, id])
        if updated == 0 {
            // Feedback on an insight not seen here: kept, so that the insight finds it when it comes.
            try db.execute(
                """
                INSERT INTO insight (user_id, insight_id, content_hash, payload, first_seen, last_seen, seen_count,
                                     useful, feedback_note)
                VALUES (?, ?, ?, '{}', ?, ?, 0, ?, ?)
                """, [event.userID, id, "feedback:" + id, at, at, useful, note])
        }
    }

    /// hos-adapt's decision: the difficulty and each experiment's arms, the chosen arm marked.
    func storeAdaptation(_ event: Event, at: String, in db: any MemorySQL) throws {
        let p = event.payload
        if let to = p["difficulty"]?["to"]?.doubleValue, (1...5).contains(to), to == to.rounded() {
            try db.execute(
                """
                INSERT INTO adaptation_state (user_id, difficulty, previous, reason, predicted_adherence, analysis_id, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (user_id) DO UPDATE SET difficulty = excluded.difficulty, previous = excluded.previous,
                  reason = excluded.reason, predicted_adherence = excluded.predicted_adherence,
                  analysis_id = excluded.analysis_id, updated_at = excluded.updated_at
                WHERE excluded.updated_at >= adaptation_state.updated_at
                """,
                [
                    event.userID, Int(to), Self.level(p["difficulty"]?["from"]),
                    p["difficulty"]?["reason"]?.stringValue,
                    p["predicted_adherence"]?.doubleValue ?? p["predicted_adherence"]?["mean"]?.doubleValue,
                    Self.analysisID(of: event), at,
                ])
        }
        try storeEvolution(event, at: at, in: db)
        guard case .array(let experiments)? = p["experiments"] else { return }
        for e in experiments {
            guard let dimension = e["dimension"]?.stringValue, case .array(let arms)? = e["arms"] else { continue }
            let chosen = e["chosen"]?.stringValue
            let schedule = e["schedule"]?.arrayValue?.map(\.stringValue)
            for a in arms {
                guard let arm = a["arm"]?.stringValue else { continue }
                // The days of the next plan this arm has: none recorded without a schedule (every day: chosen).
                let days = schedule.map { s in s.indices.filter { s[$0] == arm } }
                try recordArm(
                    user: event.userID, dimension: dimension, arm: arm,
                    successes: max(0, a["successes"]?.doubleValue ?? 0),
                    failures: max(0, a["failures"]?.doubleValue ?? 0), pBest: a["p_best"]?.doubleValue,
                    chosen: arm == chosen, days: days, at: at, in: db)
            }
        }
    }

    /// The adaptation's tolerance per category and verdict per item, replacing the user's earlier ones unless
    /// those are newer (a replayed older decision changes nothing); a payload with neither leaves them.
    func storeEvolution(_ event: Event, at: String, in db: any MemorySQL) throws {
        let p = event.payload
        guard p["tolerance"] != nil || p["items"] != nil else { return }
        let newest = try db.one(
            String.self,
            """
            SELECT max(updated_at) FROM (SELECT updated_at FROM adapt_tolerance WHERE user_id = ?
            UNION ALL SELECT updated_at FROM adapt_item WHERE user_id = ?) AS t
            """, [event.userID, event.userID])
        guard newest.map({ $0 <= at }) ?? true else { return }
        try db.execute("DELETE FROM adapt_tolerance WHERE user_id = ?", [event.userID])
        try db.execute("DELETE FROM adapt_item WHERE user_id = ?", [event.userID])
        for t in p["tolerance"]?.arrayValue ?? [] {
            guard let category = t["category"]?.stringValue else { continue }
            let cap = t["max_intensity"]?.doubleValue.flatMap { (1...5).contains($0) ? Int($0) : nil }
            try db.execute(
                """
                INSERT INTO adapt_tolerance (user_id, category, max_intensity, evidence, state, reason, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    event.userID, category, cap, Int(t["evidence"]?.doubleValue ?? 0), t["state"]?.stringValue ?? "",
                    t["reason"]?.stringValue ?? "", at,
                ])
        }
        for v in p["items"]?.arrayValue ?? [] {
            guard let item = v["item"]?.stringValue, let verdict = v["verdict"]?.stringValue,
                ["keep", "adapt", "replace"].contains(verdict)
            else { continue }
            try db.execute(
                """
                INSERT INTO adapt_item (user_id, item_id, category, verdict, action, completion, n, reason, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    event.userID, item, v["category"]?.stringValue ?? "", verdict, v["action"]?.stringValue ?? "none",
                    v["completion"]?.doubleValue ?? 0, Int(v["n"]?.doubleValue ?? 0), v["reason"]?.stringValue ?? "",
                    at,
                ])
        }
    }

    /// One experiment arm's counts (absolute, as hos-adapt last reported them); newest report wins.
    func recordArm(
        user: String, dimension: String, arm: String, successes: Double, failures: Double,
        pBest: Double?, chosen: Bool, days: [Int]?, at: String, in db: any MemorySQL
    ) throws {
        try db.execute(
            """
            INSERT INTO experiment (user_id, dimension, arm, successes, failures, p_best, chosen, days, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (user_id, dimension, arm) DO UPDATE SET successes = excluded.successes,
              failures = excluded.failures, p_best = excluded.p_best, chosen = excluded.chosen,
              days = excluded.days, updated_at = excluded.updated_at
            WHERE excluded.updated_at >= experiment.updated_at
            """,
            [
                user, dimension, arm, successes, failures, pBest, chosen,
                days.map { JSON.array($0.map { .number(Double($0)) }).stored }, at,
            ])
    }
}

extension MemoryStore {
    /// Stores every event of a JSON-lines file in event_log (hos-run --event-log); known ids are kept once.
    public func logEventLines(file: String) throws {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw HOSError.noInput(file, "cannot read")
        }
        try write("log events") { db in
            for line in text.split(separator: "\n") {
                guard let json = try? JSONParser.parse(String(line)),
                    let event = try? Event(json: json, fallbackID: "")
                else { continue }
                try db.execute(
                    """
                    INSERT INTO event_log (user_id, event_id, event_type, timestamp, line) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT DO NOTHING
                    """, [event.userID, event.eventID, event.eventType, event.timestamp, String(line)])
            }
        }
    }
}
