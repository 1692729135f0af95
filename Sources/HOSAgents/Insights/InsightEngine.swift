// hos-insights' analysis of one user: every kind's candidates, confidence, dedup against memory, priority, words.

import Glibc
import HOSCore

/// Everything the engine reads for one user and one analysis.
public struct InsightInput: Sendable {
    public var user: String
    public var archetype: Archetype
    public var asOf: LocalDate
    public var windowDays: Int
    public var days: UserDays
    /// The behaviour analysis payload, if one came.
    public var analysis: BehaviorAnalysisPayload?
    public var memory: InsightMemory
    /// The routine plan payload, if one came (its bedtime and exercise time go into actions).
    public var routine: RoutinePlanPayload?
    /// Feedback in the stream: insight id → useful.
    public var streamFeedback: [String: Bool]
    /// Insights seen in the stream: id → subject, direction.
    public var streamSubjects: [String: (subject: String, direction: String)]
    /// Ids this run already gave the user (an earlier generate_insights): not repeated.
    public var given: Set<String>

    public init(
        user: String, archetype: Archetype, asOf: LocalDate, windowDays: Int, days: UserDays,
        analysis: BehaviorAnalysisPayload? = nil, memory: InsightMemory = InsightMemory(),
        routine: RoutinePlanPayload? = nil,
        streamFeedback: [String: Bool] = [:], streamSubjects: [String: (subject: String, direction: String)] = [:],
        given: Set<String> = []
    ) {
        self.user = user
        self.archetype = archetype
        self.asOf = asOf
        self.windowDays = windowDays
        self.days = days
        self.analysis = analysis
        self.memory = memory
        self.routine = routine
        self.streamFeedback = streamFeedback
        self.streamSubjects = streamSubjects
        self.given = given
    }
}

/// One correlation test: every pair tested, reported or not (`--tests`).
public struct CorrelationTest: Sendable, Equatable {
    public var x: String
    public var y: String
    public var lag: Int
    public var n: Int
    public var rho: Double
    public var p: Double
    /// The test's weight in the weighted Benjamini–Hochberg procedure (the weights average 1).
    public var weight: Double
    public var q: Double
    public var reported: Bool

    public var json: JSON {
        [
            "x": .string(x), "y": .string(y), "lag_days": .number(Double(lag)), "n": .number(Double(n)),
            "rho": .number(rho, places: 6), "p_value": InsightEngine.significant(p),
            "weight": .number(weight, places: 6),
            "q_value": InsightEngine.significant(q),
            "reported": .bool(reported),
        ]
    }
}

/// What one analysis of one user gives.
public struct InsightResult: Sendable {
    /// The insights to write, highest priority first.
    public var insights: [Insight]
    /// Every correlation test, in the order tested.
    public var tests: [CorrelationTest]
    /// Insights left out because memory or this run gave them within the dedup days.
    public var suppressed: [String]
    /// Insights past --max-insights.
    public var capped: Int
}

/// The engine of hos-insights(1): a pure function of an `InsightInput`.
public struct InsightEngine {
    public let options: InsightOptions

    public init(options: InsightOptions = InsightOptions()) { self.options = options }

