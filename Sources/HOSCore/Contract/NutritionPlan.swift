// The `nutrition_plan` payload: hos-nutrition's energy, macros, hydration and meals for one day, read by
// hos-report and hos-memory's history.

/// A `nutrition_plan` payload.
public struct NutritionPlanPayload: ContractPayload {
    public static let eventType = EventType.nutritionPlan
    public static let summary =
        "hos-nutrition's plan for the day after the analysis: energy from BMR and activity, macros, hydration, "
        + "meals placed in the waking day hos-routine plans, intake against the targets, and the dietary rules."

    public var planID: String?
    public var date: LocalDate?
    public var goal: String?
    public var difficulty: Int?
    public var energyKcal: Double?
    public var bmrKcal: Double?
    public var tdeeKcal: Double?
    public var activityFactor: Double?
    public var activitySource: String?
    public var macros: NutritionMacros?
    public var hydrationMl: Double?
    public var meals: [NutritionMeal] = []
    public var wakingWindow: NutritionWakingWindow?
    public var intake: [String: NutritionIntake] = [:]
    public var profileSource: String?
    public var dietary: NutritionDietary?
    public var rationale: [String] = []
    public var explain: [String]?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("plan_id", \.planID, "The plan's id (np- and a hash of the user and the analysis)."),
        .value(
            "date", \.date, "The day planned: the day after the analysis day; null when there is none.", absent: .null),
        .value("goal", \.goal, "The archetype's goal: maintenance, recomposition, performance, …"),
        .value("difficulty", \.difficulty, "The difficulty (1–5) the energy target is set at."),
        .value("energy_kcal", \.energyKcal, "The day's energy target."),
        .value("bmr_kcal", \.bmrKcal, "Basal metabolic rate (Mifflin–St Jeor), to 10 kcal."),
        .value("tdee_kcal", \.tdeeKcal, "Energy used a day: BMR × activity_factor, to 10 kcal."),
        .value("activity_factor", \.activityFactor, "The activity multiplier of the BMR."),
        .value("activity_source", \.activitySource, "Where the activity level came from."),
        .object("macros", \.macros, "Grams of protein, carbohydrate, fat and fibre."),
        .value("hydration_ml", \.hydrationMl, "Water a day."),
        .objects("meals", \.meals, "The meals in the day's order."),
        .object("waking_window", \.wakingWindow, "The waking day the meals are placed in."),
        .map("intake", \.intake, "Logged intake against the targets, per intake metric.", keyName: "METRIC"),
        .value("profile_source", \.profileSource, "profile, or default without a user_profile."),
        .object("dietary", \.dietary, "The dietary pattern and the foods meals avoid."),
        .value("rationale", \.rationale, "The plan's reasons, in words.", default: []),
        .value("explain", \.explain, "With --explain: the arithmetic of each step, in words."),
    ]

    /// The few values hos-memory's history keeps of a plan (the whole payload is kept beside them).
    public var historySummary: [String: JSON] {
        var s: [String: JSON] = [:]
        s["plan_id"] = planID?.json
        s["energy_kcal"] = energyKcal?.json
        s["difficulty"] = difficulty?.json
        return s
    }
}

/// A plan's macronutrients in grams.
public struct NutritionMacros: ContractObject {
    public var proteinG: Double?
    public var carbsG: Double?
    public var fatG: Double?
    public var fiberG: Double?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("protein_g", \.proteinG, "Protein."), .value("carbs_g", \.carbsG, "Carbohydrate."),
        .value("fat_g", \.fatG, "Fat."), .value("fiber_g", \.fiberG, "Fibre."),
    ]
}

/// One meal of a nutrition plan.
public struct NutritionMeal: ContractObject {
    public var name: String?
    public var time: ClockTime?
    public var kcal: Double?
    public var proteinG: Double?
    public var focus: String?
    public var foods: [String] = []

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("name", \.name, "breakfast, lunch, snack or dinner."),
        .value("time", \.time, "When to eat it."),
        .value("kcal", \.kcal, "Its share of the energy target."),
        .value("protein_g", \.proteinG, "Its share of the protein."),
        .value("focus", \.focus, "What it is built around, in words."),
        .value("foods", \.foods, "Suggested foods the dietary rules allow.", default: []),
    ]
}

/// The waking day a nutrition plan places its meals in.
public struct NutritionWakingWindow: ContractObject {
    public var wake: ClockTime?
    public var bedtime: ClockTime?
    public var source: String?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("wake", \.wake, "Wake time."), .value("bedtime", \.bedtime, "Lights-out."),
        .value("source", \.source, "Where the times came from."),
    ]
}

/// Logged intake of one metric against the plan's target.
public struct NutritionIntake: ContractObject {
    public var logged: Double?
    public var target: Double?
    public var gap: Double?
    public var days: Int?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("logged", \.logged, "The mean logged a day."), .value("target", \.target, "The plan's target."),
        .value("gap", \.gap, "logged − target."), .value("days", \.days, "Days logged."),
    ]
}

/// The dietary rules a plan's meals follow.
public struct NutritionDietary: ContractObject {
    public var pattern: String?
    public var exclusions: [String] = []
    public var allergies: [String] = []

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("pattern", \.pattern, "omnivore, pescatarian, vegetarian, vegan, or as given."),
        .value("exclusions", \.exclusions, "Foods excluded (profile and memory).", default: []),
        .value("allergies", \.allergies, "Allergens avoided (profile and memory).", default: []),
    ]
}
