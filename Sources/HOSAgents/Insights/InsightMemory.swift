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

    /// Reads `history.insight_subjects`, `history.insight_feedback`, `history.open_alerts` and `history.metrics`; the ranked
    /// `history.insights` items fill in subjects' feedback marks the sections lack. Malformed parts are ignored.
    public init(payload p: [String: JSON]) {
        present = true
        let h = p["history"]
        if case .object(let subjects)? = h?["insight_subjects"] {
            for (subject, v) in subjects {
                guard let id = v["insight_id"]?.stringValue else { continue }
                self.subjects[subject] = Subject(
                    insightID: id, direction: v["direction"]?.stringValue,
                    lastSeen: v["last_seen"]?.stringValue.flatMap { LocalDate(String($0.prefix(10))) },
                    seenCount: v["seen_count"]?.countValue ?? 1, useful: v["useful"]?.boolValue,
                    best: v["best"]?.doubleValue)
                subjectOfID[id] = subject
            }
        }
        if case .object(let f)? = h?["insight_feedback"] {
            for (kind, v) in f {
                feedback[kind] = (v["useful"]?.countValue ?? 0, v["not_useful"]?.countValue ?? 0)
            }
        }
        if case .object(let open)? = h?["open_alerts"] {
            for (rule, v) in open {
                guard let id = v["alert_id"]?.stringValue,
                    let started = v["started"]?.stringValue.flatMap(LocalDate.init),
                    let asOf = v["as_of"]?.stringValue.flatMap(LocalDate.init)
                else { continue }
                openAlerts[rule] = OpenAlert(alertID: id, rule: rule, started: started, asOf: asOf)
            }
        }
        if case .object(let m)? = h?["metrics"] {
            for (metric, v) in m {
                var mh = MetricHistory(analyses: v["analyses"]?.countValue ?? 0)
                if case .array(let r)? = v["ref"], r.count >= 2, let d = r[0].stringValue.flatMap({ LocalDate($0) }),
                    let b = r[1].doubleValue
                {
                    mh.ref = (d, b, r.count > 2 ? r[2].doubleValue : nil, r.count > 3 ? r[3].countValue : nil)
                }
                func point(_ key: String) -> (Double, LocalDate)? {
                    guard case .array(let a)? = v[key], a.count == 2, let x = a[0].doubleValue,
                        let d = a[1].stringValue.flatMap({ LocalDate($0) })
                    else { return nil }
                    return (x, d)
                }
                mh.max = point("max")
                mh.min = point("min")
                metrics[metric] = mh
            }
        }
    }
}
