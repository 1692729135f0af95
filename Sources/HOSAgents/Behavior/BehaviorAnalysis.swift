// hos-behavior's analysis of one user's window: a pure function of the records and the request.

import HOSCore

/// The days of one user's records, one value per metric and day (a later record for a day wins).
public struct UserDays: Sendable {
    public var days: [LocalDate: [String: MetricValue]] = [:]

    public init() {}

    public mutating func add(_ record: HealthRecord) {
        // A new day takes the record's metrics as they are; merging into an empty one rehashed every key.
        if days[record.date] == nil {
            days[record.date] = record.metrics
        } else {
            days[record.date]!.merge(record.metrics) { _, new in new }
        }
    }

    public var latest: LocalDate? { days.keys.max() }

    /// The numeric series of a metric within [start, end], in date order.
    public func series(_ metric: String, from start: LocalDate, to end: LocalDate) -> [(date: LocalDate, value: Double)]
    {
        days.filter { $0.key >= start && $0.key <= end }
            .compactMap { d, m in m[metric]?.number.map { (d, $0) } }
            .sorted { $0.date < $1.date }
    }

    /// The clock series of a metric within [start, end], as minutes after midnight.
    public func clockSeries(_ metric: String, from start: LocalDate, to end: LocalDate) -> [(
        date: LocalDate, minutes: Double
    )] {
        days.filter { $0.key >= start && $0.key <= end }
            .compactMap { d, m in
                if case .clock(let t)? = m[metric] { return (d, Double(t.minutes)) }
                return nil
            }
            .sorted { $0.date < $1.date }
    }
}

/// Settings of the analysis that the docs promise (hos-behavior(1)).
public enum BehaviorRules {
    /// Fewest days with data for a trend and for anomalies.
    public static let minDaysForTrend = 7
    /// Modified z-score beyond which a day is an anomaly (Iglewicz and Hoaglin).
    public static let anomalyZ = 3.5
    /// Trend p-value below which a trend has a direction.
    public static let trendAlpha = 0.05
    /// Days that make "recent".
    public static let recentDays = 7
}

/// Computes the `behavior_analysis` payload for one user and request.
public struct BehaviorAnalyzer {
    public let archetype: Archetype
    public let explain: Bool

    public init(archetype: Archetype, explain: Bool) {
        self.archetype = archetype
        self.explain = explain
    }

    /// The analysis of the window that ends at `asOf` (see `AnalysisDay`).
    public func analyze(_ data: UserDays, request: AnalysisRequest, asOf: LocalDate) -> BehaviorAnalysisPayload {
        var notes: [NotComputed] = []
        var reasons: [String] = []
        func skip(_ what: String, _ why: String) { notes.append(NotComputed(what: what, why: why)) }
        let start = asOf.adding(days: -(request.windowDays - 1))
        var payload = BehaviorAnalysisPayload()
        (payload.asOf, payload.windowDays) = (asOf, request.windowDays)
        (payload.window, payload.archetype) = (Window(start: start, end: asOf), archetype.name)
        payload.analysisID = request.analysisID
        let policy = ArchetypePolicy.of(archetype)

        // Per-metric statistics.
        var metrics: [String: MetricSummary] = [:]
        let names = Set(data.days.values.flatMap(\.keys)).sorted()
        for name in names {
            if Metrics.metric(named: name)?.kind == .clock { continue }
            let s = data.series(name, from: start, to: asOf)
            if s.isEmpty {
                skip(name, "no values in the window")
                continue
            }
            metrics[name] = metricSummary(name, s, start: start, asOf: asOf, windowDays: request.windowDays, skip: skip)
        }
        payload.metrics = metrics

        // Sleep timing, on the circle.
        let timing = sleepTiming(data, start: start, asOf: asOf, skip: skip)
        payload.sleepTiming = timing.report

        // Consistency against the archetype's targets.
        for (metric, target) in policy.targets.sorted(by: { $0.key < $1.key }) {
            let s = data.series(metric, from: start, to: asOf)
            guard !s.isEmpty else { continue }
            let met = s.filter { $0.value >= target }.count
            var c = Consistency()
            (c.target, c.days, c.daysMet) = (target, s.count, met)
            c.share = JSON.rounded(Double(met) / Double(s.count), places: 3)
            payload.consistency[metric] = c
            if explain {
                reasons.append(
                    "\(metric): target \(Int(target)) for \(archetype.name); met on \(met) of \(s.count) days")
            }
        }

        payload.readiness = readiness(data, asOf: asOf, start: start, need: policy.sleepNeedMin, skip: skip)
        payload.signature = signature(data, start: start, asOf: asOf, timing: timing)
        payload.engagement = engagement(data, start: start, asOf: asOf, windowDays: request.windowDays)
        payload.notComputed = notes
        if explain {
            if let score = payload.readiness?.score {
                reasons.append(
                    "readiness \(Int(score)): 65 + 12 × HRV z + 8 × resting-HR z − 2.5 × sleep debt hours, kept within 0–100"
                )
            }
            payload.explain = reasons
        }
        return payload
    }