    /// The insights of one analysis; `kinds` restricts them (generate_insights).
    public func run(_ input: InsightInput, kinds: Set<String>? = nil) -> InsightResult {
        var (candidates, tests) = self.candidates(input)
        if let kinds { candidates = candidates.filter { kinds.contains($0.kind) } }
        var out: [Insight] = []
        var suppressed: [String] = []
        for var c in candidates {
            let id = c.id(user: input.user)
            let earlier = input.memory.subjects[c.subject]
            if let e = earlier, let d = e.direction {
                c.agreement = Self.sameDirection(d, c.direction) ? 1 : -1
            }
            if input.given.contains(id) {
                suppressed.append(id)
                continue
            }
            if let e = earlier, e.insightID == id, let seen = e.lastSeen,
                input.asOf.days(since: seen) < options.dedupDays
            {
                suppressed.append(id)
                continue
            }
            if let e = earlier, e.insightID != id {
                c.status = "changed"
                var prev: [String: JSON] = ["insight_id": .string(e.insightID)]
                if let d = e.direction { prev["direction"] = .string(d) }
                if let s = e.lastSeen { prev["last_seen"] = .string(s.description) }
                c.previous = prev
            }
            out.append(score(c, input))
        }
        out.sort { a, b in
            if a.priority != b.priority { return a.priority > b.priority }
            if a.confidence != b.confidence { return a.confidence > b.confidence }
            return a.id(user: input.user) < b.id(user: input.user)
        }
        var capped = 0
        if options.maxInsights > 0, out.count > options.maxInsights {
            capped = out.count - options.maxInsights
            out.removeLast(capped)
        }
        let voice = Voice(input.archetype)
        out = out.map { word($0, input: input, voice: voice) }
        return InsightResult(insights: out, tests: tests, suppressed: suppressed, capped: capped)
    }

    /// Directions that say the same: a streak reached and a record streak agree.
    static func sameDirection(_ a: String, _ b: String) -> Bool {
        a == b || (["reached", "record"].contains(a) && ["reached", "record"].contains(b))
    }

    /// The insight with its confidence and priority.
    func score(_ c: Insight, _ input: InsightInput) -> Insight {
        var c = c
        c.confidence = Insight.confidence(strength: c.strength, sample: c.sample, size: c.size, agreement: c.agreement)
        c.priority = Insight.priority(
            kind: c.kind, confidence: c.confidence, metrics: c.metrics,
            archetype: input.archetype, feedback: feedback(c.kind, input))
        return c
    }

    /// The user's marks on a kind: memory's counts when a memory_context came (hos-memory upstream has
    /// stored this stream's feedback before writing it), else the stream's own insight_feedback.
    func feedback(_ kind: String, _ input: InsightInput) -> (useful: Int, notUseful: Int)? {
        if input.memory.present { return input.memory.feedback[kind] }
        var yes = 0
        var no = 0
        for (id, useful) in input.streamFeedback {
            let subject = input.streamSubjects[id]?.subject ?? input.memory.subjectOfID[id]
            guard let subject, subject.hasPrefix(kind + ":") else { continue }
            if useful { yes += 1 } else { no += 1 }
        }
        return yes + no == 0 ? nil : (yes, no)
    }

    /// Every kind's candidates before dedup, and the correlation tests.
    public func candidates(_ input: InsightInput) -> ([Insight], [CorrelationTest]) {
        let spanStart = input.asOf.adding(days: -(max(options.correlationDays, input.windowDays) - 1))
        let span = DailySeries(input.days, from: spanStart, to: input.asOf)
        let windowStart = input.asOf.adding(days: -(input.windowDays - 1))
        let win = DailySeries(input.days, from: windowStart, to: input.asOf)
        var out: [Insight] = []
        let (correlations, tests) = self.correlations(input, span)
        out += correlations
        out += trends(input, win)
        out += milestones(input, span, win)
        out += progress(input, win)
        out += risks(input, win)
        return (out, tests)
    }

    // MARK: - Correlation

    /// Metrics taking part: enough values, enough variation, one per family; levers (with sleep) and outcomes
    /// (with sleep) capped, most days first.
    func correlationMetrics(_ s: DailySeries) -> (levers: [String], outcomes: [String]) {
        var eligible: [(String, Int)] = []
        for (name, values) in s.values {
            let present = values.filter { !$0.isNaN }
            guard present.count >= options.minPairs else { continue }
            var counts: [Double: Int] = [:]
            for v in present { counts[v, default: 0] += 1 }
            guard present.count - (counts.values.max() ?? 0) >= InsightRules.minVaryingDays else { continue }
            eligible.append((name, present.count))
        }
        let names = Set(eligible.map(\.0))
        // One member per family: the first present in the family's order.
        let kept = eligible.filter { name, _ in
            guard let f = MetricSemantics.family(name) else { return true }
            return MetricSemantics.families[f].first(where: names.contains) == name
        }
        let ordered = kept.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        let levers = ordered.filter { MetricSemantics.role($0.0) != .outcome }.prefix(options.maxLevers).map(\.0)
        let outcomes = ordered.filter { MetricSemantics.role($0.0) != .lever }.prefix(options.maxOutcomes).map(\.0)
        return (Array(levers), Array(outcomes))
    }

