// The parts of a memory_context that hos-insights reads: earlier insights by subject, feedback, metric history.

import HOSCore

/// What memory says about a user's earlier insights and analyses (hos-memory's `history` sections).
public struct InsightMemory: Sendable, Equatable {
    /// An earlier insight subject: its latest id and direction, when last given, the best value it carried.
    public struct Subject: Sendable, Equatable {
        public var insightID: String
        public var direction: String?
        public var lastSeen: LocalDate?
        public var seenCount: Int
        public var useful: Bool?
        public var best: Double?
    }

    /// A metric's history in earlier behaviour analyses.
    public struct MetricHistory: Sendable, Equatable {
        public var analyses: Int
        /// The analysis about a month earlier: its day, median and 7-day mean.
        public var ref: (asOf: LocalDate, baseline: Double, recent: Double?, n: Int?)?
        /// Highest and lowest 7-day mean on record, with their days.
        public var max: (value: Double, asOf: LocalDate)?
        public var min: (value: Double, asOf: LocalDate)?

        public static func == (a: MetricHistory, b: MetricHistory) -> Bool {
            a.analyses == b.analyses && a.ref?.asOf == b.ref?.asOf && a.ref?.baseline == b.ref?.baseline
                && a.max?.value == b.max?.value && a.min?.value == b.min?.value
        }
    }

    public var subjects: [String: Subject] = [:]
    /// Insight id → subject, for feedback and validation of an id.
    public var subjectOfID: [String: String] = [:]
    /// Kind → (useful, not useful) marks.
    public var feedback: [String: (useful: Int, notUseful: Int)] = [:]
    public var metrics: [String: MetricHistory] = [:]
    /// Open coach alerts by rule (`history.open_alerts`).
    public var openAlerts: [String: OpenAlert] = [:]
    /// True when a memory_context was read at all.
    public var present = false

    public init() {}

    public static func == (a: InsightMemory, b: InsightMemory) -> Bool {
        a.subjects == b.subjects && a.metrics == b.metrics && a.present == b.present && a.openAlerts == b.openAlerts
            && a.feedback.mapValues { [$0.useful, $0.notUseful] } == b.feedback.mapValues { [$0.useful, $0.notUseful] }
    }

    /// Reads `history.insight_subjects`, `history.insight_feedback`, `history.open_alerts` and `history.metrics`;
    /// a payload that does not decode as a `MemoryContextPayload` is passed over (read as present and empty),
    /// and so are malformed `ref`, `max` and `min` lists. Counts are clamped (`JSON.countValue`).
    public init(payload p: [String: JSON]) {
        present = true
        guard let h = (try? MemoryContextPayload(payload: p))?.history else { return }
        func count(_ v: Double?) -> Int? { v.flatMap { JSON.number($0).countValue } }
        for (subject, v) in h.insightSubjects {
            self.subjects[subject] = Subject(
                insightID: v.insightID, direction: v.direction,
                lastSeen: v.lastSeen.flatMap { LocalDate(String($0.prefix(10))) },
                seenCount: count(v.seenCount) ?? 1, useful: v.useful, best: v.best)
            subjectOfID[v.insightID] = subject
        }
        for (kind, v) in h.insightFeedback { feedback[kind] = (count(v.useful) ?? 0, count(v.notUseful) ?? 0) }
        for (rule, v) in h.openAlerts {
            openAlerts[rule] = OpenAlert(alertID: v.alertID, rule: rule, started: v.started, asOf: v.asOf)
        }
        for (metric, v) in h.metrics {
            var mh = MetricHistory(analyses: count(v.analyses) ?? 0)
            if let r = v.ref, r.count >= 2, let d = r[0].stringValue.flatMap({ LocalDate($0) }),
                let b = r[1].doubleValue
            {
                mh.ref = (d, b, r.count > 2 ? r[2].doubleValue : nil, r.count > 3 ? r[3].countValue : nil)
            }
            func point(_ a: [JSON]?) -> (Double, LocalDate)? {
                guard let a, a.count == 2, let x = a[0].doubleValue, let d = a[1].stringValue.flatMap({ LocalDate($0) })
                else { return nil }
                return (x, d)
            }
            (mh.max, mh.min) = (point(v.max), point(v.min))
            metrics[metric] = mh
        }
    }
}
