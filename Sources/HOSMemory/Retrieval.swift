// Retrieval: the memory_context of one analysis, from the four layers, with earlier analyses, insights and
// strategies ranked by recency × importance × relevance and the whole capped in items and bytes.

import Foundation
import GRDB
import HOSCore

/// What the stage saw of a user since the user's last barrier: the working memory's raw material.
public struct Session: Sendable, Equatable {
    public var counts: [String: Int] = [:]
    public var metrics: Set<String> = []
    public var firstDate: LocalDate?
    public var lastDate: LocalDate?
    public var archetype: String?
    /// Events of the session stored now, and those the file held already (a rerun: nothing new to learn).
    public var newEvents = 0
    public var seenBefore = 0

    public init() {}

    /// Notes one consumed event.
    public mutating func note(_ event: Event) {
        counts[event.eventType, default: 0] += 1
        if let a = event.archetype { archetype = a }
        if event.eventType == EventType.healthRecord, let r = try? event.healthRecord() {
            metrics.formUnion(r.metrics.keys)
            firstDate = min(firstDate ?? r.date, r.date)
            lastDate = max(lastDate ?? r.date, r.date)
        }
    }

    var json: JSON {
        var o: [String: JSON] = [
            "events": .object(counts.mapValues { .number(Double($0)) }),
            "metrics": .array(metrics.sorted().map(JSON.string)),
            "new_events": .number(Double(newEvents)), "seen_before": .number(Double(seenBefore)),
        ]
        if let firstDate { o["first_date"] = .string(firstDate.description) }
        if let lastDate { o["last_date"] = .string(lastDate.description) }
        return .object(o)
    }
}

/// The ranking of hos-memory(1): score = recency × importance × relevance.
public enum Ranking {
    /// Days after which an item's recency halves.
    public static let halfLifeDays = 14.0

    /// 0.5^(age / 14), age in days from the item's day to the analysis day (never negative).
    public static func recency(ageDays: Int) -> Double { pow(0.5, Double(max(0, ageDays)) / halfLifeDays) }

    /// An earlier analysis: 0.4 + 0.2 per kind of result it holds (behaviour, routine, nutrition, insight,
    /// adaptation), at most 1.
    public static func analysisImportance(kinds: Int) -> Double { min(1, 0.4 + 0.2 * Double(kinds)) }

    /// An insight: its confidence (0.5 when it has none), × 1.25 when marked useful, × 0.25 when marked not
    /// useful, at most 1.
    public static func insightImportance(confidence: Double?, useful: Bool?) -> Double {
        let c = confidence.map { min(1, max(0, $0)) } ?? 0.5
        return min(1, c * (useful == true ? 1.25 : useful == false ? 0.25 : 1))
    }

    /// Relevance of an analysis: 1 for the same archetype (or an unknown one), else 0.5. Of an insight: 1 when
    /// it names a metric of this session (or the session has none), else 0.5. Strategies: 1.
    public static func relevance(sameArchetype: Bool) -> Double { sameArchetype ? 1 : 0.5 }
}

/// One rankable memory.
struct RankedItem {
    enum Memory {
        case strategy(StrategyMemory)
        case analysis([String: JSON])
        case insight(InsightMemoryItem)
    }

    var id: String
    var score: Double
    var memory: Memory

    /// The section it is listed in; ties of score are broken by it.
    var section: String {
        switch memory {
        case .strategy: "strategies"
        case .analysis: "analyses"
        case .insight: "insights"
        }
    }
}

