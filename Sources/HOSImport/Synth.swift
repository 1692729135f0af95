// Synthetic users: a persona per archetype, daily metrics with rhythm, trends, noise, gaps and planted effects.

import Glibc
import HOSCore

/// A relationship the generator plants: `effect` on day d+lag moves with `cause` on day d.
public struct PlantedRelationship: Sendable, Equatable {
    public var cause: String
    public var effect: String
    public var lag: Int
    /// Correlation of the effect's daily deviation with the cause's (positive or negative).
    public var strength: Double

    public var json: JSON {
        [
            "cause": .string(cause), "effect": .string(effect), "lag": .number(Double(lag)),
            "direction": .string(strength >= 0 ? "positive" : "negative"), "strength": .number(strength, places: 3),
        ]
    }
}

/// What a simulated user really prefers, hidden from the agents; `hos-synth respond` acts on it.
public struct HiddenPreferences: Sendable, Equatable {
    /// morning, midday or evening.
    public var exerciseTime: String
    /// gradual or direct.
    public var sleepShift: String
    /// The highest intensity (1–5) the user keeps up without dropping off.
    public var intensityCapacity: Int
    /// Probability of doing a well-suited item on an ordinary day.
    public var baseAdherence: Double
    /// Multipliers for Monday … Sunday.
    public var weekdayAdherence: [Double]

    public var json: JSON {
        [
            "exercise_time": .string(exerciseTime), "sleep_shift": .string(sleepShift),
            "intensity_capacity": .number(Double(intensityCapacity)),
            "base_adherence": .number(baseAdherence, places: 3),
            "weekday_adherence": .array(weekdayAdherence.map { .number($0, places: 3) }),
        ]
    }

    /// The preferences of a user, from the seed and the user id alone, so `respond` needs no other state.
    public init(seed: UInt64, user: String, archetype: Archetype) {
        var rng = SeededRandom(seed: seed, stream: "preferences", user)
        let times = ["morning", "midday", "evening"]
        exerciseTime = rng.pick(times)
        sleepShift = rng.chance(0.5) ? "gradual" : "direct"
        let capacityMean: Double =
            switch archetype {
            case .peakPerformer: 4.5
            case .systematicImprover, .transformationSeeker: 3.5
            case .connectedExplorer: 3
            case .foundationBuilder: 2.5
            case .resilienceRebuilder: 1.8
            }
        intensityCapacity = min(5, max(1, Int(rng.normal(capacityMean, 0.6).rounded())))
        baseAdherence = min(0.95, max(0.55, rng.normal(0.8, 0.07)))
        let weekendDip = rng.uniform(0.7, 1.05)
        weekdayAdherence = (1...7).map { day in
            let base = day >= 6 ? weekendDip : 1.0
            return min(1.1, max(0.6, base + rng.normal(0, 0.05)))
        }
    }
}

/// The generator's settings.
public struct SynthOptions: Sendable {
    public var users: Int
    public var days: Int
    /// One archetype for all, or nil for the six in turn.
    public var archetype: Archetype?
    public var start: LocalDate
    public var seed: UInt64
    /// Append one `analysis_request` per user after its records.
    public var request: Bool
    public var windowDays: Int

    public init(
        users: Int, days: Int, archetype: Archetype?, start: LocalDate, seed: UInt64, request: Bool = false,
        windowDays: Int = AnalysisRequest.defaultWindowDays
    ) {
        self.users = users
        self.days = days
        self.archetype = archetype
        self.start = start
        self.seed = seed
        self.request = request
        self.windowDays = windowDays
    }
}

/// The typical levels of one archetype; each user draws its own around them.
struct Persona {
    var sleepMin: Double, sleepSD: Double
    var bedtime: Double // minutes after midnight; may pass 1440
    var weekendShift: Double
    var steps: Double, weekendSteps: Double
    var restingHR: Double, hrv: Double
    var missingDays: Double
    var logsFood: Double, drinks: Double
    var weightTrendPerWeek: Double, stepsTrendPerWeek: Double, sleepTrendPerWeek: Double