    /// The pairs tested, each lever before its outcome in time: same day, each lever with each outcome
    /// measured after it (or in the same night; two sleep metrics once per pair, in time order); next day,
    /// each lever on day d with each other outcome on day d + 1.
    func pairs(levers: [String], outcomes: [String]) -> [(x: String, y: String, lag: Int)] {
        var p: [(String, String, Int)] = []
        var seen: Set<[String]> = []
        for a in levers {
            for b in outcomes where b != a && options.precedes(a, b, lag: 0) && seen.insert([a, b].sorted()).inserted {
                p.append((a, b, 0))
            }
        }
        for a in levers {
            for b in outcomes where b != a { p.append((a, b, 1)) }
        }
        return p
    }

    func correlations(_ input: InsightInput, _ s: DailySeries) -> ([Insight], [CorrelationTest]) {
        let (levers, outcomes) = correlationMetrics(s)
        var residuals: [String: [Double]] = [:]
        for m in levers + outcomes {
            if let r = Adjustment.residuals(s.values[m]!, start: s.start) { residuals[m] = r }
        }
        struct Pair {
            var x: String, y: String, lag: Int
            var xs: [Double], ys: [Double], rawY: [Double]
            var rho: Double, p: Double
        }
        var tested: [Pair] = []
        for (x, y, lag) in pairs(levers: levers, outcomes: outcomes) {
            guard let rx = residuals[x], let ry = residuals[y], let rawY = s.values[y] else { continue }
            var xs: [Double] = []
            var ys: [Double] = []
            var raw: [Double] = []
            for i in 0..<(s.count - lag) where !rx[i].isNaN && !ry[i + lag].isNaN {
                xs.append(rx[i])
                ys.append(ry[i + lag])
                raw.append(rawY[i + lag])
            }
            guard xs.count >= options.minPairs, let sp = Stats.spearman(xs, ys) else { continue }
            tested.append(Pair(x: x, y: y, lag: lag, xs: xs, ys: ys, rawY: raw, rho: sp.rho, p: sp.p))
        }
        let (weights, q) = Stats.weightedBenjaminiHochberg(
            tested.map(\.p), weights: tested.map { MetricSemantics.isKnown($0.x, $0.y) ? options.knownWeight : 1 })
        var tests: [CorrelationTest] = []
        var insights: [Insight] = []
        for (k, t) in tested.enumerated() {
            let reported = q[k] <= options.fdr && abs(t.rho) >= options.minEffect
            tests.append(
                CorrelationTest(
                    x: t.x, y: t.y, lag: t.lag, n: t.xs.count, rho: t.rho, p: t.p, weight: weights[k],
                    q: q[k], reported: reported))
            guard reported else { continue }
            let strength = InsightRules.strength(t.rho)
            var c = Insight(
                kind: "correlation", subject: "correlation:\(t.x):\(t.y):\(t.lag)",
                direction: t.rho > 0 ? "positive" : "negative", sizeClass: strength, metrics: [t.x, t.y],
                evidence: [
                    "statistic": "spearman_rho", "effect": .number(t.rho, places: 3), "p_value": Self.significant(t.p),
                    "q_value": Self.significant(q[k]), "weight": .number(weights[k], places: 4),
                    "n": .number(Double(t.xs.count)),
                    "tests": .number(Double(tested.count)), "fdr": .number(options.fdr),
                    "lag_days": .number(Double(t.lag)),
                    "x": .string(t.x), "y": .string(t.y),
                    "adjusted": "Theil–Sen line and weekend or weekday median removed",
                ],
                strength: 1 - q[k], sample: Insight.sample(t.xs.count), size: min(1, abs(t.rho) / 0.5))
            // The size in the metric's own units: y after the lever's higher half of days against its lower half.
            let median = Stats.median(t.xs)!
            let high = zip(t.xs, t.rawY).filter { $0.0 > median }.map(\.1)
            let low = zip(t.xs, t.rawY).filter { $0.0 < median }.map(\.1)
            if let h = Stats.mean(high), let l = Stats.mean(low), !MetricSemantics.isClock(t.y) {
                c.words["y_high"] = h
                c.words["y_low"] = l
                c.evidence["split"] = [
                    "y_mean_after_high_x": .number(h, places: 2), "y_mean_after_low_x": .number(l, places: 2),
                    "days_high": .number(Double(high.count)), "days_low": .number(Double(low.count)),
                ]
            }
            if let xm = Stats.median(s.points(t.x).map(\.value)) { c.words["x_median"] = xm }
            c.notes["strength"] = strength
            insights.append(c)
        }
        return (insights, tests)
    }