extension MemoryStore {
    /// The working memory of an analysis: what the request asks and what this session brought; written
    /// with `write` (a replayed request, already stored, does not bring back an expired row).
    func writeWorking(
        request: Event, analysisID: String, asOf: LocalDate?, session: Session, write: Bool,
        in db: any MemorySQL
    ) throws -> JSON {
        let req = (try? AnalysisRequest(payload: request.payload)) ?? AnalysisRequest(analysisID: nil)
        let created = utc(request.timestamp)
        let expires = Timestamp.format(seconds: seconds(request.timestamp) + options.sessionTTLHours * 3600)
        var w: [String: JSON] = [
            "analysis_id": .string(analysisID), "window_days": .number(Double(req.windowDays)),
            "session": session.json, "created_at": .string(created), "expires_at": .string(expires),
        ]
        if let asOf { w["as_of"] = .string(asOf.description) }
        if let t = req.analysisType { w["analysis_type"] = .string(t) }
        if req.implicit { w["implicit"] = .bool(true) }
        if let a = req.archetype?.name ?? request.archetype ?? session.archetype { w["archetype"] = .string(a) }
        let context = JSON.object(w)
        guard write else { return context }
        try db.execute(
            """
            INSERT INTO working (user_id, analysis_id, request_event_id, created_at, expires_at, context)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (user_id, analysis_id) DO UPDATE SET request_event_id = excluded.request_event_id,
              created_at = excluded.created_at, expires_at = excluded.expires_at, context = excluded.context
            """, [request.userID, analysisID, request.eventID, created, expires, context.stored])
        return context
    }

    /// The analysis day by `AnalysisDay`'s rule, the latest record being the file's.
    func analysisDay(user: String, request: Event, in db: any MemorySQL) throws -> LocalDate? {
        let latest = try db.one(String.self, "SELECT max(date) FROM short_term_record WHERE user_id = ?", [user])
        return AnalysisDay.of(
            requested: request.payload["as_of"]?.stringValue.flatMap { LocalDate($0) },
            latestRecord: latest.flatMap { LocalDate($0) }, requestDay: AnalysisDay.requestDay(request))
    }

    /// The memory_context payload of one analysis of `user`. `analysisID` is left out of the history.
    /// The steps: each layer read in turn (long-term, history, meta, short-term, adaptation state), the
    /// rankable items among them ranked, and the payload cut to its item and byte budget.
    func context(
        user: String, analysisID: String?, asOf: LocalDate?, archetype: String?, session: Session,
        working: JSON?, in db: any MemorySQL
    ) throws -> MemoryContextPayload {
        let day = asOf ?? LocalDate(daysSinceEpoch: 0)
        let age = { (text: String?) -> Int in
            guard let text, let d = LocalDate(String(text.prefix(10))) else { return 0 }
            return day.days(since: d)
        }
        var context = MemoryContextPayload()
        context.working = working?.objectValue ?? [:]
        context.adaptationState = try adaptationState(user: user, in: db)
        let prefs = try preferences(user: user, in: db)
        var ranked = try strategies(user: user, age: age, in: db)
        ranked += try earlierAnalyses(user: user, analysisID: analysisID, archetype: archetype, age: age, in: db)
        ranked += try insights(user: user, session: session, age: age, in: db)
        // What hos-insights needs beyond the ranked items: its earlier subjects, feedback per kind, metric history.
        var history = try insightHistory(user: user, analysisID: analysisID, asOf: asOf, in: db)
        history.analysesTotal =
            try db.one(
                Int.self,
                """
                SELECT count(DISTINCT analysis_id) FROM analyses WHERE user_id = ? AND analysis_id <> ?
                """, [user, analysisID ?? ""]) ?? 0
        for row in try db.rows("SELECT key, value FROM meta WHERE user_id = ? ORDER BY key", [user]) {
            context.meta[row["key"]] = JSON.parseStored(row["value"])
        }
        context.shortTerm = try shortTerm(user: user, in: db)

        // Rank, keep the best `contextItems`, then drop from the bottom until the payload fits `contextBytes`.
        let considered = ranked.count
        ranked.sort { ($0.score, $1.section, $1.id) > ($1.score, $0.section, $0.id) }
        var kept = Array(ranked.prefix(options.contextItems))
        func build() {
            var long = LongTermMemory()
            long.preferences = prefs
            var h = history
            for item in kept {
                let score = JSON.rounded(item.score, places: 4)
                switch item.memory {
                case .strategy(var m):
                    m.score = score
                    long.strategies.append(m)
                case .analysis(var m):
                    m["score"] = .number(score)
                    h.analyses.append(m)
                case .insight(var m):
                    m.score = score
                    h.insights.append(m)
                }
            }
            (context.longTerm, context.history) = (long, h)
            var r = RetrievalReport()
            (r.formula, r.considered, r.kept) = (
                "score = 0.5^(age_days/14) × importance × relevance", considered, kept.count
            )
            (r.maxItems, r.maxBytes) = (options.contextItems, options.contextBytes)
            context.retrieval = r
        }
        build()
        while JSON.object(context.payload).encoded().count > options.contextBytes {
            if !kept.isEmpty {
                kept.removeLast()
            } else if let last = context.shortTerm?.rolling.keys.max() {
                context.shortTerm?.rolling[last] = nil
            } else if let last = context.meta.keys.max() {
                context.meta[last] = nil
            } else {
                break
            }
            build()
        }
        return context
    }

