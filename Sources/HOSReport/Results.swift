// Typed views of the agents' results that the report shows: absent fields stay absent, a field of the wrong
// type is bad input named by its path (payload.metrics.steps.baseline), so nothing is shown half-read.

import HOSCore

/// A `behavior_analysis` as the report shows it.
public struct BehaviorResult: Sendable, Equatable {
    public var asOf: LocalDate?
    public var windowStart: LocalDate?
    public var windowEnd: LocalDate?
    public var readiness: Readiness?
    public var metrics: [String: MetricSummary] = [:]
    public var signature: [String] = []
    public var engagementLevel: String?
    public var engagementShare: Double?
    public var sleepStart: ClockTime?
    public var sleepEnd: ClockTime?
    public var sleepStartRegularity: String?
    public var chronotype: String?
    public var socialJetLagMin: Double?
    /// What could not be computed, and why, in the analysis' order.
    public var notComputed: [NotComputed] = []

    init(_ p: Fields) throws(EventProblem) {
        let a = try BehaviorAnalysisPayload(p)
        notComputed = a.notComputed
        (asOf, windowStart, windowEnd) = (a.asOf, a.window?.start, a.window?.end)
        (readiness, metrics, signature) = (a.readiness, a.metrics, a.signature.map(\.label))
        (engagementLevel, engagementShare) = (a.engagement?.level, a.engagement?.share)
        let t = a.sleepTiming
        (sleepStart, sleepStartRegularity, sleepEnd) = (
            t?.sleepStart?.mean, t?.sleepStart?.regularity, t?.sleepEnd?.mean
        )
        (chronotype, socialJetLagMin) = (t?.chronotype, t?.socialJetLagMin)
    }
}

/// A strategy variant of a plan item: the experiment's dimension and the arm used.
public struct Variant: Sendable, Equatable {
    public var dimension: String
    public var arm: String
}

/// One item of a routine plan.
public struct RoutineItem: Sendable, Equatable {
    public var itemID: String
    public var category: String
    public var start: ClockTime
    public var durationMin: Double
    public var intensity: Double?
    public var title: String
    public var why: String?
    /// Sorted by dimension.
    public var variant: [Variant] = []
    /// The plan's days this item is for; nil: every day.
    public var days: [LocalDate]? = nil

    /// The title, with the weekdays the item is for when not every day: "Evening run (mon, wed)".
    public var titleWithDays: String {
        guard let days, !days.isEmpty else { return title }
        return title + " (" + days.map { LocalDate.weekdayNames[$0.weekday - 1] }.joined(separator: ", ") + ")"
    }

    /// The end as a time of day (it may pass midnight).
    public var end: ClockTime { ClockTime(minutes: start.minutes + Int(durationMin.rounded())) }
}

/// A `routine_plan` payload.
public struct RoutineResult: Sendable, Equatable {
    public var planID: String?
    public var date: LocalDate?
    public var difficulty: Double?
    public var focus: String?
    public var wake: ClockTime?
    public var bedtime: ClockTime?
    /// In the plan's order: the day's order from wake.
    public var items: [RoutineItem] = []

    init(_ p: Fields) throws(EventProblem) {
        let plan = try RoutinePlanPayload(p)
        (planID, date, difficulty, focus) = (plan.planID, plan.date, plan.difficulty.map(Double.init), plan.focus)
        (wake, bedtime) = (plan.wake, plan.bedtime)
        for (i, f) in plan.items.enumerated() {
            let at = "\(p.path).items[\(i)]"
            guard let start = f.start else { throw EventProblem("missing \(at).start") }
            guard let minutes = f.durationMin else { throw EventProblem("missing \(at).duration_min") }
            guard (0...1440).contains(minutes) else { throw EventProblem("\(at).duration_min must be within 0–1440") }
            if let n = f.intensity, !(0...5).contains(n) { throw EventProblem("\(at).intensity must be within 0–5") }
            items.append(
                RoutineItem(
                    itemID: f.itemID, category: f.category.isEmpty ? "other" : f.category, start: start,
                    durationMin: minutes,
                    intensity: f.intensity.map(Double.init), title: f.title ?? "", why: f.why,
                    variant: f.variant.keys.sorted().map { Variant(dimension: $0, arm: f.variant[$0]!) },
                    days: f.days))
        }
    }
}

/// A meal of a nutrition plan.
public struct Meal: Sendable, Equatable {
    public var name: String
    public var time: ClockTime?
    public var kcal: Double?
    public var proteinG: Double?
    public var focus: String?
}

