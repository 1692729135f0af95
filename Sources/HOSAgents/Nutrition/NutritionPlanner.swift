// hos-nutrition's planner: energy, macros, hydration and meal timing for one user, a pure function of its inputs.
//
// Every number here is documented in hos-nutrition(1) (NutritionCommand's discussion); the activity tables are
// read by both, the other numbers are kept in step by hand.

import HOSCore

/// What the planner reads of a `behavior_analysis`: wake and bed times, readiness state, activity baselines.
public struct BehaviorView: Sendable, Equatable {
    /// `sleep_timing.sleep_end.mean`.
    public var wake: ClockTime?
    /// `sleep_timing.sleep_start.mean`.
    public var bedtime: ClockTime?
    /// `readiness.state`: recovered, balanced or strained.
    public var readinessState: String?
    /// `metrics.<name>.baseline` of the activity metrics, used when the records hold none.
    public var baselines: [String: Double] = [:]

    public init(
        wake: ClockTime? = nil, bedtime: ClockTime? = nil, readinessState: String? = nil,
        baselines: [String: Double] = [:]
    ) {
        self.wake = wake
        self.bedtime = bedtime
        self.readinessState = readinessState
        self.baselines = baselines
    }

    /// The usable parts of an analysis; nil when nothing in it is usable (the event is then ignored).
    public init?(_ a: BehaviorAnalysisPayload) {
        wake = a.sleepTiming?.sleepEnd?.mean
        bedtime = a.sleepTiming?.sleepStart?.mean
        if let s = a.readiness?.state, ["recovered", "balanced", "strained"].contains(s) { readinessState = s }
        for name in NutritionRules.activityMetrics {
            // A baseline outside the metric's plausible range is as unusable as a missing one.
            if let b = a.metrics[name]?.baseline, let m = Metrics.metric(named: name), m.range.contains(b) {
                baselines[name] = b
            }
        }
        if wake == nil, bedtime == nil, readinessState == nil, baselines.isEmpty { return nil }
    }
}

/// One user's inputs since the last barrier.
public struct NutritionInput: Sendable {
    /// The latest `user_profile`, if any.
    public var profile: UserProfile?
    public var days: UserDays
    /// The latest usable `behavior_analysis`.
    public var behavior: BehaviorView?
    /// The latest usable `memory_context`.
    public var memory: MemoryContextView?
    /// The day hos-routine plans from the same inputs (its wake and lights-out): meals go inside it, so the
    /// two plans never disagree about bedtime. Nil: the usual sleep times are used.
    public var routineDay: (wake: ClockTime, lightsOut: ClockTime)?

    public init(
        profile: UserProfile? = nil, days: UserDays = UserDays(), behavior: BehaviorView? = nil,
        memory: MemoryContextView? = nil
    ) {
        self.profile = profile
        self.days = days
        self.behavior = behavior
        self.memory = memory
    }
}

/// The numbers that hos-nutrition(1) promises.
public enum NutritionRules {
    public static let defaultAge = 35.0
    public static let defaultSex = "other"
    public static let defaultHeightCm = 170.0
    public static let defaultWeightKg = 70.0
    /// Days (ending at as_of) over which steps, active minutes and expenditure are summarised.
    public static let recentDays = 14
    /// Most logged days of intake whose median is compared with the targets.
    public static let intakeDays = 14
    public static let minEnergyKcal = 1200.0
    /// The lowest BMR used: Mifflin–St Jeor passes 0 at the edges of the accepted body ranges.
    public static let minBMRKcal = 500.0
    public static let maxDeficit = 0.20
    public static let performanceSurplus = 0.10
    public static let fatShare = 0.25
    public static let minFatShare = 0.20
    public static let fibrePer1000Kcal = 14.0
    public static let waterMlPerKg = 35.0
    public static let activeWaterMl = 500.0
    /// Activity factor from which hydration gets `activeWaterMl` more.
    public static let activeWaterFactor = 1.55
    /// Activity factor from which protein gets `activeProteinBonus` g/kg more.
    public static let activeProteinFactor = 1.725
    public static let activeProteinBonus = 0.2
    public static let defaultWake = ClockTime(minutes: 7 * 60)
    /// Waking day assumed when no bedtime is known, or when the known times leave too short a day.
    public static let defaultAwakeMin = 16 * 60
    public static let minAwakeMin = 8 * 60
    /// A relative gap below which logged intake counts as on target.
    public static let onTargetGap = 0.10

    /// The metrics that set the activity level, in order of preference.
    public static let activityMetrics = ["calories_burned_kcal", "steps", "active_minutes"]

    /// Mifflin–St Jeor's sex constant: +5 male, −161 female, their mean −78 otherwise.
    public static func sexConstant(_ sex: String) -> Double {
        switch sex {
        case "male": 5
        case "female": -161
        default: -78
        }
    }

    /// Mifflin–St Jeor basal metabolic rate, kcal/day.
    public static func bmr(weightKg: Double, heightCm: Double, age: Double, sex: String) -> Double {
        10 * weightKg + 6.25 * heightCm - 5 * age + sexConstant(sex)
    }

    /// The activity factor without any activity data: sedentary.
    public static let sedentaryFactor = 1.2
    /// Activity factor from the median daily steps; the planner, --explain and hos-nutrition(1) all read it.
    public static let stepsActivity = ActivityTable(
        bands: [(5000, 1.2), (7500, 1.375), (10000, 1.55), (12500, 1.725)], otherwise: 1.9)
    /// Activity factor from the median daily active minutes (when no steps are recorded).
    public static let activeMinutesActivity = ActivityTable(
        bands: [(15, 1.2), (30, 1.375), (60, 1.55), (90, 1.725)], otherwise: 1.9)

    /// Activity factor from the median daily steps.
    public static func stepsFactor(_ steps: Double) -> Double { stepsActivity.factor(steps) }

    /// Activity factor from the median daily active minutes (when no steps are recorded).
    public static func activeMinutesFactor(_ minutes: Double) -> Double { activeMinutesActivity.factor(minutes) }

    /// The deficit asked for at a difficulty: 7.5% + 2.5% per level, at most 20%.
    public static func deficitShare(difficulty: Int) -> Double {
        // In percent first, so 3 gives exactly 0.15.
        min(maxDeficit, (7.5 + 2.5 * Double(difficulty)) / 100)
    }

    /// Protein per kg of body weight by goal (another goal takes the first, maintenance's); the planner,
    /// --explain and hos-nutrition(1) all read it.
    public static let proteinByGoal: [(goal: String, perKg: Double)] = [
        ("maintenance", 1.2), ("deficit", 1.6), ("performance", 1.8),
    ]