    /// Long-term preferences: all of them, at most 32, the most confident first.
    func preferences(user: String, in db: any MemorySQL) throws -> [String: PreferenceMemory] {
        var prefs: [String: PreferenceMemory] = [:]
        for row in try db.rows(
            """
            SELECT key, value, confidence, evidence_count, source, first_seen, last_seen FROM long_term_preference
            WHERE user_id = ? ORDER BY confidence DESC, key LIMIT 32
            """, [user])
        {
            var p = PreferenceMemory()
            (p.value, p.confidence) = (JSON.parseStored(row["value"]), JSON.rounded(row["confidence"], places: 3))
            (p.evidenceCount, p.source) = (row["evidence_count"], row["source"])
            (p.firstSeen, p.lastSeen) = (row["first_seen"], row["last_seen"])
            prefs[row["key"]] = p
        }
        return prefs
    }

    /// Long-term strategies, ranked: recency × confidence × 1.
    func strategies(user: String, age: (String?) -> Int, in db: any MemorySQL) throws -> [RankedItem] {
        try db.rows(
            """
            SELECT dimension, arm, category, success_rate, confidence, evidence_count, last_seen FROM long_term_strategy
            WHERE user_id = ? ORDER BY dimension, arm
            """, [user]
        ).map { row in
            let confidence: Double = row["confidence"]
            let score = Ranking.recency(ageDays: age(row["last_seen"])) * confidence * 1
            var m = StrategyMemory()
            (m.dimension, m.arm, m.category) = (row["dimension"], row["arm"], row["category"])
            (m.successRate, m.confidence) = (
                JSON.rounded(row["success_rate"], places: 3), JSON.rounded(confidence, places: 3)
            )
            m.evidenceCount = row["evidence_count"]
            return RankedItem(id: "\(m.dimension)=\(m.arm)", score: score, memory: .strategy(m))
        }
    }

