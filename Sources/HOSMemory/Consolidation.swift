// Consolidation: weekly patterns promoted from short-term to long-term, rolling statistics, meta (how the
// user learns), proven strategies, and the expiry of working and short-term rows.

import Foundation
import GRDB
import HOSCore

/// What one consolidation of one user did.
public struct ConsolidationReport: Sendable, Equatable {
    public var user: String
    public var weeks = 0
    public var promoted: [String] = []
    public var expiredWorking = 0
    public var prunedRecords = 0

    public var json: JSON {
        [
            "weeks": .number(Double(weeks)), "promoted": .array(promoted.map(JSON.string)),
            "expired_working": .number(Double(expiredWorking)), "pruned_records": .number(Double(prunedRecords)),
        ]
    }
}

/// The rules of consolidation, documented in hos-memory(1).
public enum ConsolidationRules {
    /// Clock preferences found in weekly medians of a record metric.
    public static let clockPatterns: [(key: String, metric: String)] = [
        ("wake_time", "sleep_end"), ("bedtime", "sleep_start"),
    ]
    /// A week counts when it holds at least this many values of the metric.
    public static let minValuesPerWeek = 3
    /// Weekly medians within this many minutes of the candidate continue its streak.
    public static let toleranceMin = 30.0
    /// Consecutive agreeing weeks that promote a candidate to long-term.
    public static let promoteAfterWeeks = 3
    /// Confidence of a promoted clock preference: 0.5 + 0.1 × weeks, at most 0.95.
    public static func clockConfidence(weeks: Int) -> Double { min(0.95, 0.5 + 0.1 * Double(weeks)) }
    /// A week that breaks a promoted pattern multiplies its confidence by this; below `dropBelow` it goes.
    public static let decay = 0.8
    public static let dropBelow = 0.3
    /// Feedback on an arm needed before it can be a proven strategy, and the Laplace rate it needs.
    public static let strategyMinFeedback = 5
    public static let strategyMinRate = 0.6
    /// Rolling statistics windows, in days.
    public static let windows = [7, 30]

    /// Adherence score of a feedback status: completed 1, partial 0.5, skipped 0.
    public static func score(_ status: String) -> Double {
        status == "completed" ? 1 : status == "partial" ? 0.5 : 0
    }
}

/// Clock-time helpers of consolidation, over HOSCore's CircularStats (so 23:50 and 00:10 are 20 minutes apart).
enum Circular {
    static func mean(_ xs: [Double]) -> Double? { CircularStats.mean(minutes: xs)?.mean }

    /// Signed difference a − b in (−720, 720].
    static func diff(_ a: Double, _ b: Double) -> Double { CircularStats.difference(a, b) }

    static func wrap(_ x: Double) -> Double {
        let r = x.truncatingRemainder(dividingBy: 1440)
        return r < 0 ? r + 1440 : r
    }

    /// The median of the values unwrapped around their circular mean (the first value when they have none).
    static func median(_ xs: [Double]) -> Double? {
        guard let m = mean(xs) else { return xs.first }
        return CircularStats.median(minutes: xs, around: m)
    }

    /// Root mean square distance from the circular mean, in minutes.
    static func sd(_ xs: [Double]) -> Double? {
        guard xs.count >= 2, let m = mean(xs) else { return nil }
        let ss = xs.reduce(0) { $0 + diff($1, m) * diff($1, m) }
        return (ss / Double(xs.count - 1)).squareRoot()
    }

    static func clock(_ minutes: Double) -> String {
        let m = Int(wrap((minutes / 5).rounded() * 5)) % 1440
        return ClockTime(minutes: m).description
    }
}

extension MemoryStore {
    /// Every user the file knows, sorted.
    func users(in db: any MemorySQL) throws -> [String] {
        try db.column(String.self, "SELECT DISTINCT user_id FROM event_seen ORDER BY user_id", [])
    }

    /// Every user the file knows (whose events it has seen), sorted.
    public func users() throws -> [String] { try read("list users") { db in try users(in: db) } }