    /// "maintenance 1.2, deficit 1.6, performance 1.8".
    public static var proteinWords: String {
        proteinByGoal.map { "\($0.goal) \(JSON.number($0.perKg).text)" }.joined(separator: ", ")
    }

    /// Protein per kg of body weight by goal, more for a very active day.
    public static func proteinPerKg(goal: String, activityFactor: Double) -> Double {
        let base = (proteinByGoal.first { $0.goal == goal } ?? proteinByGoal[0]).perKg
        return base + (activityFactor >= activeProteinFactor ? activeProteinBonus : 0)
    }
}

/// A rule written once: an activity factor for each band of a metric's median, below a threshold.
public struct ActivityTable: Sendable {
    /// (threshold, factor) in increasing order of threshold: a median below the threshold gets the factor.
    public let bands: [(below: Double, factor: Double)]
    /// The factor at or above the last threshold.
    public let otherwise: Double

    /// The factor of the first band whose threshold the value is below.
    public func factor(_ value: Double) -> Double {
        bands.first { value < $0.below }?.factor ?? otherwise
    }

    /// The table in words, thresholds written by `number`: "< 5000 → 1.2, …, else 1.9".
    public func words(_ number: (Double) -> String = { String(Int($0)) }) -> String {
        let factor = { (f: Double) in JSON.number(f, places: 3).text }
        return (bands.map { "< \(number($0.below)) → \(factor($0.factor))" } + ["else \(factor(otherwise))"])
            .joined(separator: ", ")
    }
}

/// How an archetype eats through the day: meal count, timing and the split of energy.
public struct MealStyle: Sendable, Equatable {
    /// Minutes from waking to the first meal (30–60).
    public var firstMealAfterWakeMin: Int
    /// Minutes from the last meal to bedtime (at least 150).
    public var lastMealBeforeBedMin: Int
    public var names: [String]
    /// Share of the day's energy per meal, in order; sums to 1.
    public var energyShares: [Double]
    /// Share of the day's protein per meal: even across main meals, 10% for a snack.
    public var proteinShares: [Double]
    /// Place of each meal between the first (0) and the last (1).
    public var positions: [Double]

    /// "45 min / 3 h / 30-40-30": the first meal after waking, the last one's gap before bedtime, the energy split.
    public var words: String {
        "\(firstMealAfterWakeMin) min / \(NutritionPlanner.hours(lastMealBeforeBedMin)) / \(split)"
    }

    /// The energy split in percent: "30-40-30".
    public var split: String { energyShares.map { String(Int(($0 * 100).rounded())) }.joined(separator: "-") }

    public static func of(_ a: Archetype, goal: String) -> MealStyle {
        if goal == "performance" || a == .peakPerformer {
            return MealStyle(
                firstMealAfterWakeMin: 30, lastMealBeforeBedMin: a == .peakPerformer ? 150 : 180,
                names: ["breakfast", "lunch", "snack", "dinner"], energyShares: [0.25, 0.35, 0.10, 0.30],
                proteinShares: [0.3, 0.3, 0.1, 0.3], positions: [0, 0.4, 0.7, 1])
        }
        let (first, shares): (Int, [Double]) =
            switch a {
            case .foundationBuilder: (45, [0.30, 0.40, 0.30])
            case .resilienceRebuilder: (60, [0.30, 0.35, 0.35])
            case .connectedExplorer: (45, [0.25, 0.35, 0.40])
            case .systematicImprover: (30, [0.30, 0.35, 0.35])
            case .transformationSeeker: (60, [0.35, 0.40, 0.25])
            case .peakPerformer: (30, [0.25, 0.40, 0.35])
            }
        return MealStyle(
            firstMealAfterWakeMin: first, lastMealBeforeBedMin: 180, names: ["breakfast", "lunch", "dinner"],
            energyShares: shares, proteinShares: [1.0 / 3, 1.0 / 3, 1.0 / 3], positions: [0, 0.5, 1])
    }
}

/// The dietary constraints of a user: the profile's, with memory's pattern overriding and lists unioned.
public struct Dietary: Sendable, Equatable {
    public enum Kind: String, Sendable { case omnivore, pescatarian, vegetarian, vegan }

    /// The pattern as given (lowercased), or "omnivore" when none is.
    public var pattern: String
    /// How foods are chosen; an unknown pattern is chosen for as omnivore.
    public var kind: Kind
    public var known: Bool
    public var patternSource: String
    public var exclusions: [String]
    public var allergies: [String]

    public init(
        pattern: String? = nil, exclusions: [String] = [], allergies: [String] = [], patternSource: String = "profile"
    ) {
        let p = pattern.map(cleaned) ?? ""
        self.pattern = p.isEmpty ? "omnivore" : p
        self.patternSource = p.isEmpty ? "default" : patternSource
        switch self.pattern {
        case "omnivore", "none", "standard", "mixed", "omnivorous":
            kind = .omnivore
            known = true
        case "pescatarian", "pescetarian":
            kind = .pescatarian
            known = true
        case "vegetarian", "lacto-ovo vegetarian", "ovo-lacto vegetarian", "lacto-ovo":
            kind = .vegetarian
            known = true
        case "vegan", "plant-based", "plant based":
            kind = .vegan
            known = true
        default:
            kind = .omnivore
            known = false
        }
        self.exclusions = Dietary.normalised(exclusions)
        self.allergies = Dietary.normalised(allergies)
    }

    /// Merges `user_profile.dietary` with the memory's `dietary_pattern`, `exclusions` and `allergies`.
    public static func merge(profile: [String: JSON], memory: MemoryContextView?) -> Dietary {
        func strings(_ v: JSON?) -> [String] {
            switch v {
            case .array(let a)?: a.compactMap(\.stringValue)
            case .string(let s)?: [s]
            default: []
            }
        }
        var pattern = profile["pattern"]?.stringValue
        var source = "profile"
        if let m = memory?.string("dietary_pattern"), !cleaned(m).isEmpty {
            pattern = m
            source = "memory_context"
        }
        return Dietary(
            pattern: pattern, exclusions: strings(profile["exclusions"]) + (memory?.strings("exclusions") ?? []),
            allergies: strings(profile["allergies"]) + (memory?.strings("allergies") ?? []),
            patternSource: source)
    }

    static func normalised(_ items: [String]) -> [String] {
        Array(Set(items.map(cleaned).filter { !$0.isEmpty })).sorted()
    }

    /// Everything a named food must not match.
    var avoided: [String] { allergies + exclusions }

