// The `behavior_analysis` payload: hos-behavior's statistics of one user's window, read by the planners,
// hos-insights, hos-memory and hos-report.

/// A `behavior_analysis` payload.
public struct BehaviorAnalysisPayload: ContractPayload, Narrated {
    public static let eventType = EventType.behaviorAnalysis
    public static let summary =
        "hos-behavior's analysis of one user's window: per-metric baselines, trends and anomalies, sleep "
        + "timing on the circle, consistency against the archetype's targets, readiness, labels and engagement."

    public var analysisID: String?
    public var archetype: String?
    public var asOf: LocalDate?
    public var windowDays: Int?
    public var window: Window?
    public var metrics: [String: MetricSummary] = [:]
    public var sleepTiming: SleepTiming?
    public var consistency: [String: Consistency] = [:]
    public var readiness: Readiness?
    public var signature: [SignatureLabel] = []
    public var engagement: Engagement?
    public var notComputed: [NotComputed] = []
    public var explain: [String]?
    public var narrative: JSON?
    public var llm: String?
    public var llmReason: String?

    public init() {}

    public static let fields: [PayloadField<Self>] =
        [
            .value("analysis_id", \.analysisID, "The request's analysis id."),
            .value("archetype", \.archetype, "The archetype the targets are of."),
            .value("as_of", \.asOf, "The window's last day."),
            .value("window_days", \.windowDays, "The window's length in days."),
            .object("window", \.window, "The window's first and last day."),
            .map(
                "metrics", \.metrics, "Each metric with values in the window (clock metrics are in sleep_timing).",
                keyName: "METRIC"),
            .object("sleep_timing", \.sleepTiming, "Bedtime and wake time as circular means, with chronotype."),
            .map("consistency", \.consistency, "Days meeting the archetype's targets.", keyName: "METRIC"),
            .object(
                "readiness", \.readiness,
                "Readiness 0–100 from HRV, resting heart rate and sleep debt; null "
                    + "without them.", absent: .null),
            .objects("signature", \.signature, "Behaviour labels with their evidence."),
            .object("engagement", \.engagement, "How regularly the user logs."),
            .objects("not_computed", \.notComputed, "What could not be computed, and why."),
            .value("explain", \.explain, "With --explain: how each number came about, in words."),
        ] + narrationFields
}

extension BehaviorAnalysisPayload {
    /// The few values hos-memory's history keeps of an analysis (the whole payload is kept beside them).
    public var historySummary: [String: JSON] {
        var s: [String: JSON] = [:]
        s["as_of"] = asOf?.json
        s["readiness_score"] = readiness?.score?.json
        s["readiness_state"] = readiness?.state?.json
        s["engagement_level"] = engagement?.level?.json
        if let e = engagement { s["days_logged"] = e.daysLogged.json }
        let labels = signature.map(\.label)
        if !labels.isEmpty { s["signature"] = .array(labels.prefix(6).map(JSON.string)) }
        return s
    }
}

/// A window of days.
public struct Window: ContractObject {
    public var start: LocalDate?
    public var end: LocalDate?

    public init() {}

    public init(start: LocalDate, end: LocalDate) {
        self.start = start
        self.end = end
    }

    public static let fields: [PayloadField<Self>] = [
        .value("start", \.start, "The first day."), .value("end", \.end, "The last day."),
    ]
}

/// One metric's statistics over the window.
public struct MetricSummary: ContractObject {
    public var n: Int?
    public var completeness: Double?
    /// The median of the window.
    public var baseline: Double?
    /// The mean of the last 7 days.
    public var recent: Double?
    public var variability: Variability?
    public var trend: Trend?
    public var anomalies: [Anomaly] = []

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("n", \.n, "Days with a value."),
        .value("completeness", \.completeness, "n / window_days."),
        .value("baseline", \.baseline, "The window's median."),
        .value("recent", \.recent, "The mean of the last 7 days; null without values there.", absent: .null),
        .object("variability", \.variability, "Spread."),
        .object("trend", \.trend, "Theil–Sen slope and Mann–Kendall test; null with too few days.", absent: .null),
        .objects("anomalies", \.anomalies, "Days whose robust z-score is beyond ±3.5."),
    ]

    /// The personal baseline band: the median ± 1.4826 × MAD, one robust standard deviation.
    public var band: ClosedRange<Double>? {
        guard let baseline, let mad = variability?.mad, mad >= 0 else { return nil }
        let half = 1.4826 * mad
        return (baseline - half)...(baseline + half)
    }
}

/// A metric's spread.
public struct Variability: ContractObject {
    public var cv: Double?
    public var mad: Double?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("cv", \.cv, "Coefficient of variation; null when the mean is 0.", absent: .null),
        .value("mad", \.mad, "Median absolute deviation."),
    ]
}

/// A metric's trend: Theil–Sen slope per week and Mann–Kendall p-value.
public struct Trend: ContractObject {
    /// rising, falling or flat.
    public var direction: String?
    public var slopePerWeek: Double?
    public var pValue: Double?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("direction", \.direction, "rising, falling or flat (flat unless p < 0.05)."),
        .value("slope_per_week", \.slopePerWeek, "Theil–Sen slope, per week."),
        .value("p_value", \.pValue, "Mann–Kendall two-sided p-value.", in: 0...1),
    ]
}

