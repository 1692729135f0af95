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

    init(_ p: Fields) throws(EventProblem) {
        let a = try BehaviorAnalysisPayload(p)
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
        planID = try p.string("plan_id")
        date = try p.date("date")
        difficulty = try p.number("difficulty")
        focus = try p.string("focus")
        wake = try p.clock("wake")
        bedtime = try p.clock("bedtime")
        for f in try p.objects("items") {
            guard let start = try f.clock("start") else { throw EventProblem("missing \(f.at("start"))") }
            guard let minutes = try f.number("duration_min", in: 0...1440) else {
                throw EventProblem("missing \(f.at("duration_min"))")
            }
            var item = RoutineItem(
                itemID: try f.string("item_id") ?? "", category: try f.string("category") ?? "other",
                start: start, durationMin: minutes, intensity: try f.number("intensity", in: 0...5),
                title: try f.string("title") ?? "", why: try f.string("why"))
            if let v = try f.object("variant") {
                for k in v.o.keys.sorted() {
                    if let arm = try v.text(k) { item.variant.append(Variant(dimension: k, arm: arm)) }
                }
            }
            items.append(item)
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
        planID = try p.string("plan_id")
        date = try p.date("date")
        energyKcal = try p.number("energy_kcal")
        goal = try p.string("goal")
        if let m = try p.object("macros") {
            proteinG = try m.number("protein_g")
            carbsG = try m.number("carbs_g")
            fatG = try m.number("fat_g")
            fiberG = try m.number("fiber_g")
        }
        hydrationMl = try p.number("hydration_ml")
        for (i, f) in try p.objects("meals").enumerated() {
            meals.append(
                Meal(
                    name: try f.string("name") ?? "meal \(i + 1)", time: try f.clock("time"),
                    kcal: try f.number("kcal"), proteinG: try f.number("protein_g"), focus: try f.string("focus")))
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
        kind = try p.string("kind")
        title = try p.string("title") ?? ""
        detail = try p.string("detail")
        confidence = try p.number("confidence", in: 0...1)
        action = try p.string("action")
        priority = try p.text("priority")
        if let e = try p.object("evidence") {
            statistic = try e.text("statistic")
            n = try e.number("n")
            pValue = try e.number("p_value", in: 0...1)
            effect = try e.text("effect")
        }
        // Without an id, the content names the insight, as hos-insights' own ids do.
        insightID =
            try p.string("insight_id")
            ?? "i-" + StableHash.hex(StableHash.of(kind ?? "", title, detail ?? "", action ?? ""))
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

    init(_ p: Fields) throws(EventProblem) {
        if let d = try p.object("difficulty") {
            difficultyFrom = try d.text("from")
            difficultyTo = try d.text("to")
            difficultyReason = try d.string("reason")
        }
        for e in try p.objects("experiments") {
            var arms: [Arm] = []
            for a in try e.objects("arms") {
                arms.append(
                    Arm(
                        arm: try a.text("arm") ?? "", successes: try a.number("successes"),
                        failures: try a.number("failures"), pBest: try a.number("p_best", in: 0...1)))
            }
            experiments.append(
                Experiment(
                    dimension: try e.string("dimension") ?? "", arms: arms,
                    chosen: try e.text("chosen"), propensity: try e.number("propensity", in: 0...1)))
        }
        if let pa = try p.object("predicted_adherence") {
            predictedMean = try pa.number("mean", in: 0...1)
            predictedLow = try pa.number("low", in: 0...1)
            predictedHigh = try pa.number("high", in: 0...1)
        }
        if let eff = try p.object("effectiveness") {
            for a in try eff.objects("adherence") {
                guard let date = try a.date("date") else { throw EventProblem("missing \(a.at("date"))") }
                guard let value = try a.number("adherence", in: 0...1) else {
                    throw EventProblem("missing \(a.at("adherence"))")
                }
                curve.append(AdherencePoint(date: date, adherence: value, n: try a.number("n")))
            }
            curve.sort { $0.date < $1.date }
            lift = try eff.number("lift")
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
        if let h = try p.object("history") { analysesTotal = try h.number("analyses_total") }
        if let a = try p.object("adaptation_state") { difficulty = try a.text("difficulty") }
        if let lt = try p.object("long_term"), let prefs = try lt.object("preferences") {
            for name in prefs.o.keys.sorted() {
                // A preference is {value, confidence, ...}; lists (allergies) are left to the nutrition plan.
                guard let pref = try prefs.object(name), let value = pref.value("value") else { continue }
                switch value {
                case .string(let s): preferences.append(Preference(name: name, value: s))
                case .number(let n): preferences.append(Preference(name: name, value: JSON.number(n).text))
                case .bool(let b): preferences.append(Preference(name: name, value: b ? "yes" : "no"))
                default: continue
                }
            }
        }
    }
}