    // MARK: - Trend

    /// Goal metrics of the archetype, one per family.
    func goalMetrics(_ input: InsightInput, _ s: DailySeries) -> [String] {
        let names = Set(s.values.keys)
        return names.filter { name in
            guard MetricSemantics.goal(name, for: input.archetype) != 0 else { return false }
            guard let f = MetricSemantics.family(name) else { return true }
            return MetricSemantics.families[f].first(where: names.contains) == name
        }.sorted()
    }

    func trends(_ input: InsightInput, _ s: DailySeries) -> [Insight] {
        struct T {
            var metric: String
            var n: Int
            var slope: Double
            var p: Double
            var sd: Double
            var change: Double
            var span: Int
        }
        var tested: [T] = []
        for m in goalMetrics(input, s) {
            let pts = s.points(m)
            guard pts.count >= options.minPairs else { continue }
            let x = pts.map { Double($0.index) }
            let y = pts.map(\.value)
            guard let ts = Stats.theilSen(x: x, y: y), let mk = Stats.mannKendall(y) else { continue }
            let sd = robustSD(y)
            let span = pts.last!.index - pts.first!.index
            tested.append(
                T(metric: m, n: y.count, slope: ts.slope, p: mk.p, sd: sd, change: ts.slope * Double(span), span: span))
        }
        let q = Stats.benjaminiHochberg(tested.map(\.p))
        var out: [Insight] = []
        for (k, t) in tested.enumerated() {
            guard q[k] <= options.fdr, t.slope != 0, t.sd > 0, abs(t.change) >= InsightRules.materialShare * t.sd else {
                continue
            }
            let goal = MetricSemantics.goal(t.metric, for: input.archetype)
            let improving = (t.slope > 0 ? 1 : -1) == goal
            let ratio = abs(t.change) / t.sd
            var c = Insight(
                kind: "trend", subject: "trend:\(t.metric)", direction: improving ? "improving" : "worsening",
                sizeClass: ratio >= 1 ? "large" : ratio >= 0.5 ? "medium" : "small", metrics: [t.metric],
                evidence: [
                    "statistic": "mann_kendall", "p_value": Self.significant(t.p), "q_value": Self.significant(q[k]),
                    "n": .number(Double(t.n)), "effect": .number(t.slope * 7, places: 4),
                    "effect_unit": "per week (Theil–Sen)", "tests": .number(Double(tested.count)),
                    "change_over_window": .number(t.change, places: 3), "robust_sd": .number(t.sd, places: 3),
                ],
                strength: 1 - q[k], sample: Insight.sample(t.n), size: min(1, ratio))
            c.words["slope_week"] = t.slope * 7
            c.words["change"] = t.change
            c.words["days"] = Double(t.span + 1)
            out.append(c)
        }
        return out
    }

    /// 1.4826 × MAD, or the sample SD when the MAD is 0.
    func robustSD(_ y: [Double]) -> Double {
        let mad = Stats.mad(y) ?? 0
        return mad > 0 ? 1.4826 * mad : Stats.standardDeviation(y) ?? 0
    }

    // MARK: - Milestone