    init(_ a: Archetype) {
        switch a {
        case .peakPerformer:
            self = Persona(
                sleepMin: 455, sleepSD: 25, bedtime: 1350, weekendShift: 20, steps: 12500, weekendSteps: 0.95,
                restingHR: 50, hrv: 85, missingDays: 0.02, logsFood: 0.9, drinks: 0.05,
                weightTrendPerWeek: 0, stepsTrendPerWeek: 0.005, sleepTrendPerWeek: 0.5)
        case .systematicImprover:
            self = Persona(
                sleepMin: 430, sleepSD: 30, bedtime: 1380, weekendShift: 30, steps: 9000, weekendSteps: 0.9,
                restingHR: 58, hrv: 60, missingDays: 0.03, logsFood: 0.8, drinks: 0.1,
                weightTrendPerWeek: -0.05, stepsTrendPerWeek: 0.01, sleepTrendPerWeek: 1)
        case .transformationSeeker:
            self = Persona(
                sleepMin: 400, sleepSD: 45, bedtime: 1410, weekendShift: 50, steps: 7000, weekendSteps: 1.0,
                restingHR: 66, hrv: 45, missingDays: 0.08, logsFood: 0.6, drinks: 0.2,
                weightTrendPerWeek: -0.25, stepsTrendPerWeek: 0.02, sleepTrendPerWeek: 1.5)
        case .foundationBuilder:
            self = Persona(
                sleepMin: 390, sleepSD: 50, bedtime: 1425, weekendShift: 45, steps: 5500, weekendSteps: 0.85,
                restingHR: 68, hrv: 40, missingDays: 0.15, logsFood: 0.3, drinks: 0.15,
                weightTrendPerWeek: 0, stepsTrendPerWeek: 0.005, sleepTrendPerWeek: 0.5)
        case .resilienceRebuilder:
            self = Persona(
                sleepMin: 380, sleepSD: 55, bedtime: 1455, weekendShift: 40, steps: 4500, weekendSteps: 0.9,
                restingHR: 72, hrv: 32, missingDays: 0.12, logsFood: 0.3, drinks: 0.08,
                weightTrendPerWeek: 0, stepsTrendPerWeek: 0.01, sleepTrendPerWeek: 1)
        case .connectedExplorer:
            self = Persona(
                sleepMin: 415, sleepSD: 45, bedtime: 1400, weekendShift: 75, steps: 8000, weekendSteps: 1.35,
                restingHR: 62, hrv: 50, missingDays: 0.10, logsFood: 0.4, drinks: 0.3,
                weightTrendPerWeek: 0, stepsTrendPerWeek: 0, sleepTrendPerWeek: 0)
        }
    }

    init(
        sleepMin: Double, sleepSD: Double, bedtime: Double, weekendShift: Double, steps: Double, weekendSteps: Double,
        restingHR: Double, hrv: Double, missingDays: Double, logsFood: Double, drinks: Double,
        weightTrendPerWeek: Double, stepsTrendPerWeek: Double, sleepTrendPerWeek: Double
    ) {
        self.sleepMin = sleepMin
        self.sleepSD = sleepSD
        self.bedtime = bedtime
        self.weekendShift = weekendShift
        self.steps = steps
        self.weekendSteps = weekendSteps
        self.restingHR = restingHR
        self.hrv = hrv
        self.missingDays = missingDays
        self.logsFood = logsFood
        self.drinks = drinks
        self.weightTrendPerWeek = weightTrendPerWeek
        self.stepsTrendPerWeek = stepsTrendPerWeek
        self.sleepTrendPerWeek = sleepTrendPerWeek
    }
}

/// Deterministic synthetic users (`hos-synth`): same options, byte-identical events.
public struct SyntheticUsers {
    public let options: SynthOptions

    /// The candidate relationships; each user carries each with probability 0.6, so the rest are true nulls.
    public static let candidates: [(cause: String, effect: String, sign: Double)] = [
        ("sleep_duration_min", "hrv_rmssd_ms", 1),
        ("sleep_duration_min", "readiness_score", 1),
        ("steps", "sleep_efficiency_pct", 1),
        ("alcohol_units", "resting_hr_bpm", 1),
        // An evening's drinks lower the next night's HRV (time order: evening, then the night that follows).
        ("alcohol_units", "hrv_rmssd_ms", -1),
    ]

    /// The reverse artefact: an outcome that drives a lever measured after it. A user who carries it drinks
    /// more coffee on a day whose morning readiness is low, so caffeine and readiness move together on the
    /// same date although caffeine cannot have caused a score measured the night before it; no relationship
    /// runs from caffeine to anything, so any correlation reported with caffeine as the lever is false.
    public static let reverseArtefact = (driver: "readiness_score", driven: "caffeine_mg", sign: -1.0)