    /// Earlier analyses (the latest 1,000 stored results), merged per analysis id with their plans' adherence,
    /// ranked: recency × importance by the kinds of result held × relevance by archetype.
    func earlierAnalyses(
        user: String, analysisID: String?, archetype: String?, age: (String?) -> Int,
        in db: any MemorySQL
    ) throws -> [RankedItem] {
        var earlier: [String: [String: JSON]] = [:]
        var kinds: [String: Set<String>] = [:]
        for row in try db.rows(
            """
            SELECT analysis_id, event_type, timestamp, archetype, summary FROM analyses
            WHERE user_id = ? AND analysis_id <> ? ORDER BY timestamp DESC, event_id LIMIT 1000
            """, [user, analysisID ?? ""])
        {
            let id: String = row["analysis_id"]
            var a = earlier[id] ?? ["analysis_id": .string(id)]
            let ts: String = row["timestamp"]
            if let old = a["timestamp"]?.stringValue {
                a["timestamp"] = .string(min(old, ts))
            } else {
                a["timestamp"] = .string(ts)
            }
            if let arch: String = row["archetype"] { a["archetype"] = .string(arch) }
            if case .object(let s) = JSON.parseStored(row["summary"]),
                Self.merge(summary: s, of: row["event_type"], into: &a)
            {
                kinds[id, default: []].insert(row["event_type"])
            }
            earlier[id] = a
        }
        for row in try db.rows(
            """
            SELECT p.analysis_id, count(*) AS n,
                   avg(CASE f.status WHEN 'completed' THEN 1.0 WHEN 'partial' THEN 0.5 ELSE 0.0 END) AS rate
            FROM plan_item p JOIN plan_feedback f
              ON f.user_id = p.user_id AND f.plan_id = p.plan_id AND f.item_id = p.item_id
            WHERE p.user_id = ? GROUP BY p.analysis_id
            """, [user])
        {
            let id: String = row["analysis_id"]
            guard earlier[id] != nil else { continue }
            earlier[id]!["adherence"] = .number(row["rate"], places: 3)
            earlier[id]!["feedback"] = .number(Double(row["n"] as Int))
        }
        return earlier.map { id, a in
            let same = archetype == nil || a["archetype"] == nil || a["archetype"]?.stringValue == archetype
            let dayText = a["as_of"]?.stringValue ?? a["timestamp"]?.stringValue
            let score =
                Ranking.recency(ageDays: age(dayText)) * Ranking.analysisImportance(kinds: kinds[id]?.count ?? 0)
                * Ranking.relevance(sameArchetype: same)
            return RankedItem(id: id, score: score, memory: .analysis(a))
        }
    }

    /// Merges one stored result's summary into its analysis; true when the result is a kind of result (it then
    /// counts towards the analysis's importance), false for the request itself and other events.
    static func merge(summary s: [String: JSON], of type: String, into a: inout [String: JSON]) -> Bool {
        switch type {
        case EventType.behaviorAnalysis:
            for (k, v) in s { a[k] = v }
        case EventType.routinePlan:
            a["routine_difficulty"] = s["difficulty"]
            a["routine_items"] = s["items"]
        case EventType.nutritionPlan:
            a["energy_kcal"] = s["energy_kcal"]
        case EventType.insight:
            a["insights"] = .number((a["insights"]?.doubleValue ?? 0) + 1)
        case EventType.adaptation:
            a["adapted_difficulty"] = s["difficulty"]
        case EventType.analysisRequest:
            if a["as_of"] == nil, let v = s["as_of"] { a["as_of"] = v }
            if let v = s["analysis_type"] { a["analysis_type"] = v }
            return false
        default:
            return false
        }
        return true
    }

    /// Insights seen before (the latest 200), ranked: recency × importance × relevance to this session's metrics.
    func insights(user: String, session: Session, age: (String?) -> Int, in db: any MemorySQL) throws -> [RankedItem] {
        try db.rows(
            """
            SELECT insight_id, kind, title, confidence, priority, useful, last_seen, seen_count, payload FROM insight
            WHERE user_id = ? AND seen_count > 0 ORDER BY last_seen DESC, insight_id LIMIT 200
            """, [user]
        ).map { row in
            let useful: Bool? = row["useful"]
            let confidence: Double? = row["confidence"]
            let text: String = row["payload"]
            let relevant = session.metrics.isEmpty || session.metrics.contains { text.contains($0) }
            let score =
                Ranking.recency(ageDays: age(row["last_seen"]))
                * Ranking.insightImportance(confidence: confidence, useful: useful) * (relevant ? 1 : 0.5)
            var m = InsightMemoryItem()
            (m.insightID, m.lastSeen, m.seenCount) = (
                row["insight_id"], row["last_seen"], Double(row["seen_count"] as Int)
            )
            (m.kind, m.title, m.priority, m.useful) = (row["kind"], row["title"], row["priority"], useful)
            m.confidence = confidence.map { JSON.rounded($0, places: 3) }
            return RankedItem(id: m.insightID, score: score, memory: .insight(m))
        }
    }