    /// The animal foods the pattern allows.
    var allowed: Set<Food.Source> {
        switch kind {
        case .omnivore: [.plant, .dairy, .egg, .fish, .meat]
        case .pescatarian: [.plant, .dairy, .egg, .fish]
        case .vegetarian: [.plant, .dairy, .egg]
        case .vegan: [.plant]
        }
    }

    public var json: JSON {
        [
            "pattern": .string(pattern), "exclusions": .array(exclusions.map(JSON.string)),
            "allergies": .array(allergies.map(JSON.string)),
        ]
    }
}

/// A food that meal suggestions may name, with the terms (allergens, groups) that rule it out.
struct Food: Sendable {
    enum Source: Sendable { case plant, dairy, egg, fish, meat }
    var name: String
    var source: Source
    var triggers: [String]

    init(_ name: String, _ source: Source, _ triggers: [String]) {
        self.name = name
        self.source = source
        self.triggers = triggers
    }

    /// True when an avoided term names this food, one of its words, or one of its groups and allergens.
    func conflicts(with avoided: [String]) -> Bool {
        let words = Set(name.split(separator: " ").map(String.init))
        for term in avoided {
            var forms: Set<String> = [term, term + "s"]
            if term.hasSuffix("s") { forms.insert(String(term.dropLast())) }
            if forms.contains(name) || !forms.isDisjoint(with: words) || !forms.isDisjoint(with: triggers) {
                return true
            }
        }
        return false
    }

    static let eggs = Food("eggs", .egg, ["egg"])
    static let yogurt = Food("greek yogurt", .dairy, ["yoghurt", "dairy", "milk", "lactose"])
    static let tofu = Food("tofu", .plant, ["soy", "soya"])
    static let tofuScramble = Food("tofu scramble", .plant, ["soy", "soya"])
    static let peanutButter = Food("peanut butter", .plant, ["nut", "legume", "legumes"])
    static let chicken = Food("chicken", .meat, ["poultry", "meat"])
    static let tuna = Food("tuna", .fish, ["fish", "seafood"])
    static let salmon = Food("salmon", .fish, ["fish", "seafood"])
    static let lentils = Food("lentils", .plant, ["legume", "legumes", "pulses"])
    static let chickpeas = Food("chickpeas", .plant, ["legume", "legumes", "pulses"])
    static let beans = Food("beans", .plant, ["legume", "legumes", "pulses"])
    static let nuts = Food("nuts", .plant, ["tree nut", "tree nuts", "almond", "almonds", "peanut", "peanuts"])
    static let hummus = Food("hummus", .plant, ["chickpea", "chickpeas", "legume", "legumes", "sesame"])
    static let edamame = Food("edamame", .plant, ["soy", "soya", "legume", "legumes"])
    static let oats = Food("oats", .plant, ["gluten"])
    static let toast = Food("wholegrain toast", .plant, ["wheat", "gluten", "bread"])
    static let bread = Food("wholegrain bread", .plant, ["wheat", "gluten"])
    static let buckwheat = Food("buckwheat", .plant, [])
    static let rice = Food("brown rice", .plant, [])
    static let quinoa = Food("quinoa", .plant, [])
    static let potatoes = Food("potatoes", .plant, ["nightshade", "nightshades"])
    static let riceCakes = Food("rice cakes", .plant, [])
    static let fruit = Food("fruit", .plant, [])
    static let berries = Food("berries", .plant, ["berry", "strawberry", "strawberries"])
    static let banana = Food("banana", .plant, [])
    static let apple = Food("apple", .plant, [])
    static let greens = Food("leafy greens", .plant, ["salad"])
    static let vegetables = Food("mixed vegetables", .plant, [])
    static let roasted = Food("roasted vegetables", .plant, [])
    static let oliveOil = Food("olive oil", .plant, ["olive"])

    /// Candidates per meal: a protein, a carbohydrate and (for main meals) produce, first allowed one wins.
    static let catalogue: [String: [[Food]]] = [
        "breakfast": [
            [eggs, yogurt, tofuScramble, peanutButter], [oats, toast, buckwheat], [berries, banana, apple],
        ],
        "lunch": [
            [chicken, tuna, lentils, chickpeas, tofu, eggs], [rice, quinoa, bread, potatoes], [greens, vegetables],
        ],
        "snack": [[yogurt, nuts, hummus, edamame], [fruit, riceCakes]],
        "dinner": [
            [salmon, chicken, tofu, beans, lentils, eggs], [potatoes, quinoa, rice], [roasted, greens, oliveOil],
        ],
    ]
}

/// A plan for one user and day, as typed values; `payload` writes the `nutrition_plan` payload.
public struct NutritionPlan: Sendable, Equatable {
    public struct Meal: Sendable, Equatable {
        public var name: String
        public var time: ClockTime
        /// Minutes after waking (may pass midnight for a late sleeper).
        public var minutesAfterWake: Int
        public var kcal: Int
        public var proteinG: Int
        public var focus: String
        public var foods: [String]
    }

    public struct IntakeGap: Sendable, Equatable {
        public var metric: String
        public var logged: Double
        public var target: Double
        public var gap: Double { logged - target }
        public var days: Int
    }

    public var planID: String
    public var date: LocalDate?
    public var goal: String
    public var difficulty: Int
    public var bmrKcal: Double
    public var tdeeKcal: Double
    public var activityFactor: Double
    public var activitySource: String
    public var energyKcal: Int
    public var proteinG: Int
    public var carbsG: Int
    public var fatG: Int
    public var fiberG: Int
    public var hydrationMl: Int
    public var wake: ClockTime
    public var bedtime: ClockTime
    /// Minutes from wake to bedtime.
    public var awakeMin: Int
    public var timingSource: String
    public var meals: [Meal]
    public var intake: [IntakeGap]
    public var profileSource: String
    public var dietary: Dietary
    public var rationale: [String]
    public var explain: [String]