    /// Consolidates one user at `now` (a UTC timestamp) inside the caller's transaction.
    @discardableResult
    func consolidate(user: String, now: String, in db: any MemorySQL) throws -> ConsolidationReport {
        var report = ConsolidationReport(user: user)
        let state = try db.rows("SELECT weeks_through, runs FROM consolidation_state WHERE user_id = ?", [user]).first
        var weeksThrough: String? = state?["weeks_through"]
        let today = LocalDate(String(now.prefix(10)))
        if let latest = try latestRecordDay(user: user, today: today, in: db) {
            // 1. Weekly patterns over the complete weeks (Monday to Sunday) not consolidated yet.
            let currentMonday = latest.adding(days: -(latest.weekday - 1))
            let from = weeksThrough.flatMap { LocalDate($0) }.map { $0.adding(days: 7) }
            if from == nil || from! < currentMonday {
                report.weeks = try consolidateWeeks(
                    user: user, from: from, before: currentMonday, now: now,
                    promoted: &report.promoted, in: db)
                weeksThrough = currentMonday.adding(days: -7).description
            }
            // 2. Rolling statistics.
            try rollingStats(user: user, latest: latest, in: db)
            // 3. Short-term expiry.
            let cutoff = expiry(latest: latest, today: today).description
            report.prunedRecords = try db.execute(
                "DELETE FROM short_term_record WHERE user_id = ? AND date <= ?", [user, cutoff])
            try db.execute("DELETE FROM short_term_history WHERE user_id = ? AND date <= ?", [user, cutoff])
            try engagement(user: user, latest: latest, now: now, in: db)
        }
        // 4. Meta and proven strategies from plan feedback.
        try meta(user: user, now: now, promoted: &report.promoted, in: db)
        // 5. Working-memory expiry.
        report.expiredWorking = try db.execute("DELETE FROM working WHERE user_id = ? AND expires_at < ?", [user, now])
        try db.execute(
            """
            INSERT INTO consolidation_state (user_id, weeks_through, runs, last_run) VALUES (?, ?, 1, ?)
            ON CONFLICT (user_id) DO UPDATE SET weeks_through = excluded.weeks_through,
              runs = consolidation_state.runs + 1, last_run = \(db.dialect.greatest("consolidation_state.last_run", "excluded.last_run"))
            """, [user, weeksThrough, now])
        return report
    }

    /// The user's latest record day that moves the window: records dated after now + 1 day (a mistyped
    /// year) stay, but do not count.
    func latestRecordDay(user: String, today: LocalDate?, in db: any MemorySQL) throws -> LocalDate? {
        let text = try db.one(
            String.self, "SELECT max(date) FROM short_term_record WHERE user_id = ? AND date <= ?",
            [user, horizon(today)])
        return text.flatMap { LocalDate($0) }
    }

    func horizon(_ today: LocalDate?) -> String { today?.adding(days: 1).description ?? "9999-12-31" }

    /// The last day whose records the short-term expiry deletes.
    func expiry(latest: LocalDate, today: LocalDate?) -> LocalDate {
        (today.map { min($0, latest) } ?? latest).adding(days: -options.shortTermDays)
    }

    /// The expiry day that consolidating `user` at `now` will reach once `batch` is stored: the latest day
    /// of the stored records and of the batch's, as `consolidate` finds it. Nil when there are no records.
    func expiryCutoff(user: String, now: String, batch: [Event], in db: any MemorySQL) throws -> String? {
        let today = LocalDate(String(now.prefix(10)))
        let limit = horizon(today)
        var latest = try latestRecordDay(user: user, today: today, in: db)?.description
        for e in batch where e.userID == user && e.eventType == EventType.healthRecord {
            let record = try e.healthRecord()
            // A record without metrics stores no row, so it cannot move the window.
            let d = record.date.description
            if !record.metrics.isEmpty, d <= limit, d > (latest ?? "") { latest = d }
        }
        return latest.flatMap { LocalDate($0) }.map { expiry(latest: $0, today: today).description }
    }