    /// The short-term layer: days with records, and the 7- and 30-day statistics per metric.
    func shortTerm(user: String, in db: any MemorySQL) throws -> ShortTermMemory {
        var shortTerm = ShortTermMemory()
        for row in try db.rows(
            """
            SELECT metric, window_days, as_of, n, mean, sd, min, max FROM short_term_stat WHERE user_id = ?
            ORDER BY metric, window_days
            """, [user])
        {
            var s = RollingStat()
            (s.n, s.mean, s.min, s.max) = (row["n"], JSON.rounded(row["mean"], places: 2), row["min"], row["max"])
            s.sd = (row["sd"] as Double?).map { JSON.rounded($0, places: 2) }
            let metric: String = row["metric"]
            var m = shortTerm.rolling[metric] ?? RollingWindows()
            // ConsolidationRules.windows: the 7- and 30-day windows, the two the contract names.
            switch row["window_days"] as Int {
            case 7: m.days7 = s
            case 30: m.days30 = s
            default: break
            }
            shortTerm.rolling[metric] = m
            shortTerm.asOf = (row["as_of"] as String?).flatMap { LocalDate($0) }
        }
        shortTerm.days =
            try db.one(Int.self, "SELECT count(DISTINCT date) FROM short_term_record WHERE user_id = ?", [user]) ?? 0
        return shortTerm
    }

    /// What hos-adapt decided: the difficulty, the chosen variants and each experiment's arms.
    func adaptationState(user: String, in db: any MemorySQL) throws -> AdaptationState {
        var adaptation = AdaptationState()
        if let row = try db.rows(
            """
            SELECT difficulty, previous, reason, predicted_adherence FROM adaptation_state WHERE user_id = ?
            """, [user]
        ).first {
            (adaptation.difficulty, adaptation.previousDifficulty) = (row["difficulty"], row["previous"])
            adaptation.reason = row["reason"]
            adaptation.predictedAdherence = (row["predicted_adherence"] as Double?).map { JSON.rounded($0, places: 3) }
        }
        var experiments: [String: [StateArm]] = [:]
        var scheduled: [String: [Int: String]] = [:]
        for row in try db.rows(
            """
            SELECT dimension, arm, successes, failures, p_best, chosen, days FROM experiment WHERE user_id = ?
            ORDER BY dimension, arm
            """, [user])
        {
            let dim: String = row["dimension"]
            var a = StateArm()
            (a.arm, a.successes, a.failures) = (row["arm"], row["successes"], row["failures"])
            a.pBest = (row["p_best"] as Double?).map { JSON.rounded($0, places: 3) }
            if row["chosen"] as Bool { adaptation.variants[dim] = a.arm }
            experiments[dim, default: []].append(a)
            if let text = row["days"] as String?, case .array(let days)? = try? JSONParser.parse(text) {
                for d in days.compactMap(\.doubleValue) where d >= 0 && d < 366 {
                    scheduled[dim, default: [:]][Int(d)] = a.arm
                }
            }
        }
        for (dim, byDay) in scheduled {
            // Only a whole schedule (days 0…n−1 each with an arm) that gives the days different arms.
            let n = (byDay.keys.max() ?? -1) + 1
            let days = (0..<n).compactMap { byDay[$0] }
            if days.count == n, Set(days).count > 1 {
                adaptation.schedules = (adaptation.schedules ?? [:]).merging([dim: days]) { $1 }
            }
        }
        for row in try db.rows(
            "SELECT category, max_intensity FROM adapt_tolerance WHERE user_id = ? AND max_intensity IS NOT NULL",
            [user])
        {
            adaptation.tolerance = (adaptation.tolerance ?? [:]).merging([row["category"]: row["max_intensity"]]) { $1 }
        }
        for row in try db.rows("SELECT item_id, action FROM adapt_item WHERE user_id = ? AND action <> 'none'", [user])
        {
            adaptation.itemActions = (adaptation.itemActions ?? [:]).merging([row["item_id"]: row["action"]]) { $1 }
        }
        adaptation.experiments = experiments.keys.sorted().map { dim in
            var e = StateExperiment()
            (e.dimension, e.arms, e.chosen) = (dim, experiments[dim]!, adaptation.variants[dim])
            return e
        }
        return adaptation
    }
}