    /// The strength of the reverse artefact for one user (correlation of caffeine with that morning's
    /// readiness), or nil when the user does not carry it (half of the users do; a stream of its own, so the
    /// other users' data do not change).
    public func reverseArtefact(user: String) -> Double? {
        var rng = SeededRandom(seed: options.seed, stream: "artefact", user)
        let has = rng.chance(0.5)
        let strength = rng.uniform(0.6, 0.8)
        return has ? Self.reverseArtefact.sign * strength : nil
    }

    /// Metrics computed from others on the same day (not independent: correlations among them are expected).
    public static let derived: [String: [String]] = [
        "time_in_bed_min": ["sleep_duration_min", "sleep_efficiency_pct"],
        "sleep_end": ["sleep_start", "time_in_bed_min"],
        "deep_sleep_min": ["sleep_duration_min"], "rem_sleep_min": ["sleep_duration_min"],
        "light_sleep_min": ["sleep_duration_min"],
        "active_minutes": ["steps"], "distance_km": ["steps"], "calories_burned_kcal": ["steps", "weight_kg"],
        "carbs_g": ["calories_in_kcal"], "protein_g": ["calories_in_kcal"], "fat_g": ["calories_in_kcal"],
    ]

    /// Metrics that follow the weekly rhythm (weekend vs weekday).
    public static let weeklyRhythm = ["sleep_start", "sleep_end", "steps"]

    public init(options: SynthOptions) { self.options = options }

    public func userID(_ index: Int) -> String {
        let digits = String(index + 1)
        return "u-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    public func archetype(_ index: Int) -> Archetype {
        options.archetype ?? Archetype.allCases[index % Archetype.allCases.count]
    }

    /// The relationships planted for one user.
    public func relationships(user: String) -> [PlantedRelationship] {
        var rng = SeededRandom(seed: options.seed, stream: "relationships", user)
        var out: [PlantedRelationship] = []
        for c in Self.candidates {
            let has = rng.chance(0.6)
            let strength = rng.uniform(0.55, 0.8)
            if has {
                out.append(PlantedRelationship(cause: c.cause, effect: c.effect, lag: 1, strength: c.sign * strength))
            }
        }
        return out
    }

    /// Every event of one user, in order: profile, records by date, then the request if asked.
    /// The steps: the user's own levels (drawn first, in a fixed order), the profile, then day by day the
    /// latent values (every day) and the metrics recorded (on logged days only).
    public func events(forUser index: Int) -> [Event] {
        let user = userID(index)
        let archetype = archetype(index)
        var rng = SeededRandom(seed: options.seed, stream: "user", user)
        let persona = Persona(archetype)
        let planted = relationships(user: user)
        let levels = UserLevels.draw(persona, archetype: archetype, rng: &rng)
        let profile = levels.profile(archetype)
        var events = [
            Event(
                id: EventID.derive("synth", user, archetype.name, JSON.object(profile.payload).text),
                type: EventType.userProfile,
                user: user, timestamp: Timestamp.startOf(options.start), source: "hos-synth",
                archetype: archetype.name, payload: profile.payload)
        ]

        var day = SimulatedDay(
            levels: levels, persona: persona, planted: planted,
            drinkRate: drinkRate(user: user, persona: persona, planted: planted))
        if let s = reverseArtefact(user: user) {
            day.caffeine = (strength: s, rng: SeededRandom(seed: options.seed, stream: "caffeine", user))
        }
        var lastDate = options.start
        for index in 0..<options.days {
            let date = options.start.adding(days: index)
            day.advance(to: date, weeks: Double(index) / 7, rng: &rng)
            guard !rng.chance(persona.missingDays) else { continue }
            let metrics = day.metrics(logWeight: index % 3 == 0 || archetype == .transformationSeeker, rng: &rng)
            let record = HealthRecord(date: date, metrics: metrics, source: "hos-synth")
            events.append(
                Event(
                    id: EventID.derive("synth", user, archetype.name, JSON.object(record.payload).text),
                    type: EventType.healthRecord,
                    user: user, timestamp: Timestamp.startOf(date), source: "hos-synth",
                    archetype: archetype.name, payload: record.payload))
            lastDate = date
        }
        if options.request {
            events.append(
                AnalysisRequest.event(
                    user: user, archetype: archetype, asOf: lastDate, windowDays: options.windowDays,
                    source: "hos-synth"))
        }
        return events
    }