/// A day whose value is far from the user's baseline.
public struct Anomaly: ContractObject {
    public var date = LocalDate(daysSinceEpoch: 0)
    /// high or low.
    public var direction: String?
    public var value: Double?
    public var z: Double?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .required("date", \.date, "The day."),
        .value("direction", \.direction, "high or low."),
        .value("value", \.value, "The day's value."),
        .value("z", \.z, "Robust z-score: (value − median) / (1.4826 × MAD)."),
    ]
}

/// Bedtime and wake time over the window, on the circle.
public struct SleepTiming: ContractObject {
    public var sleepStart: ClockSummary?
    public var sleepEnd: ClockSummary?
    public var socialJetLagMin: Double?
    public var midSleepFree: ClockTime?
    public var midSleepWork: ClockTime?
    /// early, intermediate or late.
    public var chronotype: String?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .object("sleep_start", \.sleepStart, "Bedtime."),
        .object("sleep_end", \.sleepEnd, "Wake time."),
        .value("social_jet_lag_min", \.socialJetLagMin, "Mid-sleep on free nights minus on work nights."),
        .value("mid_sleep_free", \.midSleepFree, "Mean mid-sleep before a weekend wake day."),
        .value("mid_sleep_work", \.midSleepWork, "Mean mid-sleep before a weekday wake day."),
        .value("chronotype", \.chronotype, "early (MSF before 03:00), late (after 05:00) or intermediate."),
    ]
}

/// A clock metric's circular mean and spread.
public struct ClockSummary: ContractObject {
    public var mean: ClockTime?
    public var sdMin: Double?
    public var n = 0
    /// regular (sd ≤ 30 min), moderate (≤ 60) or irregular.
    public var regularity: String?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("mean", \.mean, "Circular mean."),
        .value("sd_min", \.sdMin, "Circular standard deviation in minutes."),
        .value("n", \.n, "Nights.", default: 0),
        .value("regularity", \.regularity, "regular (sd ≤ 30 min), moderate (≤ 60) or irregular."),
    ]
}

/// Days meeting one archetype target.
public struct Consistency: ContractObject {
    public var target = 0.0
    public var days = 0
    public var daysMet = 0
    public var share = 0.0

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("target", \.target, "The archetype's daily target.", default: 0),
        .value("days", \.days, "Days with a value.", default: 0),
        .value("days_met", \.daysMet, "Days at or above the target.", default: 0),
        .value("share", \.share, "days_met / days.", default: 0),
    ]
}

/// Readiness from the last three days against the user's own baseline.
public struct Readiness: ContractObject {
    public var score: Double?
    /// recovered (≥ 70), balanced (≥ 45) or strained.
    public var state: String?
    public var sleepDebtHours: Double?
    public var drivers: [ReadinessDriver] = []

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("score", \.score, "65 + 12 × HRV z + 8 × resting-HR z − 2.5 × sleep debt hours.", in: 0...100),
        .value("state", \.state, "recovered (≥ 70), balanced (≥ 45) or strained."),
        .value("sleep_debt_hours", \.sleepDebtHours, "Hours short of the archetype's sleep need, last 7 nights."),
        .objects("drivers", \.drivers, "Each component, largest effect first."),
    ]
}

/// One component of readiness.
public struct ReadinessDriver: ContractObject {
    public var metric = ""
    public var effect = 0.0
    public var recent: Double?
    public var baseline: Double?
    public var z: Double?
    public var needMin: Double?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .required("metric", \.metric, "hrv_rmssd_ms, hrv_sdnn_ms, resting_hr_bpm or sleep_debt_hours."),
        .required("effect", \.effect, "Points it adds to the score (negative: takes away)."),
        .value("recent", \.recent, "The last three days' mean (sleep debt: the hours)."),
        .value("baseline", \.baseline, "The median before them."),
        .value("z", \.z, "Robust z-score, within ±3."),
        .value("need_min", \.needMin, "The sleep need, minutes a night."),
    ]
}

/// A behaviour label and its evidence.
public struct SignatureLabel: ContractObject {
    public var label = ""
    public var evidence: [String: JSON] = [:]

    public init() {}

    public init(label: String, evidence: [String: JSON]) {
        self.label = label
        self.evidence = evidence
    }

    public static let fields: [PayloadField<Self>] = [
        .required("label", \.label, "consistent sleeper, short sleeper, weekend warrior, late chronotype, …"),
        .value("evidence", \.evidence, "The numbers behind it.", default: [:]),
    ]
}

/// How regularly the user logs.
public struct Engagement: ContractObject {
    public var daysLogged = 0
    public var share: Double?
    public var longestGapDays = 0
    public var currentStreakDays = 0
    /// high (≥ 85% of days), moderate (≥ 60%) or low.
    public var level: String?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("days_logged", \.daysLogged, "Days with any record.", default: 0),
        .value("share", \.share, "days_logged / window_days."),
        .value("longest_gap_days", \.longestGapDays, "The longest run of days without records.", default: 0),
        .value("current_streak_days", \.currentStreakDays, "Days logged in a row up to as_of.", default: 0),
        .value("level", \.level, "high (≥ 85% of days), moderate (≥ 60%) or low."),
    ]
}

/// Something that could not be computed.
public struct NotComputed: ContractObject {
    public var what = ""
    public var why = ""

    public init() {}

    public init(what: String, why: String) {
        self.what = what
        self.why = why
    }

    public static let fields: [PayloadField<Self>] = [
        .required("what", \.what, "A metric or a statistic (steps.trend)."),
        .required("why", \.why, "The reason."),
    ]
}