    func milestones(_ input: InsightInput, _ span: DailySeries, _ win: DailySeries) -> [Insight] {
        var out: [Insight] = []
        let policy = ArchetypePolicy.of(input.archetype)
        func streak(_ met: (Int) -> Bool?) -> Int { trailingRun(count: span.count, met) }
        func milestone(_ key: String, metric: String?, days: Int, target: Double?, minLevel: Int) {
            guard let level = InsightRules.streakLevels.last(where: { $0 <= days }), level >= minLevel else { return }
            let subject = "milestone:streak:\(key)"
            let best = input.memory.subjects[subject]?.best
            let record = best.map { Double(days) > $0 } ?? false
            var evidence: [String: JSON] = [
                "statistic": "streak_days", "value": .number(Double(days)), "n": .number(Double(days)),
                "effect": .number(Double(level)), "level": .number(Double(level)),
            ]
            if let target { evidence["target"] = .number(target) }
            if let best { evidence["previous_best"] = .number(best) }
            var c = Insight(
                kind: "milestone", subject: subject, direction: record ? "record" : "reached",
                sizeClass: String(level), metrics: metric.map { [$0] } ?? [], evidence: evidence,
                strength: 1, sample: Insight.sample(days), size: min(1, Double(days) / 30))
            c.words["days"] = Double(days)
            c.words["level"] = Double(level)
            if let target { c.words["target"] = target }
            if let best { c.words["best"] = best }
            c.notes["key"] = key
            out.append(c)
        }
        for (metric, target) in policy.targets.sorted(by: { $0.key < $1.key }) {
            guard let values = span.values[metric] else { continue }
            milestone(
                metric, metric: metric, days: streak { values[$0].isNaN ? nil : values[$0] >= target }, target: target,
                minLevel: InsightRules.targetStreakFrom)
        }
        let logged = Set(input.days.days.keys)
        milestone(
            "logging", metric: nil, days: streak { logged.contains(span.date($0)) }, target: nil,
            minLevel: InsightRules.loggingStreakFrom)

        // Best week on record: a 7-day mean ending in the last 14 days that beats every earlier analysis' one;
        // the two that beat it by most, when memory has enough weeks to make a record mean something.
        var bestWeeks: [Insight] = []
        for metric in goalMetrics(input, win) where !MetricSemantics.isClock(metric) {
            guard let history = input.memory.metrics[metric], history.analyses >= InsightRules.bestWeekAnalyses,
                let values = win.values[metric]
            else { continue }
            let goal = MetricSemantics.goal(metric, for: input.archetype)
            guard let onRecord = goal > 0 ? history.max : history.min else { continue }
            var best: (mean: Double, end: Int)?
            // A window shorter than a week (window_days 1–6) has no week to compare.
            guard win.count >= InsightRules.weekDays else { continue }
            for end in max(InsightRules.weekDays - 1, win.count - 14)..<win.count {
                let week = values[(end - InsightRules.weekDays + 1)...end].filter { !$0.isNaN }
                guard week.count >= InsightRules.minWeekValues, let m = Stats.mean(Array(week)) else { continue }
                if best == nil || (goal > 0 ? m > best!.mean : m < best!.mean) { best = (m, end) }
            }
            guard let b = best else { continue }
            let sd = robustSD(values.filter { !$0.isNaN })
            let margin = goal > 0 ? b.mean - onRecord.value : onRecord.value - b.mean
            guard margin > 0, sd > 0, margin >= InsightRules.materialShare * sd else { continue }
            var c = Insight(
                kind: "milestone", subject: "milestone:best_week:\(metric)", direction: "record",
                sizeClass: JSON.number(b.mean, places: 1).text, metrics: [metric],
                evidence: [
                    "statistic": "best_7_day_mean", "week_mean": .number(b.mean, places: 2),
                    "week_end": .string(win.date(b.end).description),
                    "previous_best": .number(onRecord.value, places: 2),
                    "previous_best_as_of": .string(onRecord.asOf.description), "n": .number(Double(history.analyses)),
                    "effect": .number(margin / sd, places: 3),
                ],
                strength: 1, sample: Insight.sample(7 * history.analyses), size: min(1, margin / sd))
            c.words["mean"] = b.mean
            c.words["previous"] = onRecord.value
            c.notes["previous_as_of"] = onRecord.asOf.description
            c.notes["week_end"] = win.date(b.end).description
            bestWeeks.append(c)
        }
        bestWeeks.sort { $0.size != $1.size ? $0.size > $1.size : $0.subject < $1.subject }
        return out + bestWeeks.prefix(InsightRules.bestWeeksAtMost)
    }

