// The `routine_plan` payload: hos-routine's time-blocked day, read by hos-adapt, hos-memory, hos-insights,
// hos-report and hos-synth respond.

/// A `routine_plan` payload.
public struct RoutinePlanPayload: ContractPayload, Narrated {
    public static let eventType = EventType.routinePlan
    public static let summary =
        "hos-routine's plan for the day after as_of: wake, lights-out and time-blocked items, each with its "
        + "strategy variant, and the basis the plan was made on."

    public var planID = ""
    public var date: LocalDate?
    public var difficulty: Int?
    public var wake: ClockTime?
    public var bedtime: ClockTime?
    public var targetBedtime: ClockTime?
    public var focus: String?
    public var items: [PlanItem] = []
    public var basis: [String: JSON] = [:]
    public var explain: [String]?
    public var narrative: JSON?
    public var llm: String?
    public var llmReason: String?

    public init() {}

    public static let fields: [PayloadField<Self>] =
        [
            .required("plan_id", \.planID, "The plan's id, which plan_feedback names."),
            .value("date", \.date, "The day planned."),
            .value("difficulty", \.difficulty, "1–5."),
            .value("wake", \.wake, "Wake time."),
            .value("bedtime", \.bedtime, "Tonight's lights-out."),
            .value("target_bedtime", \.targetBedtime, "The lights-out the sleep need asks for."),
            .value("focus", \.focus, "balanced, performance, recovery or sleep-first."),
            .objects("items", \.items, "The day's blocks in order from wake."),
            .value(
                "basis", \.basis,
                "What the plan was made from: readiness, sleep need, latency, sources of wake and difficulty.",
                default: [:]),
            .value("explain", \.explain, "With --explain: the reasoning, in words."),
        ] + narrationFields

    /// The few values hos-memory's history keeps of a plan.
    public var historySummary: [String: JSON] {
        var s: [String: JSON] = ["plan_id": .string(planID), "items": .number(Double(items.count))]
        s["date"] = date?.json
        s["difficulty"] = difficulty?.json
        return s
    }
}

/// One block of a routine plan.
public struct PlanItem: ContractObject {
    public var itemID = ""
    public var category = ""
    public var start: ClockTime?
    public var durationMin: Double?
    public var intensity: Int?
    /// Strategy dimension → arm.
    public var variant: [String: String] = [:]
    public var title: String?
    public var why: String?
    /// The plan's days this item is for; nil: every day.
    public var days: [LocalDate]?

    public init() {}

    /// Whether the item is for `day` (an item without days is for every day).
    public func isFor(_ day: LocalDate) -> Bool { days.map { $0.contains(day) } ?? true }

    public static let fields: [PayloadField<Self>] = [
        .value(
            "item_id", \.itemID,
            "The item's role (exercise, sleep, …): the same role keeps its id; hos-adapt "
                + "needs it.", default: ""),
        .value(
            "category", \.category,
            "exercise, sleep, nutrition, mindfulness, focus, recovery, …; hos-adapt needs "
                + "it.", default: ""),
        .value("start", \.start, "Start time."),
        .value("duration_min", \.durationMin, "Minutes."),
        .value("intensity", \.intensity, "1–5."),
        .value("variant", \.variant, "The strategy arm per dimension (exercise_time, sleep_shift).", default: [:]),
        .value("title", \.title, "What to do."),
        .value("why", \.why, "Why, in words."),
        .value(
            "days", \.days,
            "The dates (from the plan's date on) this item is for, when not every day the plan is followed: a plan "
                + "may try several arms of a dimension on different days. Absent: every day."),
    ]

    /// The end as a time of day (it may pass midnight).
    public var end: ClockTime? {
        guard let start, let durationMin else { return nil }
        return ClockTime(minutes: start.minutes + Int(durationMin.rounded()))
    }
}