    /// The share of weekdays a user drinks on (twice that at weekends). A relationship needs its cause to vary:
    /// a user who carries alcohol → resting HR or → HRV drinks on a share of days drawn from its own stream (so the other
    /// users' data do not change), and the cause is standardised by that rate's own mean and SD.
    func drinkRate(user: String, persona: Persona, planted: [PlantedRelationship]) -> Double {
        guard planted.contains(where: { $0.cause == "alcohol_units" }) else { return persona.drinks }
        var drinkRNG = SeededRandom(seed: options.seed, stream: "drinking", user)
        return max(persona.drinks, drinkRNG.uniform(0.2, 0.3))
    }

    /// Mean and SD of one day's alcohol units when a weekday is a drinking day with probability `rate` and a
    /// weekend day with twice that; a drinking day has U(1, 6) units (rounded to halves: mean 3.5, variance
    /// about 25/12).
    static func alcoholMoments(rate: Double) -> (mean: Double, sd: Double) {
        let p = min(1, rate * 9 / 7)
        let mean = p * 3.5
        let variance = p * (3.5 * 3.5 + 25.0 / 12) - mean * mean
        return (mean, max(0.5, variance.squareRoot()))
    }

    /// The truth file: what was planted and what each user prefers, for evaluation.
    public func truth() -> JSON {
        let users: [JSON] = (0..<options.users).map { i in
            let user = userID(i)
            let a = archetype(i)
            return [
                "user_id": .string(user), "archetype": .string(a.name),
                "relationships": .array(relationships(user: user).map(\.json)),
                "reverse_artefact": reverseArtefact(user: user).map { .number($0, places: 3) } ?? .null,
                "preferences": HiddenPreferences(seed: options.seed, user: user, archetype: a).json,
            ]
        }
        // The seed as text: a UInt64 above 2^53 would not survive a JSON number.
        return [
            "seed": .string(String(options.seed)), "start": .string(options.start.description),
            "days": .number(Double(options.days)),
            "candidates": .array(
                Self.candidates.map { c in
                    [
                        "cause": .string(c.cause), "effect": .string(c.effect), "lag": 1,
                        "direction": .string(c.sign > 0 ? "positive" : "negative"),
                    ]
                }),
            "derived": .object(Self.derived.mapValues { .array($0.map(JSON.string)) }),
            "weekly_rhythm": .array(Self.weeklyRhythm.map(JSON.string)),
            "reverse_artefact": [
                "driver": .string(Self.reverseArtefact.driver), "driven": .string(Self.reverseArtefact.driven),
                "lag": 0, "direction": "negative",
            ],
            "users": .array(users),
        ]
    }
}

/// One simulated user's own levels around its persona, drawn once before the days.
struct UserLevels {
    var sleepMean: Double
    /// Usual sleep start, minutes after midnight (may pass 1440).
    var bedtime: Double
    var stepsMean: Double
    var rhrMean: Double
    var hrvMean: Double
    var sex: String
    var height: Double
    var weight: Double
    var age: Double
    var logsMood: Bool
    var logsFood: Bool
    /// Mean kcal eaten a day.
    var intake: Double
    var pattern: String
    var allergies: [JSON]
    var timezone: String

    /// The levels, drawn in this order from the user's stream (the order is part of the seed's contract).
    static func draw(_ persona: Persona, archetype: Archetype, rng: inout SeededRandom) -> UserLevels {
        let sleepMean = rng.normal(persona.sleepMin, 20)
        let bedtime = rng.normal(persona.bedtime, 25)
        let stepsMean = max(1500, rng.normal(persona.steps, persona.steps * 0.15))
        let rhrMean = rng.normal(persona.restingHR, 3)
        let hrvMean = max(15, rng.normal(persona.hrv, persona.hrv * 0.15))
        let sex = rng.chance(0.5) ? "female" : "male"
        let height = rng.normal(sex == "female" ? 165 : 178, 7)
        let weight = max(45, rng.normal(sex == "female" ? 66 : 80, 10) + (archetype == .transformationSeeker ? 12 : 0))
        let age = Double(Int(rng.uniform(22, 62)))
        let logsMood = rng.chance(0.5)
        let logsFood = rng.chance(persona.logsFood)
        let intake = rng.normal(sex == "female" ? 2000 : 2500, 200)
        let pattern = rng.pick(["omnivore", "omnivore", "omnivore", "vegetarian", "pescatarian", "vegan"])
        let allergies: [JSON] =
            rng.chance(0.15) ? [.string(rng.pick(["peanuts", "tree nuts", "shellfish", "gluten"]))] : []
        let timezone = rng.pick([
            "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles",
            "Asia/Tokyo", "Australia/Sydney",
        ])
        return UserLevels(
            sleepMean: sleepMean, bedtime: bedtime, stepsMean: stepsMean, rhrMean: rhrMean,
            hrvMean: hrvMean, sex: sex, height: height, weight: weight, age: age, logsMood: logsMood,
            logsFood: logsFood, intake: intake, pattern: pattern, allergies: allergies, timezone: timezone)
    }