    // MARK: - Progress

    func progress(_ input: InsightInput, _ win: DailySeries) -> [Insight] {
        struct P {
            var metric: String
            var current: Double
            var delta: Double
            var sd: Double
            var n: Int
            var p: Double
            var ref: (asOf: LocalDate, baseline: Double, recent: Double?, n: Int?)
        }
        var tested: [P] = []
        for metric in goalMetrics(input, win) where !MetricSemantics.isClock(metric) {
            guard let ref = input.memory.metrics[metric]?.ref else { continue }
            let y = win.points(metric).map(\.value)
            guard y.count >= options.minPairs / 2, let current = Stats.median(y) else { continue }
            let sd = robustSD(y)
            guard sd > 0 else { continue }
            let delta = current - ref.baseline
            // Two medians, each with standard error 1.2533 σ / √n (the reference's n from memory, else the same n).
            let refN = Double(max(1, ref.n ?? y.count))
            let z = delta / (1.2533 * sd * (1 / Double(y.count) + 1 / refN).squareRoot())
            tested.append(
                P(metric: metric, current: current, delta: delta, sd: sd, n: y.count, p: Stats.twoSidedP(z), ref: ref))
        }
        let q = Stats.benjaminiHochberg(tested.map(\.p))
        var out: [Insight] = []
        for (k, t) in tested.enumerated() {
            guard q[k] <= options.fdr, abs(t.delta) >= InsightRules.materialShare * t.sd else { continue }
            let goal = MetricSemantics.goal(t.metric, for: input.archetype)
            let improving = (t.delta > 0 ? 1 : -1) == goal
            let ratio = abs(t.delta) / t.sd
            var c = Insight(
                kind: "progress", subject: "progress:\(t.metric)", direction: improving ? "improving" : "worsening",
                sizeClass: ratio >= 1 ? "large" : ratio >= 0.5 ? "medium" : "small", metrics: [t.metric],
                evidence: [
                    "statistic": "median_change", "effect": .number(t.delta, places: 3),
                    "p_value": Self.significant(t.p),
                    "q_value": Self.significant(q[k]), "tests": .number(Double(tested.count)),
                    "n": .number(Double(t.n)), "current_median": .number(t.current, places: 2),
                    "reference_median": .number(t.ref.baseline, places: 2),
                    "reference_as_of": .string(t.ref.asOf.description), "robust_sd": .number(t.sd, places: 3),
                ],
                strength: 1 - q[k], sample: Insight.sample(t.n), size: min(1, ratio))
            c.words["current"] = t.current
            c.words["reference"] = t.ref.baseline
            c.words["delta"] = t.delta
            c.notes["reference_as_of"] = t.ref.asOf.description
            out.append(c)
        }
        return out
    }

    // MARK: - Anomaly and risk

    /// A robust baseline from the window's days before the last 7: median and 1.4826 × MAD; nil below 10 values.
    func baseline(_ values: [Double]) -> (median: Double, sd: Double, values: [Double])? {
        let before = values.dropLast(7).filter { !$0.isNaN }
        guard before.count >= InsightRules.minBaselineValues, let m = Stats.median(Array(before)),
            let mad = Stats.mad(Array(before)), mad > 0
        else {
            return nil
        }
        return (m, 1.4826 * mad, Array(before))
    }

    /// Consecutive days back from the latest day (which must be as_of or the day before) where `hit` holds.
    func trailingRun(count: Int, _ hit: (Int) -> Bool?) -> Int {
        var i = count - 1
        // The latest day may be missing: a run can end yesterday.
        if hit(i) == nil { i -= 1 }
        var n = 0
        while i >= 0, hit(i) == true {
            n += 1
            i -= 1
        }
        return n
    }