    /// Walks the weeks from `from` (a Monday; nil: the user's first record) up to `before`, keeping each
    /// clock pattern's candidate and promoting it after `promoteAfterWeeks` agreeing weeks.
    func consolidateWeeks(
        user: String, from: LocalDate?, before: LocalDate, now: String,
        promoted: inout [String], in db: any MemorySQL
    ) throws -> Int {
        var weeks = Set<Int>()
        for rule in ConsolidationRules.clockPatterns {
            let rows = try db.rows(
                """
                SELECT date, value FROM short_term_record
                WHERE user_id = ? AND metric = ? AND kind = 'clock' AND date >= ? AND date < ? ORDER BY date
                """, [user, rule.metric, from?.description ?? "", before.description])
            var byWeek: [(monday: LocalDate, values: [Double])] = []
            for row in rows {
                guard let d = LocalDate(row[0] as String) else { continue }
                let monday = d.adding(days: -(d.weekday - 1))
                if byWeek.last?.monday == monday {
                    byWeek[byWeek.count - 1].values.append(row[1])
                } else {
                    byWeek.append((monday, [row[1]]))
                }
            }
            for week in byWeek where week.values.count >= ConsolidationRules.minValuesPerWeek {
                weeks.insert(week.monday.daysSinceEpoch)
                let median = Circular.median(week.values)!
                if try observeWeek(
                    user: user, key: rule.key, metric: rule.metric, median: median,
                    n: week.values.count, now: now, in: db), !promoted.contains(rule.key)
                {
                    promoted.append(rule.key)
                }
            }
        }
        return weeks.count
    }

    /// One week's median of a clock metric against the candidate; true when it promotes (or confirms) the
    /// long-term preference.
    func observeWeek(
        user: String, key: String, metric: String, median: Double, n: Int, now: String,
        in db: any MemorySQL
    ) throws -> Bool {
        let cand = try db.rows(
            "SELECT value, streak, evidence_count FROM candidate WHERE user_id = ? AND key = ?", [user, key]
        ).first
        var value = median
        var streak = 1
        var evidence = n
        if let cand, let t = ClockTime(cand["value"] as String),
            abs(Circular.diff(median, Double(t.minutes))) <= ConsolidationRules.toleranceMin
        {
            let old: Int = cand["streak"]
            streak = old + 1
            value = Circular.wrap(Double(t.minutes) + Circular.diff(median, Double(t.minutes)) / Double(streak))
            evidence = cand["evidence_count"] as Int + n
        } else if cand != nil {
            // The pattern broke: a preference it had promoted loses confidence, and goes when too weak.
            try db.execute(
                """
                UPDATE long_term_preference SET confidence = confidence * ? WHERE user_id = ? AND key = ? AND source LIKE 'consolidation%'
                """, [ConsolidationRules.decay, user, key])
            try db.execute(
                """
                DELETE FROM long_term_preference WHERE user_id = ? AND key = ? AND source LIKE 'consolidation%' AND confidence < ?
                """, [user, key, ConsolidationRules.dropBelow])
        }
        // Minutes kept exact in the candidate; the preference is rounded to 5 minutes.
        let exact = ClockTime(minutes: Int(value.rounded()) % 1440).description
        try db.execute(
            """
            INSERT INTO candidate (user_id, key, value, streak, evidence_count, first_seen, last_seen)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (user_id, key) DO UPDATE SET value = excluded.value, streak = excluded.streak,
              evidence_count = excluded.evidence_count, last_seen = excluded.last_seen,
              first_seen = CASE WHEN excluded.streak = 1 THEN excluded.first_seen ELSE candidate.first_seen END
            """, [user, key, exact, streak, evidence, now, now])
        guard streak >= ConsolidationRules.promoteAfterWeeks else { return false }
        try upsertPreference(
            user: user, key: key, value: .string(Circular.clock(value)),
            confidence: ConsolidationRules.clockConfidence(weeks: streak), evidence: evidence,
            source: "consolidation: weekly median \(metric), \(streak) weeks within 30 min",
            at: now, replaceEvidence: true, in: db)
        return true
    }