    /// The `nutrition_plan` payload; `explain` adds the reasoning.
    public func payload(explain withExplain: Bool) -> [String: JSON] {
        var p: [String: JSON] = [
            "plan_id": .string(planID),
            "date": date.map { .string($0.description) } ?? .null,
            "goal": .string(goal),
            "difficulty": .number(Double(difficulty)),
            "energy_kcal": .number(Double(energyKcal)),
            "bmr_kcal": .number(NutritionPlanner.round(bmrKcal, to: 10)),
            "tdee_kcal": .number(NutritionPlanner.round(tdeeKcal, to: 10)),
            "activity_factor": .number(activityFactor, places: 3),
            "activity_source": .string(activitySource),
            "macros": [
                "protein_g": .number(Double(proteinG)), "carbs_g": .number(Double(carbsG)),
                "fat_g": .number(Double(fatG)), "fiber_g": .number(Double(fiberG)),
            ],
            "hydration_ml": .number(Double(hydrationMl)),
            "meals": .array(
                meals.map { m in
                    [
                        "name": .string(m.name), "time": .string(m.time.description), "kcal": .number(Double(m.kcal)),
                        "protein_g": .number(Double(m.proteinG)), "focus": .string(m.focus),
                        "foods": .array(m.foods.map(JSON.string)),
                    ]
                }),
            "waking_window": [
                "wake": .string(wake.description), "bedtime": .string(bedtime.description),
                "source": .string(timingSource),
            ],
            "intake": .object(
                Dictionary(
                    uniqueKeysWithValues: intake.map { g in
                        let places = g.metric == "calories_in_kcal" ? 10.0 : 1.0
                        return (
                            g.metric,
                            JSON.object([
                                "logged": .number(g.logged), "target": .number(g.target),
                                "gap": .number(NutritionPlanner.round(g.gap, to: places)),
                                "days": .number(Double(g.days)),
                            ])
                        )
                    })),
            "profile_source": .string(profileSource),
            "dietary": dietary.json,
            "rationale": .array(rationale.map(JSON.string)),
        ]
        if withExplain { p["explain"] = .array(explain.map(JSON.string)) }
        return p
    }
}

/// Computes a user's `nutrition_plan` from what the stage buffered; no clock, no randomness.
public struct NutritionPlanner: Sendable {
    public let archetype: Archetype

    public init(archetype: Archetype) { self.archetype = archetype }

    /// Rounds to a multiple of `step` (halves away from zero).
    static func round(_ v: Double, to step: Double) -> Double { (v / step).rounded() * step }