    func metricSummary(
        _ name: String, _ s: [(date: LocalDate, value: Double)], start: LocalDate, asOf: LocalDate,
        windowDays: Int, skip: (String, String) -> Void
    ) -> MetricSummary {
        func r(_ v: Double, _ places: Int) -> Double { JSON.rounded(v, places: places) }
        let values = s.map(\.value)
        var o = MetricSummary()
        (o.n, o.completeness) = (values.count, r(Double(values.count) / Double(windowDays), 3))
        o.baseline = r(Stats.median(values)!, 2)
        let recentStart = asOf.adding(days: -(BehaviorRules.recentDays - 1))
        o.recent = Stats.mean(s.filter { $0.date >= recentStart }.map(\.value)).map { r($0, 2) }
        let mad = Stats.mad(values)!
        var spread = Variability()
        (spread.cv, spread.mad) = (Stats.coefficientOfVariation(values).map { r($0, 4) }, r(mad, 2))
        o.variability = spread
        guard values.count >= BehaviorRules.minDaysForTrend else {
            skip("\(name).trend", "too few days (\(values.count), need \(BehaviorRules.minDaysForTrend))")
            return o
        }
        let x = s.map { Double($0.date.days(since: start)) }
        if let ts = Stats.theilSen(x: x, y: values), let mk = Stats.mannKendall(values) {
            var t = Trend()
            t.direction =
                mk.p < BehaviorRules.trendAlpha ? (ts.slope > 0 ? "rising" : ts.slope < 0 ? "falling" : "flat") : "flat"
            (t.slopePerWeek, t.pValue) = (r(ts.slope * 7, 3), r(mk.p, 5))
            o.trend = t
        }
        let median = Stats.median(values)!
        for (date, v) in s {
            guard let z = Stats.robustZ(v, median: median, mad: mad), abs(z) > BehaviorRules.anomalyZ else { continue }
            var a = Anomaly()
            (a.date, a.value, a.z, a.direction) = (date, r(v, 2), r(z, 2), z > 0 ? "high" : "low")
            o.anomalies.append(a)
        }
        if mad == 0 { skip("\(name).anomalies", "no spread (MAD 0)") }
        return o
    }

    struct Timing {
        var report = SleepTiming()
        var startSD: Double?
        var midSleepFree: Double?
        var socialJetLag: Double?
        var chronotype: String?
        var wake: Double?
        var bedtime: Double?
    }