/// A nutrition target: name (energy_kcal, protein_g, …), value and unit.
public struct Target: Sendable, Equatable {
    public var name: String
    public var value: Double
    public var unit: String
}

/// A `nutrition_plan` payload.
public struct NutritionResult: Sendable, Equatable {
    public var planID: String?
    public var date: LocalDate?
    public var energyKcal: Double?
    public var goal: String?
    public var proteinG: Double?
    public var carbsG: Double?
    public var fatG: Double?
    public var fiberG: Double?
    public var hydrationMl: Double?
    public var meals: [Meal] = []

    init(_ p: Fields) throws(EventProblem) {
        let n = try NutritionPlanPayload(p)
        (planID, date, energyKcal, goal, hydrationMl) = (n.planID, n.date, n.energyKcal, n.goal, n.hydrationMl)
        (proteinG, carbsG) = (n.macros?.proteinG, n.macros?.carbsG)
        (fatG, fiberG) = (n.macros?.fatG, n.macros?.fiberG)
        meals = n.meals.enumerated().map { i, m in
            Meal(name: m.name ?? "meal \(i + 1)", time: m.time, kcal: m.kcal, proteinG: m.proteinG, focus: m.focus)
        }
    }

    /// The targets in a fixed order.
    public var targets: [Target] {
        let all: [(String, Double?, String)] = [
            ("energy_kcal", energyKcal, "kcal"), ("protein_g", proteinG, "g"), ("carbs_g", carbsG, "g"),
            ("fat_g", fatG, "g"), ("fiber_g", fiberG, "g"), ("hydration_ml", hydrationMl, "ml"),
        ]
        return all.compactMap { n, v, u in v.map { Target(name: n, value: $0, unit: u) } }
    }
}

/// An `insight` payload.
public struct InsightResult: Sendable, Equatable {
    public var insightID: String
    public var kind: String?
    public var title: String
    public var detail: String?
    public var confidence: Double?
    public var action: String?
    /// As written: a number or a word.
    public var priority: String?
    public var statistic: String?
    public var n: Double?
    public var pValue: Double?
    public var effect: String?

    init(_ p: Fields) throws(EventProblem) {
        let i = try InsightPayload(p)
        (kind, title, detail, action, confidence) = (i.kind, i.title ?? "", i.detail, i.action, i.confidence)
        priority = try p.text("priority")
        if !i.evidence.isEmpty, let e = try p.object("evidence") {
            statistic = try e.text("statistic")
            n = try e.number("n")
            pValue = try e.number("p_value", in: 0...1)
            effect = try e.text("effect")
        }
        // Without an id, the content names the insight, as hos-insights' own ids do.
        insightID =
            i.insightID.isEmpty
            ? "i-" + StableHash.hex(StableHash.of(kind ?? "", title, detail ?? "", action ?? "")) : i.insightID
    }
}

/// One arm of an A/B experiment.
public struct Arm: Sendable, Equatable {
    public var arm: String
    public var successes: Double?
    public var failures: Double?
    public var pBest: Double?
}

/// A per-user experiment of hos-adapt (Thompson sampling over arms).
public struct Experiment: Sendable, Equatable {
    public var dimension: String
    public var arms: [Arm]
    public var chosen: String?
    public var propensity: Double?
}

/// A point of the learning curve: adherence on a day.
public struct AdherencePoint: Sendable, Equatable {
    public var date: LocalDate
    public var adherence: Double
    public var n: Double?
}

/// What hos-adapt learned of a person on one strategy dimension: the arm it chose, that arm's posterior mean,
/// and the person's evidence on it.
public struct LearnedArm: Sendable, Equatable {
    public var dimension: String
    public var arm: String
    public var mean: Double
    /// successes + failures of the arm: the person's feedbacks on it, weighted as hos-adapt weighs them.
    public var evidence: Double
    /// Plans whose items carried the arm.
    public var pulls: Int
}

/// One category's intensity tolerance as hos-adapt learned it (the payload's `tolerance`).
public struct ToleranceResult: Sendable, Equatable {
    public var category: String
    /// The highest intensity the person keeps to; nil: none learned yet.
    public var maxIntensity: Int?
    /// Feedbacks the tolerance rests on.
    public var evidence: Double?
    public var state: String?
    public var reason: String?
}

/// One plan item's verdict as hos-adapt gave it (the payload's `items`): keep, adapt or replace.
public struct ItemVerdict: Sendable, Equatable {
    public var item: String
    public var category: String?
    /// Completion 0–1 over `n` feedbacks.
    public var completion: Double?
    public var n: Double?
    public var verdict: String?
    public var action: String?
    public var reason: String?
}

