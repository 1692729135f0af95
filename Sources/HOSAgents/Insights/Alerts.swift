// Coach alerts: the conditions a coach should hear about (low readiness, HRV under baseline, strain, no
// records, sleep debt), each opened once per episode and closed when it ends, against the open alerts that
// memory (or the stream) holds.

import HOSCore

/// The thresholds of the coach alerts (hos-insights `--alert-*`); the defaults are the issue's.
public struct AlertOptions: Sendable, Equatable {
    /// readiness_low: readiness (else recovery) score at or below this...
    public var readinessAtMost = 50.0
    /// ...for at least this many days in a row.
    public var readinessDays = 2
    /// hrv_low: HRV at least this percent under the user's baseline...
    public var hrvDropPct = 20.0
    /// ...for at least this many days in a row; the baseline is the median of the 30 days before them.
    public var hrvDays = 3
    /// no_records: at least this many days without any record, up to as_of.
    public var quietDays = 3
    /// sleep_debt: `SleepDebt` hours over the last 7 nights (5 logged at least) at or above this.
    public var sleepDebtHours = InsightRules.sleepDebtHours

    /// Days of the HRV baseline, and the fewest values it needs.
    public static let hrvBaselineDays = 30
    public static let hrvBaselineValues = 7

    public init() {}
}

/// An alert that is open: the latest open `alert` for its rule that memory or the stream holds.
public struct OpenAlert: Sendable, Equatable {
    public var alertID: String
    public var rule: String
    public var started: LocalDate
    public var asOf: LocalDate

    public init(alertID: String, rule: String, started: LocalDate, asOf: LocalDate) {
        (self.alertID, self.rule, self.started, self.asOf) = (alertID, rule, started, asOf)
    }

    /// The open alert an `alert` payload describes; nil for a closed one.
    public init?(_ a: AlertPayload) {
        guard a.status == "open" else { return nil }
        self.init(alertID: a.alertID, rule: a.rule, started: a.started, asOf: a.asOf)
    }
}

/// A condition that holds at as_of, before it is matched against the open alerts.
struct AlertCondition {
    var rule: String
    var started: LocalDate
    var days: Int
    var critical: Bool
    var metrics: [String]
    var evidence: [String: JSON]
    var title: String
    var detail: String
}

/// Finds the conditions at as_of and turns them into alert payloads, once per episode.
public struct AlertEngine {
    public var options: AlertOptions

    public init(options: AlertOptions = AlertOptions()) { self.options = options }

    /// The alerts to write at `input.asOf`: an open one for each condition that holds and has no open alert
    /// (or whose open alert is older than the condition's start: that episode ended unseen, so it is closed
    /// first), a closed one for each open alert whose condition no longer holds.
    public func alerts(_ input: InsightInput, open: [String: OpenAlert]) -> [AlertPayload] {
        let now = Dictionary(conditions(input).map { ($0.rule, $0) }) { a, _ in a }
        var out: [AlertPayload] = []
        for rule in AlertPayload.rules {
            let o = open[rule].flatMap { $0.started <= input.asOf ? $0 : nil }
            if let o, now[rule].map({ $0.started > o.asOf }) ?? (input.asOf > o.asOf) {
                out.append(closed(o, input: input))
            } else if o != nil {
                continue
            }
            if let c = now[rule] { out.append(opened(c, input: input)) }
        }
        return out
    }

    /// `alr-` and 16 hex digits of the hash of user, rule and the episode's first day.
    public static func id(user: String, rule: String, started: LocalDate) -> String {
        "alr-" + StableHash.hex(StableHash.of("alert", user, rule, started.description))
    }

    func opened(_ c: AlertCondition, input: InsightInput) -> AlertPayload {
        var a = AlertPayload()
        a.alertID = Self.id(user: input.user, rule: c.rule, started: c.started)
        (a.rule, a.status, a.severity) = (c.rule, "open", c.critical ? "critical" : "warning")
        (a.started, a.asOf, a.days) = (c.started, input.asOf, c.days)
        (a.title, a.detail, a.metrics, a.evidence) = (c.title, c.detail, c.metrics, c.evidence)
        return a
    }

    func closed(_ o: OpenAlert, input: InsightInput) -> AlertPayload {
        var a = AlertPayload()
        (a.alertID, a.rule, a.status, a.severity) = (o.alertID, o.rule, "closed", "warning")
        (a.started, a.ended, a.asOf) = (o.started, input.asOf, input.asOf)
        let name = ruleName(o.rule)
        a.title = "Ended: \(name)"
        a.detail = "\(name) no longer holds on \(input.asOf) (the episode began on \(o.started))."
        a.evidence = ["statistic": "condition_ended", "opened_as_of": .string(o.asOf.description)]
        return a
    }

