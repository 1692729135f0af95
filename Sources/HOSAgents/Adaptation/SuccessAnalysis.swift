// Success analysis: a user's adherence by category, weekday, intensity and variant, from feedback joined to plans.

import HOSCore

/// A running count of feedback scores.
public struct AdherenceTally: Sendable, Equatable {
    public var sum = 0.0
    public var completed = 0
    public var n = 0

    public init() {}

    public mutating func add(_ f: AdaptFeedback) {
        sum += f.score
        if f.status == .completed { completed += 1 }
        n += 1
    }

    /// Mean score (completed 1, partial 0.5, skipped 0); nil without feedback.
    public var adherence: Double? { n > 0 ? sum / Double(n) : nil }

    /// As the adaptation payload reports it, rounded to 4 places.
    public var summary: AdherenceSummary {
        AdherenceSummary(
            adherence: adherence.map { JSON.rounded($0, places: 4) },
            completed: n > 0 ? JSON.rounded(Double(completed) / Double(n), places: 4) : nil, n: n)
    }
}

/// A user's feedback matched to the plan items it answers.
public struct FeedbackJoin: Sendable {
    /// Matched pairs, in feedback order (date, plan, item).
    public var pairs: [(item: AdaptPlanItem, feedback: AdaptFeedback)] = []
    /// Stored feedback that names no stored plan item of the user.
    public var unmatched: [AdaptFeedback] = []

    public init(items: [AdaptPlanItem], feedback: [AdaptFeedback]) {
        var byKey: [String: AdaptPlanItem] = [:]
        for i in items { byKey[Self.key(i.planID, i.itemID)] = i }
        for f in feedback {
            if let item = byKey[Self.key(f.planID, f.itemID)] { pairs.append((item, f)) } else { unmatched.append(f) }
        }
    }

    static func key(_ plan: String, _ item: String) -> String { plan + "\u{1F}" + item }
}

/// Adherence overall and by category, feedback weekday, item intensity and strategy variant.
public struct SuccessAnalysis: Sendable {
    public var overall = AdherenceTally()
    public var byCategory: [String: AdherenceTally] = [:]
    public var byWeekday: [String: AdherenceTally] = [:]
    public var byIntensity: [String: AdherenceTally] = [:]
    /// Keyed `dimension=arm`.
    public var byVariant: [String: AdherenceTally] = [:]

    public init(_ join: FeedbackJoin) {
        for (item, f) in join.pairs {
            overall.add(f)
            byCategory[item.category, default: AdherenceTally()].add(f)
            byWeekday[LocalDate.weekdayNames[f.date.weekday - 1], default: AdherenceTally()].add(f)
            if let i = item.intensity { byIntensity[String(i), default: AdherenceTally()].add(f) }
            for (dim, arm) in item.variant { byVariant[dim + "=" + arm, default: AdherenceTally()].add(f) }
        }
    }

    public var report: SuccessReport {
        var r = SuccessReport()
        r.overall = overall.summary
        r.byCategory = byCategory.mapValues(\.summary)
        r.byWeekday = byWeekday.mapValues(\.summary)
        r.byIntensity = byIntensity.mapValues(\.summary)
        r.byVariant = byVariant.mapValues(\.summary)
        return r
    }
}

/// One plan's feedback: its date, difficulty and adherence on all items and on the load items.
public struct PlanOutcome: Sendable, Equatable {
    public var planID: String
    public var date: LocalDate?
    public var difficulty: Int?
    public var all = AdherenceTally()
    /// Items of intensity ≥ `AdaptationRules.loadIntensity`; all items when the plan has none.
    public var load = AdherenceTally()
    /// Distinct feedback days.
    public var days = 0

    /// Each plan with feedback, oldest first (by date, then plan id).
    public static func of(_ join: FeedbackJoin) -> [PlanOutcome] {
        var plans: [String: PlanOutcome] = [:]
        var hasLoad: [String: Bool] = [:]
        var dates: [String: Set<LocalDate>] = [:]
        for (item, _) in join.pairs where (item.intensity ?? 1) >= AdaptationRules.loadIntensity {
            hasLoad[item.planID] = true
        }
        for (item, f) in join.pairs {
            var p = plans[item.planID] ?? PlanOutcome(planID: item.planID, date: item.date, difficulty: item.difficulty)
            p.all.add(f)
            if hasLoad[item.planID] != true || (item.intensity ?? 1) >= AdaptationRules.loadIntensity { p.load.add(f) }
            plans[item.planID] = p
            dates[item.planID, default: []].insert(f.date)
        }
        return plans.values.map { p in
            var p = p
            p.days = dates[p.planID]?.count ?? 0
            return p
        }.sorted { ($0.date?.daysSinceEpoch ?? Int.min, $0.planID) < ($1.date?.daysSinceEpoch ?? Int.min, $1.planID) }
    }
}