/// Caps of the history that hos-insights reads, so the context stays within its byte budget.
public enum InsightHistoryLimits {
    /// Insight subjects listed, most recently seen first.
    public static let subjects = 24
    /// Days before the analysis that an earlier analysis must lie for progress, and the days it aims at.
    public static let referenceMinDays = 14
    public static let referenceDays = 28
}

extension MemoryStore {
    /// The history sections hos-insights reads (hos-memory(1) documents their shape):
    ///
    /// - `insight_subjects`: per subject (the `subject` an insight's payload names, e.g.
    ///   `correlation:steps:sleep_efficiency_pct:1`), its latest `insight_id`, `direction`, `last_seen`
    ///   (day), `seen_count` over the subject's insights, `useful` when marked, and `best` (the highest
    ///   `evidence.value` any of them carried, for milestones); the 24 most recently seen subjects.
    /// - `insight_feedback`: per kind, how many insights were marked useful and not useful.
    /// - `open_alerts` (only when there are any): per rule, the open coach alert (`openAlerts`).
    /// - `metrics`: per metric of earlier behaviour analyses (before this analysis' day): `analyses` (how
    ///   many), `ref` of the one closest to 28 days before (at least 14 before), `max` and `min`
    ///   [recent, as_of]: the highest and lowest 7-day mean (`recent`) on record.
    func insightHistory(user: String, analysisID: String?, asOf: LocalDate?, in db: any MemorySQL) throws
        -> MemoryHistory
    {
        var h = MemoryHistory()
        h.insightSubjects = try insightSubjects(user: user, in: db)
        h.insightFeedback = try insightFeedback(user: user, in: db)
        h.metrics = try metricHistory(user: user, analysisID: analysisID, asOf: asOf, in: db)
        h.openAlerts = try openAlerts(user: user, in: db)
        return h
    }

    /// Each insight subject shown to the user, newest first (up to `InsightHistoryLimits.subjects`): its id,
    /// when last seen, how often, its direction, whether it was useful, and the best value it cited.
    func insightSubjects(user: String, in db: any MemorySQL) throws -> [String: InsightSubjectMemory] {
        var subjects: [String: InsightSubjectMemory] = [:]
        var order: [String] = []
        for row in try db.rows(Self.insightSubjectsSQL(db.dialect), [user]) {
            let subject: String = row["subject"]
            let value: Double? = row["value"]
            if var s = subjects[subject] {
                s.seenCount = (s.seenCount ?? 0) + Double(row["seen_count"] as Int)
                if let value, value > (s.best ?? -Double.infinity) { s.best = value }
                if s.useful == nil { s.useful = row["useful"] }
                subjects[subject] = s
                continue
            }
            guard order.count < InsightHistoryLimits.subjects else { continue }
            order.append(subject)
            var s = InsightSubjectMemory()
            (s.insightID, s.lastSeen) = (row["insight_id"], String((row["last_seen"] as String).prefix(10)))
            (s.seenCount, s.direction) = (Double(row["seen_count"] as Int), row["direction"])
            (s.useful, s.best) = (row["useful"], value)
            subjects[subject] = s
        }
        return subjects
    }

