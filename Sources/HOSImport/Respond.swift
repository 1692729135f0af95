// The simulated user of `hos-synth respond`: answers routine plans with plan_feedback from hidden preferences.

import Glibc
import HOSCore

/// Turns each `routine_plan` into the `plan_feedback` its simulated user would give.
public struct RespondStage: Stage {
    public let seed: UInt64
    /// Days each plan is followed for (a weekly plan answered day by day: 7).
    public let days: Int
    /// The archetype for events that carry none.
    public let fallbackArchetype: Archetype
    /// The window model's users (`--preferences`); nil: the archetype model of `HiddenPreferences`.
    public let population: [String: WindowPreferences]?
    /// The share of the window model's skips that carry a reason (`--reasons`).
    public let reasons: Double
    /// Each item answered once per plan, on its first day (`--once`), instead of on each of its days.
    public let once: Bool

    public init(
        seed: UInt64, days: Int, fallbackArchetype: Archetype, population: [String: WindowPreferences]? = nil,
        reasons: Double = 0, once: Bool = false
    ) {
        self.seed = seed
        self.days = days
        self.fallbackArchetype = fallbackArchetype
        self.population = population
        self.reasons = reasons
        self.once = once
    }

    /// The (day, item) pairs a plan's user answers: each item on each of its days among the `days` from the
    /// plan's date, day by day; with `once`, each item once, on its first day.
    func answered(_ items: [PlanItem], from date: LocalDate) -> [(day: LocalDate, item: PlanItem)] {
        if once { return items.map { ($0.days?.min() ?? date, $0) } }
        return (0..<days).flatMap { k in
            let d = date.adding(days: k)
            return items.filter { $0.isFor(d) }.map { (d, $0) }
        }
    }

    public var consumes: Set<String> { [EventType.routinePlan] }

    public func process(_ event: Event, emit: (Event) throws -> Void) throws {
        let plan = try RoutinePlanPayload(payload: event.payload)
        let (planID, items) = (plan.planID, plan.items)
        guard let date = plan.date else { throw EventProblem("payload.date is not a YYYY-MM-DD calendar date") }
        guard event.payload["items"] != nil else { throw EventProblem("missing payload.items") }
        // Checked once for the plan, not once per item and day.
        guard items.allSatisfy({ !$0.itemID.isEmpty }) else { throw EventProblem("plan item without item_id") }
        if let population {
            guard let prefs = population[event.userID] else {
                throw EventProblem("user is not in the --preferences file")
            }
            return try answer(event, planID: planID, date: date, items: items, window: prefs, emit: emit)
        }
        let archetype = event.archetype.flatMap(Archetype.init(named:)) ?? fallbackArchetype
        let prefs = HiddenPreferences(seed: seed, user: event.userID, archetype: archetype)
        for (d, item) in answered(items, from: date) {
            let itemID = item.itemID
            var rng = SeededRandom(seed: seed, stream: "respond", event.userID, planID, itemID, d.description)
            let p = Self.completionProbability(item: item, preferences: prefs, weekday: d.weekday)
            let u = rng.uniform()
            let status: PlanFeedback.Status = u < p ? .completed : (u < p + (1 - p) * 0.3 ? .partial : .skipped)
            var rating: Int?
            if rng.chance(0.6) {
                rating =
                    switch status {
                    case .completed: rng.chance(0.6) ? 5 : 4
                    case .partial: 3
                    case .skipped: rng.chance(0.5) ? 2 : 1
                    }
            }
            try emit(
                Self.feedbackEvent(
                    event, PlanFeedback(planID: planID, itemID: itemID, status: status, rating: rating, date: d)))
        }
    }

    /// The plan_feedback event answering a plan's item on one day (id from user, plan, item and day).
    static func feedbackEvent(_ plan: Event, _ feedback: PlanFeedback) -> Event {
        let day = feedback.date.description
        return Event(
            id: EventID.derive("feedback", plan.userID, feedback.planID, feedback.itemID, day),
            type: EventType.planFeedback, user: plan.userID, timestamp: day + "T21:00:00Z", source: "hos-synth",
            archetype: plan.archetype, analysisID: plan.analysisID, payload: feedback.payload)
    }

    /// The window model's answers: per item and day, completed or skipped (no rating), as the responder answers;
    /// a share `reasons` of the skips say why (`WindowPreferences.reason`). The reason's draw comes after the
    /// others, and only with `reasons` > 0, so that answers without reasons are the same as before.
    func answer(
        _ event: Event, planID: String, date: LocalDate, items: [PlanItem], window prefs: WindowPreferences,
        emit: (Event) throws -> Void
    ) throws {
        guard prefs.responder != .never else { return }
        for (d, item) in answered(items, from: date) {
            let itemID = item.itemID
            var rng = SeededRandom(seed: seed, stream: "respond", event.userID, planID, itemID, d.description)
            let p = prefs.responder == .always ? 1 : prefs.completionProbability(item: item, planDate: date)
            let status: PlanFeedback.Status = rng.uniform() < p ? .completed : .skipped
            if prefs.responder == .half, !rng.chance(WindowPreferences.halfShare) { continue }
            var reason: PlanFeedback.Reason?
            if status == .skipped, reasons > 0, rng.chance(reasons) {
                reason = prefs.reason(item: item, planDate: date)
            }
            try emit(
                Self.feedbackEvent(
                    event,
                    PlanFeedback(
                        planID: planID, itemID: itemID, status: status, rating: nil, reason: reason, date: d)))
        }
    }

    /// The factor of an item whose exercise_time arm is not the user's preferred time: a session planned
    /// at a time of day the user does not train at is mostly skipped.
    public static let exerciseTimeMismatch = 0.3
    /// The factor of an item whose sleep_shift arm is not the user's style.
    public static let sleepShiftMismatch = 0.5
    /// The factor per intensity step above the user's capacity.
    public static let intensityStep = 0.6

    /// How likely the user is to complete an item: base × weekday × fit of each variant × intensity fit.
    public static func completionProbability(item: PlanItem, preferences prefs: HiddenPreferences, weekday: Int)
        -> Double
    {
        var p = prefs.baseAdherence * prefs.weekdayAdherence[weekday - 1]
        if let arm = item.variant["exercise_time"], arm != prefs.exerciseTime { p *= exerciseTimeMismatch }
        if let arm = item.variant["sleep_shift"], arm != prefs.sleepShift { p *= sleepShiftMismatch }
        if let intensity = item.intensity, intensity > prefs.intensityCapacity {
            p *= pow(intensityStep, Double(intensity - prefs.intensityCapacity))
        }
        return min(0.98, max(0.02, p))
    }
}