/// An `adaptation` payload.
public struct AdaptationResult: Sendable, Equatable {
    public var difficultyFrom: String?
    public var difficultyTo: String?
    public var difficultyReason: String?
    public var experiments: [Experiment] = []
    public var predictedMean: Double?
    public var predictedLow: Double?
    public var predictedHigh: Double?
    /// effectiveness.adherence, sorted by date.
    public var curve: [AdherencePoint] = []
    public var lift: Double?
    /// Per dimension, the chosen arm with its posterior, when the payload gives one.
    public var learned: [LearnedArm] = []
    public var archetypeSwitch: ArchetypeSwitchReport?
    public var tolerance: [ToleranceResult] = []
    public var items: [ItemVerdict] = []

    init(_ p: Fields) throws(EventProblem) {
        let a = try AdaptationPayload(p)
        learned = a.experiments.compactMap { e in
            // A posterior has alpha ≥ 1; without one (an older or hand-made payload) nothing was learned to show.
            guard let arm = e.chosen, let r = e.arms.first(where: { $0.arm == arm }), r.alpha > 0, r.beta > 0 else {
                return nil
            }
            return LearnedArm(
                dimension: e.dimension, arm: arm, mean: r.alpha / (r.alpha + r.beta),
                evidence: r.successes + r.failures,
                pulls: r.pulls)
        }
        archetypeSwitch = a.archetypeSwitch
        // Read through the contract with the rest of the payload (a field of the wrong type stops the report
        // with its path); an empty string stands for a field hos-adapt left out.
        func given(_ s: String) -> String? { s.isEmpty ? nil : s }
        tolerance = a.tolerance.map { t in
            ToleranceResult(
                category: t.category, maxIntensity: t.maxIntensity, evidence: Double(t.evidence),
                state: given(t.state), reason: given(t.reason))
        }
        items = a.items.map { i in
            ItemVerdict(
                item: i.item, category: given(i.category), completion: i.completion, n: Double(i.n),
                verdict: given(i.verdict), action: given(i.action), reason: given(i.reason))
        }
        if let d = a.difficulty {
            (difficultyFrom, difficultyTo) = (String(d.from), String(d.to))
            difficultyReason = d.reason.isEmpty ? nil : d.reason
        }
        experiments = a.experiments.map { e in
            Experiment(
                dimension: e.dimension,
                arms: e.arms.map { Arm(arm: $0.arm, successes: $0.successes, failures: $0.failures, pBest: $0.pBest) },
                chosen: e.chosen, propensity: e.propensity)
        }
        if let pa = a.predictedAdherence { (predictedMean, predictedLow, predictedHigh) = (pa.mean, pa.low, pa.high) }
        if let eff = a.effectiveness {
            for (i, point) in eff.adherence.enumerated() {
                let at = "\(p.path).effectiveness.adherence[\(i)]"
                guard let date = point.date else { throw EventProblem("missing \(at).date") }
                guard let value = point.adherence else { throw EventProblem("missing \(at).adherence") }
                guard (0...1).contains(value) else { throw EventProblem("\(at).adherence must be within 0–1") }
                curve.append(AdherencePoint(date: date, adherence: value, n: Double(point.n)))
            }
            curve.sort { $0.date < $1.date }
            lift = eff.lift
        }
    }

}

/// A long-term preference with a single value.
public struct Preference: Sendable, Equatable {
    public var name: String
    public var value: String
}

/// A `memory_context` payload, the little of it a person wants to see.
public struct MemoryResult: Sendable, Equatable {
    public var analysesTotal: Double?
    public var difficulty: String?
    /// Sorted by name.
    public var preferences: [Preference] = []

    init(_ p: Fields) throws(EventProblem) {
        let c = try MemoryContextPayload(p)
        analysesTotal = c.history?.analysesTotal.map(Double.init)
        difficulty = c.adaptationState?.difficulty.map(String.init)
        for (name, pref) in (c.longTerm?.preferences ?? [:]).sorted(by: { $0.key < $1.key }) {
            // A preference is {value, confidence, ...}; lists (allergies) are left to the nutrition plan.
            switch pref.value {
            case .string(let s)?: preferences.append(Preference(name: name, value: s))
            case .number(let n)?: preferences.append(Preference(name: name, value: JSON.number(n).text))
            case .bool(let b)?: preferences.append(Preference(name: name, value: b ? "yes" : "no"))
            default: continue
            }
        }
    }
}