    /// The query of `insightSubjects` in each engine's JSON functions.
    static func insightSubjectsSQL(_ dialect: SQLDialect) -> String {
        switch dialect {
        case .sqlite:
            """
            SELECT json_extract(payload, '$.subject') AS subject, insight_id,
                   CASE WHEN json_type(payload, '$.direction') = 'text' THEN json_extract(payload, '$.direction') END AS direction,
                   last_seen, seen_count, useful,
                   CASE WHEN json_type(payload, '$.evidence.value') IN ('integer', 'real')
                        THEN json_extract(payload, '$.evidence.value') END AS value
            FROM insight
            WHERE user_id = ? AND seen_count > 0 AND json_type(payload, '$.subject') = 'text'
            ORDER BY last_seen DESC, insight_id
            """
        case .postgresql:
            """
            SELECT payload::jsonb ->> 'subject' AS subject, insight_id,
                   CASE WHEN jsonb_typeof(payload::jsonb -> 'direction') = 'string'
                        THEN payload::jsonb ->> 'direction' END AS direction,
                   last_seen, seen_count, useful,
                   CASE WHEN jsonb_typeof(payload::jsonb #> '{evidence,value}') = 'number'
                        THEN (payload::jsonb #>> '{evidence,value}')::double precision END AS value
            FROM insight
            WHERE user_id = ? AND seen_count > 0 AND jsonb_typeof(payload::jsonb -> 'subject') = 'string'
            ORDER BY last_seen DESC, insight_id
            """
        }
    }

    /// The query of `metricHistory` in each engine's JSON functions: each earlier behaviour analysis' metrics.
    static func metricHistorySQL(_ dialect: SQLDialect) -> String {
        switch dialect {
        case .sqlite:
            """
            SELECT json_extract(a.payload, '$.as_of') AS as_of, m.key AS metric,
                   CASE WHEN json_type(m.value, '$.baseline') IN ('integer', 'real') THEN json_extract(m.value, '$.baseline') END AS baseline,
                   CASE WHEN json_type(m.value, '$.recent') IN ('integer', 'real') THEN json_extract(m.value, '$.recent') END AS recent,
                   CASE WHEN json_type(m.value, '$.n') = 'integer' THEN json_extract(m.value, '$.n') END AS n
            FROM analyses a, json_each(a.payload, '$.metrics') m
            WHERE a.user_id = ? AND a.event_type = 'behavior_analysis' AND a.analysis_id <> ?
              AND json_type(a.payload, '$.metrics') = 'object' AND m.type = 'object'
              AND json_type(a.payload, '$.as_of') = 'text' AND json_extract(a.payload, '$.as_of') < ?
            ORDER BY as_of, a.analysis_id, metric
            """
        case .postgresql:
            // Keys and dates compare as bytes (COLLATE "C"), as SQLite compares them.
            """
            SELECT a.payload::jsonb ->> 'as_of' AS as_of, m.key AS metric,
                   CASE WHEN jsonb_typeof(m.value -> 'baseline') = 'number' THEN (m.value ->> 'baseline')::double precision END AS baseline,
                   CASE WHEN jsonb_typeof(m.value -> 'recent') = 'number' THEN (m.value ->> 'recent')::double precision END AS recent,
                   CASE WHEN jsonb_typeof(m.value -> 'n') = 'number' AND (m.value ->> 'n') ~ '^-?[0-9]+$'
                        THEN (m.value ->> 'n')::bigint END AS n
            FROM analyses a,
                 jsonb_each(CASE WHEN jsonb_typeof(a.payload::jsonb -> 'metrics') = 'object'
                                 THEN a.payload::jsonb -> 'metrics' ELSE '{}'::jsonb END) m
            WHERE a.user_id = ? AND a.event_type = 'behavior_analysis' AND a.analysis_id <> ?
              AND jsonb_typeof(m.value) = 'object'
              AND jsonb_typeof(a.payload::jsonb -> 'as_of') = 'string'
              AND (a.payload::jsonb ->> 'as_of') COLLATE "C" < ?
            ORDER BY (a.payload::jsonb ->> 'as_of') COLLATE "C", a.analysis_id, m.key COLLATE "C"
            """
        }
    }