    /// The user's profile: body data, the archetype's goals, diet, and a wake preference from the sleep levels.
    func profile(_ archetype: Archetype) -> UserProfile {
        let goals: [String] =
            switch archetype {
            case .peakPerformer: ["performance", "recovery"]
            case .systematicImprover: ["sleep", "fitness"]
            case .transformationSeeker: ["weight_loss", "fitness"]
            case .foundationBuilder: ["sleep", "habits"]
            case .resilienceRebuilder: ["recovery", "stress"]
            case .connectedExplorer: ["social", "fitness"]
            }
        return UserProfile(
            age: age, sex: sex, heightCm: (height * 10).rounded() / 10, weightKg: (weight * 10).rounded() / 10,
            goals: goals, dietary: ["pattern": .string(pattern), "exclusions": [], "allergies": .array(allergies)],
            timezone: timezone,
            wakePreference: ClockTime(minutes: Int((bedtime + sleepMean + 15 - 1440) / 5) * 5))
    }
}

/// One simulated user day after day: latent values exist every day, carry yesterday's causes into today's
/// effects, and become metrics on the days the user logs.
struct SimulatedDay {
    let levels: UserLevels
    let persona: Persona
    let planted: [PlantedRelationship]
    let drinkRate: Double
    let alcoholStats: (mean: Double, sd: Double)
    /// Yesterday's standardised causes, for the lagged effects.
    var prevSleepZ = 0.0, prevStepsZ = 0.0, prevAlcoholZ = 0.0
    var weight: Double
    // Today's latent values.
    var sleep = 0.0, steps = 0.0, alcohol = 0.0, hrv = 0.0, readiness = 0.0, efficiency = 0.0, rhr = 0.0
    var start = 0.0, inBed = 0.0
    /// The reverse artefact, when the user carries it: its strength and the stream of its own draws.
    var caffeine: (strength: Double, rng: SeededRandom)?
    /// Today's caffeine (mg), nil when not recorded.
    var caffeineToday: Double?

    init(levels: UserLevels, persona: Persona, planted: [PlantedRelationship], drinkRate: Double) {
        self.levels = levels
        self.persona = persona
        self.planted = planted
        self.drinkRate = drinkRate
        alcoholStats = SyntheticUsers.alcoholMoments(rate: drinkRate)
        weight = levels.weight
    }

    func strength(_ cause: String, _ effect: String) -> Double {
        planted.first { $0.cause == cause && $0.effect == effect }?.strength ?? 0
    }