    static func runClass(_ days: Int) -> String { InsightRules.runClass(days) }

    /// Risks (strain, sleep debt) and sustained anomalies in the window.
    func risks(_ input: InsightInput, _ win: DailySeries) -> [Insight] {
        let strain = strainRisk(input, win)
        // A strain insight covers its two metrics: no anomaly repeats them.
        let covered: Set<String> = strain.map { Set($0.metrics) } ?? []
        return [strain, sleepDebtRisk(input, win)].compactMap { $0 } + anomalies(input, win, covered: covered)
    }

    /// Strain: resting HR at least 1 robust SD up and HRV 1 down together for several days in a row.
    func strainRisk(_ input: InsightInput, _ win: DailySeries) -> Insight? {
        let hrvName = win.values["hrv_rmssd_ms"] != nil ? "hrv_rmssd_ms" : "hrv_sdnn_ms"
        guard let rhr = win.values["resting_hr_bpm"], let hrv = win.values[hrvName], let br = baseline(rhr),
            let bh = baseline(hrv)
        else { return nil }
        let run = trailingRun(count: win.count) { i in
            guard !rhr[i].isNaN, !hrv[i].isNaN else { return nil }
            return (rhr[i] - br.median) / br.sd >= InsightRules.strainZ
                && (hrv[i] - bh.median) / bh.sd <= -InsightRules.strainZ
        }
        guard run >= InsightRules.anomalyDays else { return nil }
        // Chance of one such day under the baseline days, smoothed, to the run's length, over 7 places.
        var joint = 0
        var both = 0
        for i in 0..<(win.count - 7) where !rhr[i].isNaN && !hrv[i].isNaN {
            both += 1
            if (rhr[i] - br.median) / br.sd >= InsightRules.strainZ
                && (hrv[i] - bh.median) / bh.sd <= -InsightRules.strainZ
            {
                joint += 1
            }
        }
        let share = Double(joint + 1) / Double(both + 2)
        let p = min(1, pow(share, Double(run)) * 7)
        let recent = (win.count - run..<win.count)
        let rhrRecent = Stats.mean(recent.map { rhr[$0] }.filter { !$0.isNaN }) ?? br.median
        let hrvRecent = Stats.mean(recent.map { hrv[$0] }.filter { !$0.isNaN }) ?? bh.median
        var evidence: [String: JSON] = [
            "statistic": "days_rhr_up_hrv_down", "n": .number(Double(run)), "p_value": Self.significant(p),
            "effect": .number(((rhrRecent - br.median) / br.sd - (hrvRecent - bh.median) / bh.sd) / 2, places: 3),
            "resting_hr_recent": .number(rhrRecent, places: 1), "resting_hr_baseline": .number(br.median, places: 1),
            "hrv_recent": .number(hrvRecent, places: 1), "hrv_baseline": .number(bh.median, places: 1),
        ]
        if let state = input.analysis?.readiness?.state {
            evidence["readiness_state"] = .string(state)
        }
        var c = Insight(
            kind: "risk", subject: "risk:strain", direction: "elevated", sizeClass: Self.runClass(run),
            metrics: ["resting_hr_bpm", hrvName], evidence: evidence, strength: 1 - p,
            sample: Insight.sample(br.values.count), size: min(1, abs(evidence["effect"]!.doubleValue!) / 2))
        c.words = [
            "days": Double(run), "rhr": rhrRecent, "rhr_base": br.median, "hrv": hrvRecent, "hrv_base": bh.median,
        ]
        c.notes["hrv"] = hrvName
        return c
    }