    /// Each rule's condition in words, as a title and `--help` give it.
    func ruleName(_ rule: String) -> String {
        let n = { (v: Double) in MetricSemantics.fixed(v, v == v.rounded() ? 0 : 1) }
        return switch rule {
        case "readiness_low": "Readiness at or below \(n(options.readinessAtMost))"
        case "hrv_low": "HRV \(n(options.hrvDropPct))% or more under its baseline"
        case "strain": "Resting heart rate up with HRV down"
        case "no_records": "No records"
        default: "Sleep debt of \(n(options.sleepDebtHours)) h or more"
        }
    }

    // MARK: - The conditions

    func conditions(_ input: InsightInput) -> [AlertCondition] {
        [readinessLow(input), hrvLow(input), strain(input), noRecords(input), sleepDebt(input)].compactMap { $0 }
    }

    /// Days in a row up to as_of (a missing as_of is allowed, as in the insights' runs) where `hit` holds,
    /// and the first of them; nil when as_of and the day before both fail.
    func run(to asOf: LocalDate, _ hit: (LocalDate) -> Bool?) -> (days: Int, started: LocalDate)? {
        var d = hit(asOf) == nil ? asOf.adding(days: -1) : asOf
        var n = 0
        while hit(d) == true, n < 3660 {
            n += 1
            d = d.adding(days: -1)
        }
        return n == 0 ? nil : (n, d.adding(days: 1))
    }

    func value(_ input: InsightInput, _ metric: String, _ day: LocalDate) -> Double? {
        input.days.days[day]?[metric]?.number
    }

    func readinessLow(_ input: InsightInput) -> AlertCondition? {
        let recent = input.asOf.adding(days: -29)
        let metric = ["readiness_score", "recovery_score"].first {
            !input.days.series($0, from: recent, to: input.asOf).isEmpty
        }
        guard let metric,
            let r = run(to: input.asOf, { d in value(input, metric, d).map { $0 <= options.readinessAtMost } }),
            r.days >= options.readinessDays
        else { return nil }
        let values = input.days.series(metric, from: r.started, to: input.asOf).map(\.value)
        let word = metric == "readiness_score" ? "readiness" : "recovery"
        let limit = MetricSemantics.fixed(options.readinessAtMost, 0)
        return AlertCondition(
            rule: "readiness_low", started: r.started, days: r.days, critical: r.days >= 2 * options.readinessDays,
            metrics: [metric],
            evidence: [
                "statistic": "days_at_or_below", "n": .number(Double(r.days)),
                "threshold": .number(options.readinessAtMost), "latest": .number(values.last ?? 0),
                "lowest": .number(values.min() ?? 0),
            ],
            title: "\(word.capitalized) at or below \(limit) for \(r.days) days",
            detail: "Your \(word) score has been at or below \(limit) for \(r.days) days in a row, since "
                + "\(r.started) (latest \(MetricSemantics.fixed(values.last ?? 0, 0)), lowest "
                + "\(MetricSemantics.fixed(values.min() ?? 0, 0))).")
    }

    func hrvLow(_ input: InsightInput) -> AlertCondition? {
        let baseEnd = input.asOf.adding(days: -options.hrvDays)
        let baseStart = baseEnd.adding(days: -(AlertOptions.hrvBaselineDays - 1))
        let metric = ["hrv_rmssd_ms", "hrv_sdnn_ms"].first {
            input.days.series($0, from: baseStart, to: baseEnd).count >= AlertOptions.hrvBaselineValues
        }
        guard let metric,
            let baseline = Stats.median(input.days.series(metric, from: baseStart, to: baseEnd).map(\.value)),
            baseline > 0
        else { return nil }
        let limit = baseline * (1 - options.hrvDropPct / 100)
        guard let r = run(to: input.asOf, { d in value(input, metric, d).map { $0 <= limit } }),
            r.days >= options.hrvDays
        else { return nil }
        let recent = Stats.mean(input.days.series(metric, from: r.started, to: input.asOf).map(\.value)) ?? 0
        let under = 100 * (1 - recent / baseline)
        let pct = MetricSemantics.fixed(options.hrvDropPct, 0)
        return AlertCondition(
            rule: "hrv_low", started: r.started, days: r.days, critical: r.days >= 2 * options.hrvDays,
            metrics: [metric],
            evidence: [
                "statistic": "days_under_baseline", "n": .number(Double(r.days)),
                "baseline": .number(baseline, places: 1),
                "baseline_days": .number(Double(AlertOptions.hrvBaselineDays)),
                "threshold": .number(limit, places: 1), "recent_mean": .number(recent, places: 1),
                "under_pct": .number(under, places: 1),
            ],
            title: "HRV \(pct)% or more under its baseline for \(r.days) days",
            detail: "Your \(MetricSemantics.label(metric)) has been at least \(pct)% under your 30-day baseline of "
                + "\(MetricSemantics.format(metric, baseline)) for \(r.days) days in a row, since \(r.started) "
                + "(\(MetricSemantics.format(metric, recent)) on average, \(MetricSemantics.fixed(under, 0))% under).")
    }