    /// Per metric, the 7- and 30-day statistics ending at the user's latest record date.
    func rollingStats(user: String, latest: LocalDate, in db: any MemorySQL) throws {
        let widest = ConsolidationRules.windows.max()!
        let rows = try db.rows(
            """
            SELECT date, metric, value, kind FROM short_term_record WHERE user_id = ? AND date > ? AND date <= ?
            ORDER BY date, metric
            """, [user, latest.adding(days: -widest).description, latest.description])
        var series: [String: (kind: String, points: [(Int, Double)])] = [:]
        for row in rows {
            guard let d = LocalDate(row[0] as String) else { continue }
            series[row[1], default: (row[3], [])].points.append((latest.days(since: d), row[2]))
        }
        try db.execute("DELETE FROM short_term_stat WHERE user_id = ?", [user])
        let insert = """
            INSERT INTO short_term_stat (user_id, metric, window_days, as_of, n, mean, sd, min, max)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        for metric in series.keys.sorted() {
            let s = series[metric]!
            for w in ConsolidationRules.windows {
                let xs = s.points.filter { $0.0 < w }.map(\.1)
                guard !xs.isEmpty else { continue }
                let mean: Double
                let sd: Double?
                if s.kind == "clock" {
                    mean = Circular.mean(xs) ?? xs[0]
                    sd = Circular.sd(xs)
                } else {
                    mean = xs.reduce(0, +) / Double(xs.count)
                    sd =
                        xs.count >= 2
                        ? (xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count - 1)).squareRoot() : nil
                }
                try db.execute(insert, [user, metric, w, latest.description, xs.count, mean, sd, xs.min()!, xs.max()!])
            }
        }
    }

    /// Engagement trajectory: days logged in the last 7 days against the 7 before.
    func engagement(user: String, latest: LocalDate, now: String, in db: any MemorySQL) throws {
        let dates = try db.column(
            String.self,
            """
            SELECT DISTINCT date FROM short_term_record WHERE user_id = ? AND date > ? AND date <= ?
            """, [user, latest.adding(days: -14).description, latest.description]
        ).compactMap { LocalDate($0) }
        let last = dates.filter { latest.days(since: $0) < 7 }.count
        let previous = dates.count - last
        let trend = last > previous + 1 ? "rising" : last + 1 < previous ? "falling" : "steady"
        try setMeta(
            user: user, key: "engagement",
            value: [
                "as_of": .string(latest.description), "days_last_7": .number(Double(last)),
                "days_previous_7": .number(Double(previous)), "trend": .string(trend),
            ], now: now, in: db)
    }

    func setMeta(user: String, key: String, value: JSON, now: String, in db: any MemorySQL) throws {
        try db.execute(
            """
            INSERT INTO meta (user_id, key, value, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (user_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """, [user, key, value.stored, now])
    }

    /// Adherence by weekday, category, difficulty and strategy arm from plan feedback; arms that hold up
    /// become proven strategies, and the best proven exercise_time arm the `exercise_time` preference.
    func meta(user: String, now: String, promoted: inout [String], in db: any MemorySQL) throws {
        let rows = try db.rows(
            """
            SELECT f.date, f.status, p.category, p.variant, p.difficulty FROM plan_feedback f
            LEFT JOIN plan_item p ON p.user_id = f.user_id AND p.plan_id = f.plan_id AND p.item_id = f.item_id
            WHERE f.user_id = ? ORDER BY f.date, f.plan_id, f.item_id
            """, [user])
        guard !rows.isEmpty else { return }
        typealias Tally = FeedbackTally
        typealias Arm = StrategyArm
        var weekday: [String: Tally] = [:]
        var category: [String: Tally] = [:]
        var difficulty: [String: Tally] = [:]
        var arms: [Arm: (category: String, tally: Tally)] = [:]
        var overall = Tally()
        for row in rows {
            let s = ConsolidationRules.score(row["status"])
            func add(_ t: inout Tally) {
                t.sum += s
                t.n += 1
            }
            add(&overall)
            if let d = LocalDate(row["date"] as String) {
                add(&weekday[LocalDate.weekdayNames[d.weekday - 1], default: Tally()])
            }
            let cat: String = row["category"] ?? "unknown"
            add(&category[cat, default: Tally()])
            if let diff: Int = row["difficulty"] { add(&difficulty[String(diff), default: Tally()]) }
            if case .object(let v) = JSON.parseStored(row["variant"]) {
                for (dim, arm) in v {
                    guard let a = arm.stringValue, !dim.isEmpty, !a.isEmpty else { continue }
                    add(&arms[Arm(dimension: dim, arm: a), default: (cat, Tally())].tally)
                }
            }
        }
        func table(_ t: [String: Tally]) -> JSON {
            .object(t.mapValues { ["rate": .number($0.sum / Double($0.n), places: 3), "n": .number(Double($0.n))] })
        }
        try setMeta(
            user: user, key: "adherence",
            value: [
                "overall": [
                    "rate": .number(overall.sum / Double(overall.n), places: 3), "n": .number(Double(overall.n)),
                ],
                "by_weekday": table(weekday), "by_category": table(category),
            ], now: now, in: db)
        if !difficulty.isEmpty {
            try setMeta(user: user, key: "difficulty_response", value: table(difficulty), now: now, in: db)
        }
        if !arms.isEmpty {
            try setMeta(
                user: user, key: "strategy_kinds",
                value: table(Dictionary(arms.map { ($0.key.name, $0.value.tally) }, uniquingKeysWith: { a, _ in a })),
                now: now, in: db)
        }

        try provenStrategies(user: user, arms: arms, now: now, promoted: &promoted, in: db)
    }

    /// Arms with enough feedback and a high enough success rate (Laplace) become proven strategies, others
    /// leave the table; the best proven exercise_time arm becomes the `exercise_time` preference.
    func provenStrategies(
        user: String, arms: [StrategyArm: (category: String, tally: FeedbackTally)], now: String,
        promoted: inout [String], in db: any MemorySQL
    ) throws {
        var bestExercise: (arm: String, rate: Double, n: Int)?
        for key in arms.keys.sorted() {
            let (cat, t) = arms[key]!
            let parts = [key.dimension, key.arm]
            let laplace = (t.sum + 1) / Double(t.n + 2)
            if t.n >= ConsolidationRules.strategyMinFeedback, laplace >= ConsolidationRules.strategyMinRate {
                try db.execute(
                    """
                    INSERT INTO long_term_strategy (user_id, dimension, arm, category, success_rate, confidence,
                                                    evidence_count, first_seen, last_seen)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (user_id, dimension, arm) DO UPDATE SET category = excluded.category,
                      success_rate = excluded.success_rate, confidence = excluded.confidence,
                      evidence_count = excluded.evidence_count, last_seen = excluded.last_seen
                    """, [user, parts[0], parts[1], cat, t.sum / Double(t.n), laplace, t.n, now, now])
                if parts[0] == "exercise_time", laplace > (bestExercise?.rate ?? 0) {
                    bestExercise = (parts[1], laplace, t.n)
                }
            } else {
                try db.execute(
                    "DELETE FROM long_term_strategy WHERE user_id = ? AND dimension = ? AND arm = ?",
                    [user, parts[0], parts[1]])
            }
        }
        if let best = bestExercise {
            try upsertPreference(
                user: user, key: "exercise_time", value: .string(best.arm), confidence: best.rate,
                evidence: best.n, source: "consolidation: best proven exercise_time arm", at: now,
                replaceEvidence: true, in: db)
            if !promoted.contains("exercise_time") { promoted.append("exercise_time") }
        }
    }
}

/// Feedback scores summed: the adherence of a weekday, a category, a difficulty or an arm.
struct FeedbackTally {
    var sum = 0.0
    var n = 0
}

/// A strategy arm of a dimension (exercise_time=morning).
struct StrategyArm: Hashable, Comparable {
    var dimension: String
    var arm: String
    static func < (a: StrategyArm, b: StrategyArm) -> Bool { (a.dimension, a.arm) < (b.dimension, b.arm) }
    var name: String { dimension + "=" + arm }
}