    /// Draws the day's latent values: rhythm, trend and noise, and the planted effects of yesterday's causes.
    mutating func advance(to date: LocalDate, weeks: Double, rng: inout SeededRandom) {
        let weekend = date.isWeekend
        let sleepZ = rng.normal()
        sleep = min(
            720,
            max(
                180,
                levels.sleepMean + persona.sleepTrendPerWeek * weeks + persona.sleepSD * sleepZ
                    + (weekend ? 25 : 0)))
        let stepsZ = rng.normal()
        let stepsLevel =
            levels.stepsMean * (1 + persona.stepsTrendPerWeek * weeks) * (weekend ? persona.weekendSteps : 1)
        steps = max(300, (stepsLevel * exp(0.25 * stepsZ)).rounded())
        let drinking = rng.chance(drinkRate * (weekend ? 2 : 1))
        alcohol = drinking ? (rng.uniform(1, 6) * 2).rounded() / 2 : 0
        let alcoholZ = (alcohol - alcoholStats.mean) / alcoholStats.sd

        func mix(_ s: Double, _ cause: Double) -> Double { s * cause + (1 - s * s).squareRoot() * rng.normal() }
        // Two causes: their strengths scaled down together when their squares would leave too little noise.
        func mix(_ causes: [(s: Double, z: Double)]) -> Double {
            let squares = causes.reduce(0) { $0 + $1.s * $1.s }
            let scale = squares > 0.9 ? (0.9 / squares).squareRoot() : 1
            let explained = causes.reduce(0) { $0 + scale * $1.s * $1.z }
            return explained + (1 - min(squares, 0.9)).squareRoot() * rng.normal()
        }
        let hrvZ = mix([
            (strength("sleep_duration_min", "hrv_rmssd_ms"), prevSleepZ),
            (strength("alcohol_units", "hrv_rmssd_ms"), prevAlcoholZ),
        ])
        hrv = max(8, levels.hrvMean * exp(0.18 * hrvZ))
        let readinessZ = mix(strength("sleep_duration_min", "readiness_score"), prevSleepZ)
        readiness = min(100, max(5, 65 + 12 * readinessZ))
        efficiency = min(99, max(60, 88 + 4 * mix(strength("steps", "sleep_efficiency_pct"), prevStepsZ)))
        rhr = min(110, max(38, levels.rhrMean + 2.5 * mix(strength("alcohol_units", "resting_hr_bpm"), prevAlcoholZ)))
        prevSleepZ = sleepZ
        prevStepsZ = stepsZ
        prevAlcoholZ = alcoholZ
        if var c = caffeine {
            // This morning's readiness drives today's coffee: low readiness, more caffeine.
            let z = c.strength * readinessZ + (1 - c.strength * c.strength).squareRoot() * c.rng.normal()
            caffeineToday = c.rng.chance(0.03) ? nil : max(0, (220 + 90 * z).rounded())
            caffeine = c
        }
        weight += persona.weightTrendPerWeek / 7 + rng.normal(0, 0.05)
        start = levels.bedtime + (weekend ? persona.weekendShift : 0) + rng.normal(0, 20)
        inBed = sleep / (efficiency / 100)
    }

    /// The metrics recorded today; each sensor misses 3% of days, and values stay in their plausible ranges.
    func metrics(logWeight: Bool, rng: inout SeededRandom) -> [String: MetricValue] {
        var m: [String: MetricValue] = [:]
        func put(_ name: String, _ v: Double, places: Int = 0) {
            // A sensor is not worn every day: each metric has its own small gap rate.
            guard !rng.chance(0.03) else { return }
            // Trends run for as many days as asked: keep every value inside its plausible range.
            let range = Metrics.metric(named: name)!.range
            m[name] = .number(JSON.number(min(range.upperBound, max(range.lowerBound, v)), places: places).doubleValue!)
        }
        put("sleep_duration_min", sleep)
        put("time_in_bed_min", inBed)
        put("sleep_efficiency_pct", efficiency, places: 1)
        m["sleep_start"] = .clock(ClockTime(minutes: Int(start.rounded())))
        m["sleep_end"] = .clock(ClockTime(minutes: Int((start + inBed).rounded())))
        put("deep_sleep_min", sleep * rng.uniform(0.13, 0.2))
        put("rem_sleep_min", sleep * rng.uniform(0.18, 0.25))
        put("light_sleep_min", sleep * rng.uniform(0.5, 0.6))
        put("hrv_rmssd_ms", hrv, places: 1)
        put("resting_hr_bpm", rhr)
        put("readiness_score", readiness)
        put("steps", steps)
        put("active_minutes", min(600, steps / 160 + rng.normal(0, 5)).magnitude)
        put("distance_km", steps * 0.00075, places: 2)
        put("calories_burned_kcal", weight * 22 + steps * 0.04 + rng.normal(0, 60))
        if drinkRate > 0 { put("alcohol_units", alcohol, places: 1) }
        // From the artefact's own stream (drawn in advance), so the other metrics' draws do not change.
        if let c = caffeineToday { m["caffeine_mg"] = .number(min(3000, c)) }
        if logWeight { put("weight_kg", weight, places: 1) }
        if levels.logsMood {
            put("mood", Double(min(5, max(1, Int((3.3 + 0.6 * rng.normal()).rounded())))))
            put("energy", Double(min(5, max(1, Int((3.2 + 0.7 * rng.normal()).rounded())))))
        }
        if levels.logsFood, rng.chance(0.85) {
            let kcal = max(900, rng.normal(levels.intake, 250))
            put("calories_in_kcal", kcal)
            put("protein_g", kcal * rng.uniform(0.15, 0.25) / 4)
            put("carbs_g", kcal * rng.uniform(0.4, 0.55) / 4)
            put("fat_g", kcal * rng.uniform(0.25, 0.35) / 9)
            put("fiber_g", rng.uniform(12, 35))
            put("water_ml", rng.uniform(1200, 3000))
        }
        return m
    }
}