    func sleepTiming(_ data: UserDays, start: LocalDate, asOf: LocalDate, skip: (String, String) -> Void) -> Timing {
        var t = Timing()
        for metric in ["sleep_start", "sleep_end"] {
            let s = data.clockSeries(metric, from: start, to: asOf).map(\.minutes)
            guard let m = CircularStats.mean(minutes: s), let sd = CircularStats.standardDeviation(minutes: s) else {
                skip(
                    metric,
                    s.isEmpty ? "no values in the window" : "no mean time: the times spread evenly round the clock")
                continue
            }
            let regularity = sd <= 30 ? "regular" : sd <= 60 ? "moderate" : "irregular"
            var c = ClockSummary()
            (c.mean, c.sdMin) = (ClockTime(minutes: Int(m.mean.rounded())), JSON.rounded(sd, places: 1))
            (c.n, c.regularity) = (s.count, regularity)
            if metric == "sleep_start" {
                t.report.sleepStart = c
                t.startSD = sd
                t.bedtime = m.mean
            } else {
                t.report.sleepEnd = c
                t.wake = m.mean
            }
        }
        // Mid-sleep per night, from the night's own start and end.
        let starts = Dictionary(
            uniqueKeysWithValues: data.clockSeries("sleep_start", from: start, to: asOf).map { ($0.date, $0.minutes) })
        var free: [Double] = []
        var work: [Double] = []
        for (date, end) in data.clockSeries("sleep_end", from: start, to: asOf) {
            guard let s = starts[date] else { continue }
            let length = (end - s + 1440).truncatingRemainder(dividingBy: 1440)
            let mid = (s + length / 2).truncatingRemainder(dividingBy: 1440)
            // A record's date is the wake day: waking on Saturday or Sunday follows a free night.
            if date.isWeekend { free.append(mid) } else { work.append(mid) }
        }
        if let f = CircularStats.mean(minutes: free), let w = CircularStats.mean(minutes: work), free.count >= 2,
            work.count >= 2
        {
            t.socialJetLag = CircularStats.difference(f.mean, w.mean)
            t.report.socialJetLagMin = JSON.rounded(t.socialJetLag!, places: 1)
            t.report.midSleepFree = ClockTime(minutes: Int(f.mean.rounded()))
            t.report.midSleepWork = ClockTime(minutes: Int(w.mean.rounded()))
            t.midSleepFree = f.mean
        } else if !(free.isEmpty && work.isEmpty) {
            skip("social_jet_lag", "needs two free and two work nights with sleep start and end")
        }
        if let msf = t.midSleepFree ?? CircularStats.mean(minutes: free + work)?.mean {
            // Mid-sleep on free days (MSF), after Roenneberg: before 03:00 early, after 05:00 late.
            // Measured from 15:00, so a mid-sleep after noon (a day sleeper) counts as late, not early.
            let fromAfternoon = (msf + 540).truncatingRemainder(dividingBy: 1440)
            t.chronotype = fromAfternoon < 720 ? "early" : fromAfternoon > 840 ? "late" : "intermediate"
            t.report.chronotype = t.chronotype
        }
        return t
    }

    func readiness(
        _ data: UserDays, asOf: LocalDate, start: LocalDate, need: Double,
        skip: (String, String) -> Void
    ) -> Readiness? {
        // The last three days against the user's own window baseline (median and robust spread).
        let recentStart = asOf.adding(days: -2)
        var drivers: [(effect: Double, driver: ReadinessDriver)] = []
        func r(_ v: Double, _ places: Int) -> Double { JSON.rounded(v, places: places) }
        var score = 65.0
        func component(_ metric: String, weight: Double, sign: Double) -> Bool {
            let s = data.series(metric, from: start, to: asOf)
            let base = s.filter { $0.date < recentStart }.map(\.value)
            let recent = s.filter { $0.date >= recentStart }.map(\.value)
            guard base.count >= 5, let b = Stats.median(base), let mad = Stats.mad(base), mad > 0,
                let r = Stats.mean(recent)
            else { return false }
            let z = max(-3, min(3, sign * (r - b) / (1.4826 * mad)))
            let effect = weight * z
            score += effect
            var d = ReadinessDriver()
            (d.metric, d.effect) = (metric, JSON.rounded(effect, places: 1))
            (d.recent, d.baseline, d.z) = (
                JSON.rounded(r, places: 1), JSON.rounded(b, places: 1), JSON.rounded(z, places: 2)
            )
            drivers.append((effect, d))
            return true
        }
        let hrv = component("hrv_rmssd_ms", weight: 12, sign: 1) || component("hrv_sdnn_ms", weight: 12, sign: 1)
        let rhr = component("resting_hr_bpm", weight: 8, sign: -1)
        var debtHours: Double?
        if let debt = SleepDebt.of(data, asOf: asOf, from: start, needMin: need)?.hours {
            debtHours = debt
            let effect = -2.5 * min(debt, 12)
            score += effect
            var d = ReadinessDriver()
            (d.metric, d.effect, d.recent, d.needMin) = ("sleep_debt_hours", r(effect, 1), r(debt, 1), need)
            drivers.append((effect, d))
        }
        guard hrv || rhr || debtHours != nil else {
            skip("readiness", "needs HRV, resting heart rate (5 baseline days each) or sleep duration")
            return nil
        }
        score = max(0, min(100, score))
        let state = score >= 70 ? "recovered" : score >= 45 ? "balanced" : "strained"
        var out = Readiness()
        (out.score, out.state, out.sleepDebtHours) = (score.rounded(), state, debtHours.map { r($0, 1) })
        out.drivers = drivers.sorted { abs($0.effect) > abs($1.effect) }.map(\.driver)
        return out
    }