    /// Today's `risk:strain` of the insights, as an alert.
    func strain(_ input: InsightInput) -> AlertCondition? {
        let windowStart = input.asOf.adding(days: -(input.windowDays - 1))
        let win = DailySeries(input.days, from: windowStart, to: input.asOf)
        guard let s = InsightEngine(options: InsightOptions()).strainRisk(input, win) else { return nil }
        let days = Int(s.words["days"] ?? 0)
        // The run may end the day before as_of (as_of missing), as the risk's does.
        let last = input.days.days[input.asOf] == nil ? input.asOf.adding(days: -1) : input.asOf
        let started = last.adding(days: -(days - 1))
        let hrv = s.notes["hrv"] ?? "hrv_rmssd_ms"
        let w = s.words
        return AlertCondition(
            rule: "strain", started: started, days: days, critical: true, metrics: s.metrics, evidence: s.evidence,
            title: "Resting heart rate up and HRV down for \(days) days",
            detail: "For \(days) days in a row since \(started) your resting heart rate ("
                + "\(MetricSemantics.format("resting_hr_bpm", w["rhr"] ?? 0) ) on average, usually "
                + "\(MetricSemantics.format("resting_hr_bpm", w["rhr_base"] ?? 0))) has been up while your HRV ("
                + "\(MetricSemantics.format(hrv, w["hrv"] ?? 0)), usually \(MetricSemantics.format(hrv, w["hrv_base"] ?? 0))) "
                + "was down: strain, poor recovery or an oncoming illness.")
    }

    func noRecords(_ input: InsightInput) -> AlertCondition? {
        guard let last = input.days.days.keys.filter({ $0 <= input.asOf }).max() else { return nil }
        let days = input.asOf.days(since: last)
        guard days >= options.quietDays else { return nil }
        return AlertCondition(
            rule: "no_records", started: last.adding(days: 1), days: days, critical: days >= 2 * options.quietDays,
            metrics: [],
            evidence: [
                "statistic": "days_without_records", "n": .number(Double(days)),
                "last_record": .string(last.description),
            ],
            title: "No records for \(days) days",
            detail:
                "Nothing has been recorded on the \(days) days up to \(input.asOf): the last record is from \(last).")
    }

    /// `SleepDebt` at or above the threshold; the episode began on the first of the days in a row (up to
    /// as_of) whose 7-night debt was.
    func sleepDebt(_ input: InsightInput) -> AlertCondition? {
        let need = ArchetypePolicy.of(input.archetype).sleepNeedMin
        let windowStart = input.asOf.adding(days: -(input.windowDays - 1))
        func debt(_ d: LocalDate) -> SleepDebt? {
            SleepDebt.of(input.days, asOf: d, from: windowStart, needMin: need).flatMap {
                $0.logged >= InsightRules.sleepDebtNights ? $0 : nil
            }
        }
        guard let now = debt(input.asOf), now.hours >= options.sleepDebtHours else { return nil }
        var started = input.asOf
        while started > windowStart, let d = debt(started.adding(days: -1)), d.hours >= options.sleepDebtHours {
            started = started.adding(days: -1)
        }
        let days = input.asOf.days(since: started) + 1
        let limit = MetricSemantics.fixed(options.sleepDebtHours, 1)
        return AlertCondition(
            rule: "sleep_debt", started: started, days: days, critical: now.hours >= 2 * options.sleepDebtHours,
            metrics: ["sleep_duration_min"],
            evidence: [
                "statistic": "sleep_debt_hours", "effect": .number(now.rounded), "n": .number(Double(now.logged)),
                "need_min": .number(need), "threshold": .number(options.sleepDebtHours),
            ],
            title: "\(MetricSemantics.fixed(now.rounded, 1)) h of sleep debt",
            detail:
                "Over the last 7 nights (\(now.logged) logged) you slept \(MetricSemantics.fixed(now.rounded, 1)) h "
                + "less in all than your \(MetricSemantics.fixed(need / 60, need.remainder(dividingBy: 60) == 0 ? 0 : 1)) h "
                + "a night; the debt has "
                + "been \(limit) h or more since \(started).")
    }
}