    /// Sleep debt (`SleepDebt`, as readiness has it) over the last 7 nights, 5 of them logged at least.
    func sleepDebtRisk(_ input: InsightInput, _ win: DailySeries) -> Insight? {
        let need = ArchetypePolicy.of(input.archetype).sleepNeedMin
        guard let last = SleepDebt.of(input.days, asOf: win.end, from: win.start, needMin: need),
            last.logged >= InsightRules.sleepDebtNights, last.hours >= InsightRules.sleepDebtHours
        else { return nil }
        let before = SleepDebt.of(input.days, asOf: win.end.adding(days: -7), from: win.start, needMin: need)
        var c = Insight(
            kind: "risk", subject: "risk:sleep_debt", direction: "elevated",
            sizeClass: "\(Int(last.hours / 5) * 5)h", metrics: ["sleep_duration_min"],
            evidence: [
                "statistic": "sleep_debt_hours_7d", "effect": .number(last.rounded),
                "n": .number(Double(last.logged)), "need_min": .number(need),
                "previous_7d_hours": before.map { .number($0.rounded) } ?? .null,
            ],
            strength: Double(last.logged) / 7, sample: Insight.sample(last.logged),
            size: min(1, last.hours / 10))
        c.words = ["hours": last.rounded, "need": need, "nights": Double(last.logged)]
        if let before, before.logged >= InsightRules.sleepDebtNights { c.words["before"] = before.rounded }
        return c
    }

    /// Sustained anomalies: a metric beyond |z| ≥ 2 the same way for several days, where that way is worse;
    /// `covered` metrics are left to the strain risk.
    func anomalies(_ input: InsightInput, _ win: DailySeries, covered: Set<String>) -> [Insight] {
        var out: [Insight] = []
        for metric in win.values.keys.sorted() where !covered.contains(metric) && !MetricSemantics.isClock(metric) {
            let goal = MetricSemantics.goal(metric, for: input.archetype)
            guard goal != 0 || MetricSemantics.role(metric) == .outcome else { continue }
            if let f = MetricSemantics.family(metric),
                MetricSemantics.families[f].first(where: { win.values[$0] != nil }) != metric
            {
                continue
            }
            let values = win.values[metric]!
            guard let b = baseline(values) else { continue }
            for sign in [1.0, -1.0] where goal == 0 || Int(sign) == -goal {
                let run = trailingRun(count: win.count) { i in
                    values[i].isNaN ? nil : sign * (values[i] - b.median) / b.sd >= InsightRules.anomalyZ
                }
                guard run >= InsightRules.anomalyDays else { continue }
                let beyond = b.values.filter { sign * ($0 - b.median) / b.sd >= InsightRules.anomalyZ }.count
                let share = Double(beyond + 1) / Double(b.values.count + 2)
                let p = min(1, pow(share, Double(run)) * 7)
                let recent = (win.count - run - 1..<win.count).map { values[$0] }.filter { !$0.isNaN }.suffix(run)
                let mean = Stats.mean(Array(recent)) ?? b.median
                let z = (mean - b.median) / b.sd
                var c = Insight(
                    kind: "anomaly", subject: "anomaly:\(metric)", direction: sign > 0 ? "high" : "low",
                    sizeClass: Self.runClass(run), metrics: [metric],
                    evidence: [
                        "statistic": "days_beyond_robust_z_2", "n": .number(Double(run)),
                        "p_value": Self.significant(p), "effect": .number(z, places: 2),
                        "recent_mean": .number(mean, places: 2), "baseline": .number(b.median, places: 2),
                    ],
                    strength: 1 - p, sample: Insight.sample(b.values.count), size: min(1, abs(z) / 3))
                c.words = ["days": Double(run), "mean": mean, "baseline": b.median]
                out.append(c)
            }
        }
        return out
    }

    /// A p- or q-value with 4 significant digits, so tiny values keep their size.
    static func significant(_ v: Double) -> JSON {
        guard v.isFinite else { return .null }
        guard v > 0 else { return .number(0) }
        let e = Int(log10(v).rounded(.down))
        let scale = pow(10, Double(3 - e))
        return .number((v * scale).rounded() / scale)
    }
}

extension MetricSemantics {
    /// Clock metrics ("HH:MM"), whose series hold minutes from their circular mean.
    public static func isClock(_ metric: String) -> Bool { Metrics.metric(named: metric)?.kind == .clock }
}