    func signature(_ data: UserDays, start: LocalDate, asOf: LocalDate, timing: Timing) -> [SignatureLabel] {
        var labels: [SignatureLabel] = []
        func label(_ name: String, _ evidence: [String: JSON]) {
            labels.append(SignatureLabel(label: name, evidence: evidence))
        }
        let sleep = data.series("sleep_duration_min", from: start, to: asOf).map(\.value)
        if let sd = timing.startSD, let cv = Stats.coefficientOfVariation(sleep) {
            if sd <= 30, cv <= 0.1 {
                label(
                    "consistent sleeper",
                    ["sleep_start_sd_min": .number(sd, places: 1), "sleep_duration_cv": .number(cv, places: 3)])
            } else if sd > 60 {
                label("irregular sleeper", ["sleep_start_sd_min": .number(sd, places: 1)])
            }
        }
        if let m = Stats.median(sleep), sleep.count >= 7, m < 360 {
            label("short sleeper", ["median_sleep_min": .number(m, places: 0)])
        }
        let steps = data.series("steps", from: start, to: asOf)
        let weekend = steps.filter { $0.date.isWeekend }.map(\.value)
        let weekday = steps.filter { !$0.date.isWeekend }.map(\.value)
        if let we = Stats.mean(weekend), let wd = Stats.mean(weekday), weekend.count >= 2, weekday.count >= 4 {
            if we >= 1.3 * wd {
                label(
                    "weekend warrior",
                    ["weekend_steps": .number(we, places: 0), "weekday_steps": .number(wd, places: 0)])
            }
            if wd < 5000 { label("sedentary weekdays", ["weekday_steps": .number(wd, places: 0)]) }
            if let m = Stats.median(steps.map(\.value)), m >= 10000 {
                label("highly active", ["median_steps": .number(m, places: 0)])
            }
        }
        if let c = timing.chronotype, c != "intermediate", let msf = timing.midSleepFree {
            label("\(c) chronotype", ["mid_sleep_free": .string(ClockTime(minutes: Int(msf.rounded())).description)])
        }
        if let sjl = timing.socialJetLag, abs(sjl) >= 60 {
            label("social jet lag", ["minutes": .number(sjl, places: 0)])
        }
        return labels
    }

    func engagement(_ data: UserDays, start: LocalDate, asOf: LocalDate, windowDays: Int) -> Engagement {
        let logged = Set(data.days.keys.filter { $0 >= start && $0 <= asOf })
        var longestGap = 0
        var gap = 0
        var d = start
        while d <= asOf {
            if logged.contains(d) {
                gap = 0
            } else {
                gap += 1
                longestGap = max(longestGap, gap)
            }
            d = d.adding(days: 1)
        }
        var streak = 0
        d = asOf
        while logged.contains(d) {
            streak += 1
            d = d.adding(days: -1)
        }
        let share = Double(logged.count) / Double(windowDays)
        let level = share >= 0.85 ? "high" : share >= 0.6 ? "moderate" : "low"
        var e = Engagement()
        (e.daysLogged, e.share, e.level) = (logged.count, JSON.rounded(share, places: 3), level)
        (e.longestGapDays, e.currentStreakDays) = (longestGap, streak)
        return e
    }
}