    /// The user's open coach alerts by rule (the latest episode of each): alert_id, rule, severity, started,
    /// as_of (when it was opened or last written) and title. hos-insights closes them when they end.
    func openAlerts(user: String, in db: any MemorySQL) throws -> [String: OpenAlertMemory] {
        var out: [String: OpenAlertMemory] = [:]
        for row in try db.rows(
            """
            SELECT alert_id, rule, severity, started, as_of, title FROM alert
            WHERE user_id = ? AND status = 'open' ORDER BY started, alert_id
            """, [user])
        {
            guard let started = LocalDate(row["started"] as String), let asOf = LocalDate(row["as_of"] as String) else {
                continue
            }
            var a = OpenAlertMemory()
            (a.alertID, a.rule, a.severity, a.title) = (row["alert_id"], row["rule"], row["severity"], row["title"])
            (a.started, a.asOf) = (started, asOf)
            out[a.rule] = a
        }
        return out
    }

    /// The user's insight feedback per kind: useful and not useful counts.
    func insightFeedback(user: String, in db: any MemorySQL) throws -> [String: KindFeedback] {
        var feedback: [String: KindFeedback] = [:]
        for row in try db.rows(
            """
            SELECT kind, sum(CASE WHEN useful = 1 THEN 1 ELSE 0 END) AS yes, sum(CASE WHEN useful = 0 THEN 1 ELSE 0 END) AS no FROM insight
            WHERE user_id = ? AND useful IS NOT NULL AND kind IS NOT NULL GROUP BY kind ORDER BY kind
            """, [user])
        {
            var f = KindFeedback()
            (f.useful, f.notUseful) = (Double(row["yes"] as Int), Double(row["no"] as Int))
            feedback[row["kind"]] = f
        }
        return feedback
    }

    /// Per metric, from earlier behaviour analyses before `asOf`: how many, the reference one closest to
    /// `InsightHistoryLimits.referenceDays` before, and the highest and lowest recent means.
    func metricHistory(user: String, analysisID: String?, asOf: LocalDate?, in db: any MemorySQL) throws -> [String:
        MetricHistoryMemory]
    {
        var metrics: [String: MetricHistoryMemory] = [:]
        if let asOf {
            struct Point {
                var asOf: LocalDate
                var baseline: Double?
                var recent: Double?
                var n: Int?
            }
            var points: [String: [Point]] = [:]
            for row in try db.rows(
                Self.metricHistorySQL(db.dialect), [user, analysisID ?? "", asOf.description])
            {
                guard let text: String = row["as_of"], let d = LocalDate(text), let metric: String = row["metric"]
                else { continue }
                points[metric, default: []].append(
                    Point(asOf: d, baseline: row["baseline"], recent: row["recent"], n: row["n"]))
            }
            let target = asOf.adding(days: -InsightHistoryLimits.referenceDays)
            for (metric, list) in points {
                var m = MetricHistoryMemory()
                m.analyses = Double(list.count)
                let eligible = list.filter {
                    asOf.days(since: $0.asOf) >= InsightHistoryLimits.referenceMinDays && $0.baseline != nil
                }
                // Closest to 28 days before; of two equally close, the earlier.
                if let ref = eligible.min(by: { abs($0.asOf.days(since: target)) < abs($1.asOf.days(since: target)) }) {
                    m.ref = [
                        .string(ref.asOf.description), .number(ref.baseline!, places: 2),
                        ref.recent.map { .number($0, places: 2) } ?? .null, ref.n.map { .number(Double($0)) } ?? .null,
                    ]
                }
                let recents = list.compactMap { p in p.recent.map { (p.asOf, $0) } }
                if let hi = recents.max(by: { $0.1 < $1.1 }), let lo = recents.min(by: { $0.1 < $1.1 }) {
                    m.max = [.number(hi.1, places: 2), .string(hi.0.description)]
                    m.min = [.number(lo.1, places: 2), .string(lo.0.description)]
                }
                metrics[metric] = m
            }
        }
        return metrics
    }
}