    /// Thousands grouped with commas: 2160 → "2,160".
    static func grouped(_ v: Double) -> String {
        let n = Int(v.rounded())
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func decimal(_ v: Double, places: Int = 1) -> String { JSON.number(v, places: places).text }

    /// A clock value's median on the circle: values are unwrapped around their circular mean first.
    static func circularMedian(_ minutes: [Double]) -> ClockTime? {
        guard !minutes.isEmpty else { return nil }
        let centre = CircularStats.mean(minutes: minutes)?.mean ?? minutes[0]
        return CircularStats.median(minutes: minutes, around: centre).map { ClockTime(minutes: Int($0.rounded())) }
    }

    /// The plan for one user, for the day after `day` (the analysis day by `AnalysisDay`'s rule, as hos-routine's;
    /// nil: the records' as_of). Each step appends its reasons to the rationale and its arithmetic to `explain`.
    public func plan(
        _ input: NutritionInput, request: AnalysisRequest, planID: String, day: LocalDate? = nil
    ) -> NutritionPlan {
        var notes = PlanNotes(rationale: [Self.tone(archetype)])
        let goal = ArchetypePolicy.of(archetype).nutritionGoal
        // The records read end at as_of; without records or a requested as_of there are none to read.
        let asOf = request.asOf ?? input.days.latest
        let date = (day ?? asOf).map { $0.adding(days: 1) }
        let window = asOf.map { ($0.adding(days: -(request.windowDays - 1)), $0) }

        let body = Self.body(input, asOf: asOf, notes: &notes)
        let use = Self.energyUse(body, input: input, asOf: asOf, notes: &notes)
        let difficulty = difficulty(input, goal: goal, notes: &notes)
        let energy = energyTarget(goal: goal, difficulty: difficulty, use: use, notes: &notes)
        let macros = Self.macros(energy: energy, weight: body.weight, goal: goal, factor: use.factor, notes: &notes)
        let water = Self.hydration(weight: body.weight, factor: use.factor, notes: &notes)
        let waking = Self.wakingWindow(input, window: window, notes: &notes)
        let dietary = Dietary.merge(profile: input.profile?.dietary ?? [:], memory: input.memory)
        let meals = Self.meals(
            MealStyle.of(archetype, goal: goal), waking: waking, energy: energy,
            protein: macros.protein, goal: goal, dietary: dietary, notes: &notes)
        Self.dietaryNotes(dietary, notes: &notes)
        let intake = intake(input.days, window: window, energy: energy, macros: macros, notes: &notes)

        return NutritionPlan(
            planID: planID, date: date, goal: goal, difficulty: difficulty, bmrKcal: use.bmr, tdeeKcal: use.tdee,
            activityFactor: use.factor, activitySource: use.source, energyKcal: Int(energy),
            proteinG: Int(macros.protein), carbsG: Int(macros.carbs), fatG: Int(macros.fat), fiberG: Int(macros.fibre),
            hydrationMl: Int(water), wake: waking.wake, bedtime: waking.bedtime, awakeMin: waking.awake,
            timingSource: waking.source, meals: meals, intake: intake, profileSource: body.profileSource,
            dietary: dietary, rationale: notes.rationale, explain: notes.explain)
    }

    /// The two texts of a plan, written step by step: the rationale for the user and --explain's arithmetic.
    struct PlanNotes {
        var rationale: [String]
        var explain: [String] = []
    }

    /// The body data a plan uses and where each part came from.
    struct Body: Equatable {
        var age: Double
        var sex: String
        var heightCm: Double
        var weight: Double
        /// Where the weight came from, in words.
        var weightText: String
        /// "profile", or "default" without a user_profile.
        var profileSource: String
    }

    /// Body data: the profile's, the latest weight record's (on or before as_of), or the documented defaults.
    static func body(_ input: NutritionInput, asOf: LocalDate?, notes: inout PlanNotes) -> Body {
        let profile = input.profile
        var defaulted: [String] = []
        if profile?.age == nil { defaulted.append("age \(Int(NutritionRules.defaultAge))") }
        if profile?.sex == nil { defaulted.append("sex \(NutritionRules.defaultSex)") }
        if profile?.heightCm == nil { defaulted.append("\(Int(NutritionRules.defaultHeightCm)) cm") }
        let weightRecord = input.days.days
            .filter { d, m in m["weight_kg"]?.number != nil && (asOf.map { d <= $0 } ?? true) }
            .max { $0.key < $1.key }
        let weight: Double
        let weightText: String
        if let r = weightRecord, let w = r.value["weight_kg"]?.number {
            weight = w
            weightText = "weight \(decimal(w)) kg from the latest weight_kg record (\(r.key))"
        } else if let w = profile?.weightKg {
            weight = w
            weightText = "weight \(decimal(w)) kg from the profile"
        } else {
            weight = NutritionRules.defaultWeightKg
            defaulted.append("\(Int(NutritionRules.defaultWeightKg)) kg")
            weightText = "weight \(Int(weight)) kg by default"
        }
        if profile == nil {
            notes.rationale.append(
                "No user_profile: this plan uses default body data (\(defaulted.joined(separator: ", "))); "
                    + "send a profile for targets that fit you.")
        } else if !defaulted.isEmpty {
            notes.rationale.append(
                "The profile lacks some body data: defaults used (\(defaulted.joined(separator: ", "))).")
        }
        return Body(
            age: profile?.age ?? NutritionRules.defaultAge, sex: profile?.sex ?? NutritionRules.defaultSex,
            heightCm: profile?.heightCm ?? NutritionRules.defaultHeightCm, weight: weight,
            weightText: weightText, profileSource: profile == nil ? "default" : "profile")
    }

    /// Energy used in a day: the BMR, the activity factor, the TDEE, and the metric they came from.
    struct EnergyUse: Equatable {
        var bmr: Double
        var factor: Double
        var tdee: Double
        /// calories_burned_kcal, steps, active_minutes or default.
        var source: String
    }

    /// Energy use: BMR × an activity factor from steps or active minutes, or measured expenditure.
    static func energyUse(_ body: Body, input: NutritionInput, asOf: LocalDate?, notes: inout PlanNotes) -> EnergyUse {
        // The formula can go to 0 or below at the edges of the accepted body ranges (20 kg, 50 cm, age 120):
        // no body burns less than this, and the activity factor divides by it.
        let sex = body.sex
        let bmr = max(
            NutritionRules.minBMRKcal,
            NutritionRules.bmr(weightKg: body.weight, heightCm: body.heightCm, age: body.age, sex: sex))
        let sexName = sex == "male" || sex == "female" ? sex : "other: mean of +5 and −161"
        notes.explain.append(
            "BMR (Mifflin–St Jeor) = 10 × \(decimal(body.weight)) kg + 6.25 × \(decimal(body.heightCm)) cm "
                + "− 5 × \(decimal(body.age)) y \(NutritionRules.sexConstant(sex) < 0 ? "−" : "+") "
                + "\(Int(abs(NutritionRules.sexConstant(sex)))) (\(sexName)) = \(grouped(bmr)) kcal; \(body.weightText)"
        )

        func level(_ metric: String) -> (value: Double, from: String)? {
            activityLevel(metric, days: input.days, asOf: asOf, behavior: input.behavior)
        }
        // Measured expenditure below the BMR is not a day a body can have: the device missed most of it.
        if let m = level("calories_burned_kcal"), m.value >= bmr {
            let factor = m.value / bmr
            notes.rationale.append(
                "Energy use measured: \(grouped(m.value)) kcal a day (\(m.from)), used instead of a "
                    + "step-based activity factor.")
            notes.explain.append(
                "TDEE = \(m.from) = \(grouped(m.value)) kcal; activity factor = TDEE / BMR = "
                    + decimal(factor, places: 3))
            return EnergyUse(bmr: bmr, factor: factor, tdee: m.value, source: "calories_burned_kcal")
        }
        // Steps first, else active minutes (each with its table), else sedentary.
        let estimates: [(metric: String, table: ActivityTable, text: (Double) -> String, unit: String)] = [
            ("steps", NutritionRules.stepsActivity, { grouped($0) }, "steps a day."),
            (
                "active_minutes", NutritionRules.activeMinutesActivity, { decimal($0) },
                "active minutes a day (no steps recorded)."
            ),
        ]
        var factor = NutritionRules.sedentaryFactor
        var source = "default"
        if let (e, l) = estimates.lazy.compactMap({ e in level(e.metric).map { (e, $0) } }).first {
            factor = e.table.factor(l.value)
            source = e.metric
            notes.rationale.append(
                "Energy use estimated: BMR \(grouped(bmr)) kcal × activity factor "
                    + "\(decimal(factor, places: 3)) from \(e.text(l.value)) \(e.unit)")
            notes.explain.append(
                "activity factor \(decimal(factor, places: 3)) from \(l.from) = \(e.text(l.value)) "
                    + "(\(e.table.words(grouped)))")
        } else {
            let text = decimal(factor, places: 3)
            notes.rationale.append("No activity data: a sedentary activity factor of \(text) is assumed.")
            notes.explain.append("activity factor \(text): no calories_burned_kcal, steps or active_minutes")
        }
        let tdee = bmr * factor
        notes.explain.append("TDEE = \(grouped(bmr)) × \(decimal(factor, places: 3)) = \(grouped(tdee)) kcal")
        return EnergyUse(bmr: bmr, factor: factor, tdee: tdee, source: source)
    }

    /// A metric's activity level: its median over the last 14 days to as_of, else behavior_analysis's baseline.
    static func activityLevel(_ metric: String, days: UserDays, asOf: LocalDate?, behavior: BehaviorView?)
        -> (value: Double, from: String)?
    {
        if let asOf {
            let s = days.series(metric, from: asOf.adding(days: -(NutritionRules.recentDays - 1)), to: asOf).map(
                \.value)
            if let m = Stats.median(s) { return (m, "median \(metric) over \(s.count) of the last 14 days") }
        }
        if let b = behavior?.baselines[metric] { return (b, "behavior_analysis baseline of \(metric)") }
        return nil
    }

    /// The difficulty (1–5): memory's adaptation state, else the archetype's start; one less when strained.
    /// The same rule as hos-routine's, so both plans of an analysis state the same difficulty.
    func difficulty(_ input: NutritionInput, goal: String, notes: inout PlanNotes) -> Int {
        var difficulty: Int
        if let d = input.memory?.difficulty {
            difficulty = d
            notes.explain.append("difficulty \(d) from memory_context adaptation_state")
        } else {
            difficulty = ArchetypePolicy.of(archetype).baseDifficulty
            notes.explain.append(
                "difficulty \(difficulty): \(archetype.name)'s starting difficulty (no adaptation state)")
        }
        if input.behavior?.readinessState == "strained", difficulty > 1 {
            difficulty -= 1
            notes.explain.append("readiness strained (behavior_analysis): one difficulty step less, \(difficulty)")
            if goal == "deficit" {
                notes.rationale.append("Readiness is strained: the deficit is eased by one difficulty step for now.")
            }
        }
        return difficulty
    }

    /// The day's energy: a deficit scaled by difficulty, maintenance, or a performance surplus; never below the
    /// floor (the BMR, and 1,200 kcal); rounded to 10 kcal.
    func energyTarget(goal: String, difficulty: Int, use: EnergyUse, notes: inout PlanNotes) -> Double {
        let (bmr, tdee) = (use.bmr, use.tdee)
        let grouped = Self.grouped
        var target: Double
        switch goal {
        case "deficit":
            let share = NutritionRules.deficitShare(difficulty: difficulty)
            target = tdee * (1 - share)
            notes.rationale.append(
                Self.goalLine(
                    archetype, goal: goal, percent: share * 100, tdee: tdee,
                    difficulty: difficulty))
            notes.explain.append(
                "deficit = 7.5% + 2.5% × difficulty \(difficulty) = \(Self.decimal(share * 100))% "
                    + "(at most 20%): \(grouped(tdee)) × \(Self.decimal(1 - share, places: 3)) = \(grouped(target)) kcal"
            )
        case "performance":
            target = tdee * (1 + NutritionRules.performanceSurplus)
            notes.rationale.append(
                Self.goalLine(archetype, goal: goal, percent: 10, tdee: tdee, difficulty: difficulty))
            notes.explain.append("performance: \(grouped(tdee)) × 1.1 = \(grouped(target)) kcal")
        default:
            target = tdee
            notes.rationale.append(Self.goalLine(archetype, goal: goal, percent: 0, tdee: tdee, difficulty: difficulty))
            notes.explain.append("maintenance: energy = TDEE = \(grouped(target)) kcal")
        }
        let floor = max(bmr, NutritionRules.minEnergyKcal)
        // A deficit rounds up, so rounding never deepens it past its bound (20%).
        var energy = goal == "deficit" ? (target / 10).rounded(.up) * 10 : Self.round(target, to: 10)
        if target < floor {
            let which = bmr >= NutritionRules.minEnergyKcal ? "your BMR" : "the 1,200 kcal minimum"
            notes.rationale.append(
                "Safety floor: the goal would give \(grouped(target)) kcal, so energy is raised to "
                    + "\(which) (never below the BMR nor 1,200 kcal).")
        }
        if energy < floor {
            energy = (floor / 10).rounded(.up) * 10
            notes.explain.append(
                "floor max(BMR \(grouped(bmr)), 1,200) = \(grouped(floor)) kcal, rounded up to "
                    + grouped(energy))
        }
        notes.explain.append("energy \(grouped(energy)) kcal (rounded to 10)")
        return energy
    }

    /// Grams of each macronutrient a day.
    struct Macros: Equatable {
        var protein: Double
        var fat: Double
        var carbs: Double
        var fibre: Double
    }

    /// Macros: protein by g/kg, fat 25% (at least 20%), carbohydrate the remainder, fibre by energy.
    static func macros(energy: Double, weight: Double, goal: String, factor: Double, notes: inout PlanNotes) -> Macros {
        let perKg = NutritionRules.proteinPerKg(goal: goal, activityFactor: factor)
        var protein = (perKg * weight).rounded()
        var fatShare = NutritionRules.fatShare
        var fat = (fatShare * energy / 9).rounded()
        var carbs = (energy - 4 * protein - 9 * fat) / 4
        if carbs < 0 {
            fatShare = NutritionRules.minFatShare
            fat = (fatShare * energy / 9).rounded()
            carbs = (energy - 4 * protein - 9 * fat) / 4
        }
        if carbs < 0 {
            protein = ((energy - 9 * fat) / 4).rounded(.down)
            carbs = (energy - 4 * protein - 9 * fat) / 4
            notes.rationale.append("Protein is capped at \(Int(protein)) g so that fat keeps 20% of the energy.")
        }
        carbs = max(0, carbs.rounded())
        let fibre = (NutritionRules.fibrePer1000Kcal * energy / 1000).rounded()
        notes.rationale.append(
            "Protein \(Int(protein)) g (\(decimal(perKg)) g/kg for a \(goal) goal"
                + (factor >= NutritionRules.activeProteinFactor ? ", raised for a very active day" : "")
                + "), spread evenly over the main meals.")
        notes.explain.append(
            "protein \(decimal(perKg)) g/kg (\(NutritionRules.proteinWords); "
                + "+\(decimal(NutritionRules.activeProteinBonus)) when the activity factor ≥ "
                + "\(decimal(NutritionRules.activeProteinFactor, places: 3))) × \(decimal(weight)) kg = \(Int(protein)) g = "
                + "\(Int(4 * protein)) kcal")
        notes.explain.append(
            "fat \(Int(fatShare * 100))% of \(grouped(energy)) kcal / 9 = \(Int(fat)) g; carbs (energy − "
                + "4 × protein − 9 × fat) / 4 = \(Int(carbs)) g; fibre 14 g per 1,000 kcal = \(Int(fibre)) g")
        return Macros(protein: protein, fat: fat, carbs: carbs, fibre: fibre)
    }

    /// Water a day: 35 ml per kg, 500 ml more for an active day, rounded to 50 ml.
    static func hydration(weight: Double, factor: Double, notes: inout PlanNotes) -> Double {
        let active = factor >= NutritionRules.activeWaterFactor
        let water = round(NutritionRules.waterMlPerKg * weight + (active ? NutritionRules.activeWaterMl : 0), to: 50)
        notes.explain.append(
            "hydration 35 ml × \(decimal(weight)) kg" + (active ? " + 500 ml (activity factor ≥ 1.55)" : "")
                + " = \(grouped(water)) ml (rounded to 50)")
        return water
    }

    /// The hours awake that meals go in.
    struct WakingWindow: Equatable {
        var wake: ClockTime
        var bedtime: ClockTime
        /// Minutes from wake to bedtime.
        var awake: Int
        /// Where wake and bedtime came from: one source, or "wake: …, bedtime: …".
        var source: String
    }

    /// The waking window: hos-routine's day when known, else behavior_analysis's sleep times, the records'
    /// medians, the profile's wake_preference, 07:00; bedtime wake + 16 h when unknown or under 8 h after waking.
    static func wakingWindow(_ input: NutritionInput, window: (LocalDate, LocalDate)?, notes: inout PlanNotes)
        -> WakingWindow
    {
        func recordedClock(_ metric: String) -> ClockTime? {
            guard let window else { return nil }
            return circularMedian(input.days.clockSeries(metric, from: window.0, to: window.1).map(\.minutes))
        }
        var wake = NutritionRules.defaultWake
        var wakeSource = "default"
        if let t = input.routineDay {
            (wake, wakeSource) = (t.wake, "routine")
        } else if let w = input.behavior?.wake {
            (wake, wakeSource) = (w, "behavior_analysis")
        } else if let w = recordedClock("sleep_end") {
            (wake, wakeSource) = (w, "records")
        } else if let w = input.profile?.wakePreference {
            (wake, wakeSource) = (w, "profile")
        }
        var bedtime: ClockTime
        var bedSource: String
        if let t = input.routineDay {
            (bedtime, bedSource) = (t.lightsOut, "routine")
        } else if let b = input.behavior?.bedtime {
            (bedtime, bedSource) = (b, "behavior_analysis")
        } else if let b = recordedClock("sleep_start") {
            (bedtime, bedSource) = (b, "records")
        } else {
            (bedtime, bedSource) = (ClockTime(minutes: wake.minutes + NutritionRules.defaultAwakeMin), "wake + 16 h")
        }
        var awake = (bedtime.minutes - wake.minutes + 1440) % 1440
        if awake < NutritionRules.minAwakeMin {
            notes.rationale.append(
                "The recorded sleep times leave under 8 waking hours; bedtime is taken as 16 h after waking.")
            awake = NutritionRules.defaultAwakeMin
            bedtime = ClockTime(minutes: wake.minutes + awake)
            bedSource = "wake + 16 h"
        }
        if wakeSource == "default" || wakeSource == "profile", bedSource == "wake + 16 h" {
            notes.rationale.append(
                "No sleep timing recorded: meals assume waking at \(wake)"
                    + (wakeSource == "profile" ? " (the profile's wake_preference)" : "")
                    + " and bedtime at \(bedtime).")
        }
        notes.explain.append(
            "wake \(wake) (\(sourceText(wakeSource, "sleep_end"))), bedtime \(bedtime) "
                + "(\(sourceText(bedSource, "sleep_start")))")
        return WakingWindow(
            wake: wake, bedtime: bedtime, awake: awake,
            source: wakeSource == bedSource ? wakeSource : "wake: \(wakeSource), bedtime: \(bedSource)")
    }

    /// Minutes after waking of the first and the last meal, on 5-minute marks of the clock: the first one kept
    /// within 30–60 min of waking, the last one rounded down so that the gap before bedtime is never shortened.
    static func mealSpan(_ style: MealStyle, waking: WakingWindow) -> (first: Int, last: Int) {
        let wake = waking.wake.minutes
        var first = Int((Double(style.firstMealAfterWakeMin + wake) / 5).rounded()) * 5 - wake
        if first < 30 { first += 5 }
        if first > 60 { first -= 5 }
        let last = Int((Double(waking.awake - style.lastMealBeforeBedMin + wake) / 5).rounded(.down)) * 5 - wake
        return (first, last)
    }

    /// The day's meals: times in the waking window, energy and protein split by the meal style, foods.
    static func meals(
        _ style: MealStyle, waking: WakingWindow, energy: Double, protein: Double, goal: String,
        dietary: Dietary, notes: inout PlanNotes
    ) -> [NutritionPlan.Meal] {
        let (wake, bedtime) = (waking.wake, waking.bedtime)
        let (firstOffset, lastOffset) = mealSpan(style, waking: waking)
        var mealKcal = style.energyShares.map { Int(round($0 * energy, to: 10)) }
        if let big = style.energyShares.indices.max(by: { style.energyShares[$0] < style.energyShares[$1] }) {
            mealKcal[big] += Int(energy) - mealKcal.reduce(0, +)
        }
        var mealProtein = style.proteinShares.map { Int(($0 * protein).rounded()) }
        mealProtein[mealProtein.count - 1] += Int(protein) - mealProtein.reduce(0, +)
        var meals: [NutritionPlan.Meal] = []
        for (i, name) in style.names.enumerated() {
            let offset =
                i == 0
                ? firstOffset
                : i == style.names.count - 1
                    ? lastOffset
                    : firstOffset + Int((style.positions[i] * Double(lastOffset - firstOffset) / 5).rounded()) * 5
            meals.append(
                NutritionPlan.Meal(
                    name: name, time: ClockTime(minutes: wake.minutes + offset), minutesAfterWake: offset,
                    kcal: mealKcal[i], proteinG: mealProtein[i], focus: focus(name, goal: goal, dietary: dietary),
                    foods: foods(name, dietary: dietary)))
        }
        let split = style.energyShares.map { String(Int(($0 * 100).rounded())) }.joined(separator: "/")
        notes.rationale.append(
            "\(meals.count) meals from \(meals[0].time) (\(firstOffset) min after waking at "
                + "\(wake)) to \(meals[meals.count - 1].time) (at least \(hours(style.lastMealBeforeBedMin)) before "
                + "bedtime at \(bedtime)), energy split \(split).")
        notes.explain.append(
            "meals: "
                + meals.map { "\($0.name) \($0.time) \($0.kcal) kcal \($0.proteinG) g protein" }
                .joined(separator: "; ") + " (split \(split) by energy; protein even over the main meals"
                + (meals.count > 3 ? ", 10% to the snack)" : ")"))
        return meals
    }

    /// The rationale's words on the dietary constraints the foods respect.
    static func dietaryNotes(_ dietary: Dietary, notes: inout PlanNotes) {
        var constraints: [String] = []
        if dietary.kind != .omnivore { constraints.append("a \(dietary.pattern) pattern") }
        if !dietary.allergies.isEmpty {
            constraints.append("no \(dietary.allergies.joined(separator: ", ")) (allergy)")
        }
        if !dietary.exclusions.isEmpty { constraints.append("no \(dietary.exclusions.joined(separator: ", "))") }
        if !dietary.known {
            notes.rationale.append(
                "The dietary pattern '\(dietary.pattern)' is not one hos-nutrition knows: foods are "
                    + "chosen as for an omnivore, so check them.")
        }
        if !constraints.isEmpty {
            let list =
                constraints.count == 1
                ? constraints[0]
                : constraints.dropLast().joined(separator: ", ") + " and " + constraints[constraints.count - 1]
            notes.rationale.append("Meal suggestions respect \(list).")
        }
        notes.explain.append(
            "dietary: pattern \(dietary.pattern) (\(dietary.patternSource)); exclusions and allergies "
                + "are the union of user_profile.dietary and memory_context preferences")
    }

    /// Logged intake against the targets: the median of the last logged days per metric, and the largest gap.
    func intake(
        _ days: UserDays, window: (LocalDate, LocalDate)?, energy: Double, macros: Macros,
        notes: inout PlanNotes
    ) -> [NutritionPlan.IntakeGap] {
        var intake: [NutritionPlan.IntakeGap] = []
        if let window {
            let (start, end) = window
            let targets: [(String, Double)] = [
                ("calories_in_kcal", energy), ("protein_g", macros.protein),
                ("carbs_g", macros.carbs), ("fat_g", macros.fat), ("fiber_g", macros.fibre),
            ]
            for (metric, t) in targets {
                let values = days.series(metric, from: start, to: end).suffix(NutritionRules.intakeDays).map(\.value)
                guard let m = Stats.median(values) else { continue }
                let logged = Self.round(m, to: metric == "calories_in_kcal" ? 10 : 1)
                intake.append(NutritionPlan.IntakeGap(metric: metric, logged: logged, target: t, days: values.count))
            }
        }
        if intake.isEmpty {
            notes.rationale.append(
                "No logged intake (calories_in_kcal, protein_g, carbs_g, fat_g, fiber_g): nothing to "
                    + "compare with the targets yet.")
            return intake
        }
        let largest = intake.filter { $0.target > 0 }.max { abs($0.gap) / $0.target < abs($1.gap) / $1.target }
        if let g = largest, abs(g.gap) / g.target >= NutritionRules.onTargetGap {
            let grouped = Self.grouped
            let unit = g.metric == "calories_in_kcal" ? "kcal" : "g"
            let what = [
                "calories_in_kcal": "energy", "protein_g": "protein", "carbs_g": "carbohydrate",
                "fat_g": "fat", "fiber_g": "fibre",
            ][g.metric]!
            notes.rationale.append(
                "Logged intake (median of \(g.days) logged days): \(what) \(grouped(g.logged)) \(unit) "
                    + "against a target of \(grouped(g.target)) \(unit), \(grouped(abs(g.gap))) \(unit) "
                    + "\(g.gap < 0 ? "short" : "over"), the largest gap; \(Self.gapAdvice(archetype)).")
        } else {
            notes.rationale.append("Logged intake is within 10% of every target.")
        }
        notes.explain.append(
            "intake: median of the last \(NutritionRules.intakeDays) logged days in the window per "
                + "metric; gap = logged − target; the largest gap is the largest |gap| / target")
        return intake
    }

    /// Minutes as hours in words: 180 → "3 h", 150 → "2.5 h".
    public static func hours(_ minutes: Int) -> String {
        minutes % 60 == 0 ? "\(minutes / 60) h" : "\(decimal(Double(minutes) / 60)) h"
    }

    static func sourceText(_ source: String, _ metric: String) -> String {
        switch source {
        case "routine":
            metric == "sleep_end" ? "hos-routine's wake time for the day" : "hos-routine's lights-out for tonight"
        case "behavior_analysis": "behavior_analysis sleep_timing.\(metric).mean"
        case "records": "median \(metric) of the window's records"
        case "profile": "the profile's wake_preference"
        case "default": "default"
        default: source
        }
    }

    /// The words of a meal's focus: what the meal is for, protein first.
    static func focus(_ meal: String, goal: String, dietary: Dietary) -> String {
        let protein = dietary.kind == .vegan ? "plant protein" : "protein"
        let rest: String =
            switch (goal, meal) {
            case ("deficit", "breakfast"): "fibre"
            case ("deficit", "lunch"): "vegetables + fibre"
            case ("deficit", _): "vegetables"
            case ("performance", "breakfast"): "carbohydrate"
            case ("performance", "lunch"): "complex carbs"
            case ("performance", "snack"): "quick carbs"
            case ("performance", _): "carbohydrate + vegetables"
            case (_, "breakfast"): "complex carbs"
            case (_, "lunch"): "vegetables + complex carbs"
            case (_, "snack"): "fruit"
            default: "vegetables + healthy fats"
            }
        return protein + " + " + rest
    }

    /// The foods a meal suggests: the first of each group that the pattern allows and nothing avoided names.
    static func foods(_ meal: String, dietary: Dietary) -> [String] {
        let groups = Food.catalogue[meal] ?? []
        return groups.enumerated().map { i, candidates in
            if let f = candidates.first(where: {
                dietary.allowed.contains($0.source) && !$0.conflicts(with: dietary.avoided)
            }) {
                return f.name
            }
            return i == 0
                ? (dietary.kind == .vegan ? "plant protein" : "protein") : i == 1 ? "whole foods" : "vegetables"
        }
    }

    /// The opening line of the rationale, in the archetype's tone (hos-events(7), ARCHETYPES).
    static func tone(_ a: Archetype) -> String {
        switch a {
        case .foundationBuilder:
            "A gentle, simple plan: steady, regular meals are the foundation, and small consistent steps add up."
        case .resilienceRebuilder:
            "A restorative plan: regular, nourishing meals to support your recovery; be kind to yourself on harder days."
        case .connectedExplorer:
            "A plan made for sharing: meals that fit the people you eat with, and room to explore new foods."
        case .systematicImprover:
            "A methodical plan: each target below is derived step by step from your data, so progress can be measured."
        case .transformationSeeker:
            "A plan for transformation: a clear, safe deficit to drive the breakthrough you are working for."
        case .peakPerformer: "A performance plan: energy and protein timed to fuel training and optimise recovery."
        }
    }

    static func goalLine(_ a: Archetype, goal: String, percent: Double, tdee: Double, difficulty: Int) -> String {
        switch goal {
        case "deficit":
            "Goal deficit: \(decimal(percent))% below the \(grouped(tdee)) kcal you use (difficulty \(difficulty))"
                + (a == .transformationSeeker ? ", a steady pace for lasting change." : ".")
        case "performance":
            "Goal performance: 10% above the \(grouped(tdee)) kcal you use, to fuel training and adaptation."
        default:
            "Goal maintenance: energy matches the \(grouped(tdee)) kcal you use" + maintenanceWhy(a)
        }
    }

    static func maintenanceWhy(_ a: Archetype) -> String {
        switch a {
        case .resilienceRebuilder: ", with no restriction while you recover."
        case .systematicImprover: ", a stable baseline to measure from."
        case .connectedExplorer: ", leaving room for shared meals."
        default: ", to keep things simple and sustainable."
        }
    }

    /// How the largest intake gap is to be closed, in the archetype's tone.
    static func gapAdvice(_ a: Archetype) -> String {
        switch a {
        case .foundationBuilder: "close it a little at a time, one meal at a time"
        case .resilienceRebuilder: "close it gently, without pressure"
        case .connectedExplorer: "try closing it with a meal you share"
        case .systematicImprover: "track it daily and close it step by step"
        case .transformationSeeker: "closing it is your next breakthrough"
        case .peakPerformer: "close it to optimise performance and recovery"
        }
    }
}

/// Lowercased, without surrounding spaces and tabs.
private func cleaned(_ text: String) -> String {
    var s = Substring(text.lowercased())
    while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
    while let l = s.last, l == " " || l == "\t" { s.removeLast() }
    return String(s)
}
