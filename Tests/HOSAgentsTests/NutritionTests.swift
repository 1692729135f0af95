// hos-nutrition's planner and stage: the rules of hos-nutrition(1), checked by hand-computed numbers.

import HOSCore
import Testing

@testable import HOSAgents

/// `n` days of records ending on 2026-03-14, each day's metrics from `metrics(i)` (i = 0 for the first day).
private func records(_ n: Int, end: String = "2026-03-14", _ metrics: (Int) -> [String: MetricValue]) -> UserDays {
    var d = UserDays()
    let last = LocalDate(end)!
    for i in 0..<n {
        d.add(HealthRecord(date: last.adding(days: i - (n - 1)), metrics: metrics(i)))
    }
    return d
}

private func steps(_ n: Double, days: Int = 14) -> UserDays { records(days) { _ in ["steps": .number(n)] } }

private let male = UserProfile(age: 30, sex: "male", heightCm: 180, weightKg: 80)
private let female = UserProfile(age: 40, sex: "female", heightCm: 165, weightKg: 60)

private func plan(
    _ a: Archetype, profile: UserProfile? = male, days: UserDays = steps(8000),
    behavior: BehaviorView? = nil, memory: MemoryContextView? = nil,
    request: AnalysisRequest = AnalysisRequest(analysisID: "a-1")
) -> NutritionPlan {
    NutritionPlanner(archetype: a).plan(
        NutritionInput(profile: profile, days: days, behavior: behavior, memory: memory),
        request: request, planID: "np-test")
}

private func memory(difficulty: Int? = nil, preferences: [String: JSON] = [:]) -> MemoryContextView {
    var m = MemoryContextView()
    m.difficulty = difficulty
    m.preferences = preferences
    return m
}

/// All of hos-nutrition's unit tests, so that `--filter NutritionTests` selects them.
@Suite struct NutritionTests {}

extension NutritionTests {
    @Suite struct Energy {
        @Test func bmrByHand() {
            // 10 × 80 + 6.25 × 180 − 5 × 30 + 5 = 800 + 1125 − 150 + 5
            #expect(NutritionRules.bmr(weightKg: 80, heightCm: 180, age: 30, sex: "male") == 1780)
            // 10 × 60 + 6.25 × 165 − 5 × 40 − 161 = 600 + 1031.25 − 200 − 161
            #expect(NutritionRules.bmr(weightKg: 60, heightCm: 165, age: 40, sex: "female") == 1270.25)
            // "other" is the mean of the two constants: −78.
            #expect(NutritionRules.bmr(weightKg: 60, heightCm: 165, age: 40, sex: "other") == 1353.25)
            #expect(plan(.foundationBuilder, profile: male).bmrKcal == 1780)
            #expect(plan(.foundationBuilder, profile: female).bmrKcal == 1270.25)
        }

        @Test func latestWeightRecordBeatsTheProfile() {
            let days = records(14) { i in
                i == 5
                    ? ["steps": .number(8000), "weight_kg": .number(90)]
                    : i == 10 ? ["steps": .number(8000), "weight_kg": .number(84)] : ["steps": .number(8000)]
            }
            // 10 × 84 + 1125 − 150 + 5
            #expect(plan(.foundationBuilder, profile: male, days: days).bmrKcal == 1820)
        }

        @Test(arguments: [
            (3000.0, 1.2), (4999, 1.2), (5000, 1.375), (7499, 1.375), (7500, 1.55), (9999, 1.55),
            (10000, 1.725), (12499, 1.725), (12500, 1.9), (30000, 1.9),
        ])
        func activityFactorFromSteps(_ s: Double, _ factor: Double) {
            #expect(NutritionRules.stepsFactor(s) == factor)
            let p = plan(.foundationBuilder, days: steps(s))
            #expect(p.activityFactor == factor)
            #expect(p.activitySource == "steps")
            #expect(abs(p.tdeeKcal - 1780 * factor) < 1e-9)
            // Maintenance: energy is the TDEE rounded to 10.
            #expect(Double(p.energyKcal) == NutritionPlanner.round(1780 * factor, to: 10))
        }

        @Test func onlyTheLast14DaysOfStepsCount() {
            // 16 very active days, then 14 sedentary ones: the median of the last 14 is sedentary.
            let days = records(30) { i in ["steps": .number(i < 16 ? 20000 : 3000)] }
            #expect(plan(.foundationBuilder, days: days).activityFactor == 1.2)
        }

        @Test func measuredExpenditureReplacesTheFactor() {
            let days = records(14) { i in
                ["steps": .number(3000), "calories_burned_kcal": .number(2400 + Double(i % 3) * 100)]
            }
            let p = plan(.foundationBuilder, days: days)
            #expect(p.activitySource == "calories_burned_kcal")
            #expect(p.tdeeKcal == 2500) // median of 2400, 2500, 2600 repeated
            #expect(p.energyKcal == 2500)
            #expect(abs(p.activityFactor - 2500 / 1780) < 1e-9)
            #expect(p.rationale.contains { $0.contains("measured") && $0.contains("calories_burned_kcal") })
        }

        @Test func activeMinutesWhenNoSteps() {
            let p = plan(.foundationBuilder, days: records(14) { _ in ["active_minutes": .number(45)] })
            #expect(p.activitySource == "active_minutes")
            #expect(p.activityFactor == 1.55)
            let none = plan(.foundationBuilder, days: UserDays())
            #expect(none.activitySource == "default")
            #expect(none.activityFactor == 1.2)
        }

        @Test func behaviorBaselineWhenTheRecordsHoldNoActivity() {
            let p = plan(.foundationBuilder, days: UserDays(), behavior: BehaviorView(baselines: ["steps": 11000]))
            #expect(p.activitySource == "steps")
            #expect(p.activityFactor == 1.725)
        }

        @Test func goalsByArchetype() {
            let days = steps(8000) // factor 1.55 → TDEE 2759
            let tdee = 1780 * 1.55
            #expect(plan(.foundationBuilder, days: days).energyKcal == 2760)
            #expect(plan(.peakPerformer, days: days).energyKcal == Int(NutritionPlanner.round(tdee * 1.1, to: 10)))
            // Transformation Seeker: deficit at base difficulty 3 = 15%.
            let ts = plan(.transformationSeeker, days: days)
            #expect(ts.goal == "deficit")
            #expect(ts.difficulty == 3)
            #expect(ts.energyKcal == Int(NutritionPlanner.round(tdee * 0.85, to: 10)))
        }

        @Test func deficitScalesWithDifficultyAndNeverPasses20Percent() {
            #expect(NutritionRules.deficitShare(difficulty: 1) == 0.10)
            #expect(NutritionRules.deficitShare(difficulty: 3) == 0.15)
            #expect(NutritionRules.deficitShare(difficulty: 5) == 0.20)
            for d in 1...10 { #expect(NutritionRules.deficitShare(difficulty: d) <= 0.20) }
            var last = Int.max
            for d in 1...5 {
                let p = plan(.transformationSeeker, days: steps(13000), memory: memory(difficulty: d))
                #expect(p.difficulty == d)
                #expect(Double(p.energyKcal) >= p.tdeeKcal * 0.8 - 5, "difficulty \(d)")
                #expect(p.energyKcal < last)
                last = p.energyKcal
            }
        }

        @Test func memoryDifficultyChangesADeficitPlan() {
            let base = plan(.transformationSeeker)
            let easy = plan(.transformationSeeker, memory: memory(difficulty: 1))
            let hard = plan(.transformationSeeker, memory: memory(difficulty: 5))
            #expect(easy.energyKcal > base.energyKcal)
            #expect(hard.energyKcal < base.energyKcal)
            #expect(easy.difficulty == 1 && hard.difficulty == 5)
            // A maintenance archetype records the difficulty but keeps its energy.
            #expect(
                plan(.foundationBuilder, memory: memory(difficulty: 5)).energyKcal
                    == plan(.foundationBuilder).energyKcal)
        }

        @Test func strainedReadinessEasesTheDeficit() {
            let strained = plan(.transformationSeeker, behavior: BehaviorView(readinessState: "strained"))
            let balanced = plan(.transformationSeeker, behavior: BehaviorView(readinessState: "balanced"))
            // A deficit rounds up to 10 kcal, so rounding never deepens it.
            #expect(Double(strained.energyKcal) == (strained.tdeeKcal * 0.875 / 10).rounded(.up) * 10)
            #expect(strained.energyKcal > balanced.energyKcal)
            #expect(strained.rationale.contains { $0.contains("strained") })
        }

        @Test func the1200FloorBitesForASmallPerson() {
            // 10 × 45 + 6.25 × 150 − 5 × 75 − 161 = 851.5; × 1.2 × 0.85 = 868.5 < 1,200.
            let small = UserProfile(age: 75, sex: "female", heightCm: 150, weightKg: 45)
            let p = plan(.transformationSeeker, profile: small, days: steps(3000))
            #expect(p.bmrKcal == 851.5)
            #expect(p.energyKcal == 1200)
            #expect(p.rationale.contains { $0.contains("floor") && $0.contains("1,200") })
        }

        @Test func theBMRFloorBites() {
            // BMR 10 × 90 + 1125 − 200 + 5 = 1830; sedentary TDEE 2196; a 20% deficit gives 1756.8 < BMR.
            let big = UserProfile(age: 40, sex: "male", heightCm: 180, weightKg: 90)
            let p = plan(.transformationSeeker, profile: big, days: steps(3000), memory: memory(difficulty: 5))
            #expect(p.bmrKcal == 1830)
            #expect(p.energyKcal == 1830)
            #expect(p.rationale.contains { $0.contains("floor") && $0.contains("BMR") })
            // Without the floor biting, no floor line.
            #expect(!plan(.transformationSeeker).rationale.contains { $0.contains("floor") })
        }

        @Test func energyIsNeverBelowTheFloorForAnyArchetype() {
            let tiny = UserProfile(age: 90, sex: "female", heightCm: 120, weightKg: 30)
            for a in Archetype.allCases {
                for d in 1...5 {
                    let p = plan(a, profile: tiny, days: steps(1000), memory: memory(difficulty: d))
                    #expect(p.energyKcal >= 1200)
                    #expect(Double(p.energyKcal) >= p.bmrKcal)
                }
            }
        }
    }
}

extension NutritionTests {
    @Suite struct Macros {
        static let profiles = [
            male, female, UserProfile(age: 70, sex: "female", heightCm: 150, weightKg: 45),
            UserProfile(age: 25, sex: "male", heightCm: 200, weightKg: 140), nil,
        ]

        @Test func macrosAddUpToTheEnergy() {
            for a in Archetype.allCases {
                for profile in Self.profiles {
                    for s in [2000.0, 8000, 14000] {
                        let p = plan(a, profile: profile, days: steps(s))
                        let kcal = 4 * p.proteinG + 4 * p.carbsG + 9 * p.fatG
                        #expect(abs(kcal - p.energyKcal) <= 5, "\(a) \(String(describing: profile)) \(s)")
                        #expect(Double(9 * p.fatG) >= 0.2 * Double(p.energyKcal) - 5)
                        #expect(p.carbsG >= 0)
                        #expect(p.meals.map(\.kcal).reduce(0, +) == p.energyKcal)
                        #expect(p.meals.map(\.proteinG).reduce(0, +) == p.proteinG)
                    }
                }
            }
        }

        @Test func proteinByGoalAndActivity() {
            // 80 kg: maintenance 1.2, deficit 1.6, performance 1.8; +0.2 at factor ≥ 1.725.
            #expect(plan(.foundationBuilder, days: steps(8000)).proteinG == 96)
            #expect(plan(.transformationSeeker, days: steps(8000)).proteinG == 128)
            #expect(plan(.peakPerformer, days: steps(8000)).proteinG == 144)
            #expect(plan(.foundationBuilder, days: steps(11000)).proteinG == 112)
            #expect(plan(.peakPerformer, days: steps(13000)).proteinG == 160)
        }

        @Test func fatFibreAndHydration() {
            let p = plan(.foundationBuilder, days: steps(8000)) // 2,760 kcal, factor 1.55
            #expect(p.fatG == Int((0.25 * 2760 / 9).rounded()))
            #expect(p.fiberG == Int((14 * 2.76).rounded()))
            // 35 × 80 + 500 = 3,300 ml.
            #expect(p.hydrationMl == 3300)
            // Sedentary: no bonus; 35 × 60 = 2,100 ml.
            #expect(plan(.foundationBuilder, profile: female, days: steps(3000)).hydrationMl == 2100)
        }
    }
}

extension NutritionTests {
    @Suite struct Meals {
        /// Wake and bedtime pairs, including a late sleeper whose bedtime is after midnight.
        static let windows: [(String, String)] = [
            ("07:00", "23:00"), ("05:10", "21:02"), ("10:30", "02:30"), ("06:03", "22:41"),
        ]

        @Test func mealsSitInsideTheWakingWindow() {
            for a in Archetype.allCases {
                for (w, b) in Self.windows {
                    let p = plan(a, behavior: BehaviorView(wake: ClockTime(w), bedtime: ClockTime(b)))
                    #expect(p.wake == ClockTime(w) && p.bedtime == ClockTime(b))
                    let gap = a == .peakPerformer ? 150 : 180
                    let offsets = p.meals.map(\.minutesAfterWake)
                    #expect((30...60).contains(offsets[0]), "\(a) \(w) first meal")
                    #expect(offsets.last! <= p.awakeMin - gap, "\(a) \(w)–\(b) last meal")
                    #expect(offsets == offsets.sorted() && Set(offsets).count == offsets.count)
                    for m in p.meals {
                        #expect(m.time == ClockTime(minutes: p.wake.minutes + m.minutesAfterWake))
                        #expect(m.time.minutes % 5 == 0)
                    }
                }
            }
        }

        @Test func wakeTimeSources() {
            let withTimes = records(14) { i in
                [
                    "sleep_end": .clock(ClockTime(i % 2 == 0 ? "06:20" : "06:40")!),
                    "sleep_start": .clock(ClockTime(i % 2 == 0 ? "23:50" : "00:10")!),
                ]
            }
            let fromRecords = plan(.foundationBuilder, days: withTimes)
            #expect(fromRecords.wake == ClockTime("06:30"))
            // Around midnight the median is taken on the circle: 23:50 and 00:10 give 00:00, not 12:00.
            #expect(fromRecords.bedtime == ClockTime("00:00"))
            #expect(fromRecords.timingSource == "records")
            let fromBehavior = plan(
                .foundationBuilder, days: withTimes, behavior: BehaviorView(wake: ClockTime("05:45")))
            #expect(fromBehavior.wake == ClockTime("05:45"))
            #expect(fromBehavior.bedtime == ClockTime("00:00"))
            var profile = male
            profile.wakePreference = ClockTime("08:15")
            let fromProfile = plan(.foundationBuilder, profile: profile)
            #expect(fromProfile.wake == ClockTime("08:15"))
            #expect(fromProfile.bedtime == ClockTime("00:15"))
            let byDefault = plan(.foundationBuilder)
            #expect(byDefault.wake == ClockTime("07:00") && byDefault.bedtime == ClockTime("23:00"))
            #expect(byDefault.timingSource == "wake: default, bedtime: wake + 16 h")
        }

        @Test func tooShortADayFallsBackTo16Hours() {
            let p = plan(
                .foundationBuilder, behavior: BehaviorView(wake: ClockTime("07:00"), bedtime: ClockTime("12:00")))
            #expect(p.bedtime == ClockTime("23:00"))
            #expect(p.rationale.contains { $0.contains("under 8 waking hours") })
        }

        @Test func performanceEatsFourTimes() {
            let pp = plan(.peakPerformer)
            #expect(pp.meals.map(\.name) == ["breakfast", "lunch", "snack", "dinner"])
            #expect(pp.meals[2].kcal < pp.meals[0].kcal)
            for a in Archetype.allCases where a != .peakPerformer {
                #expect(plan(a).meals.map(\.name) == ["breakfast", "lunch", "dinner"])
            }
            // Protein evenly over the main meals.
            let fb = plan(.foundationBuilder)
            #expect(fb.meals.map(\.proteinG).max()! - fb.meals.map(\.proteinG).min()! <= 1)
        }
    }
}

extension NutritionTests {
    @Suite struct ProfileAndDiet {
        @Test func noProfileMeansMarkedDefaults() {
            let p = plan(.foundationBuilder, profile: nil, days: steps(3000))
            #expect(p.profileSource == "default")
            // 10 × 70 + 6.25 × 170 − 5 × 35 − 78
            #expect(p.bmrKcal == 1509.5)
            #expect(p.rationale.contains { $0.contains("No user_profile") && $0.contains("default") })
            #expect(p.payload(explain: false)["profile_source"] == "default")
            // Weight records still count without a profile.
            let weighed = plan(
                .foundationBuilder, profile: nil,
                days: records(14) { _ in ["steps": .number(3000), "weight_kg": .number(100)] })
            #expect(weighed.bmrKcal == 1809.5)
            #expect(plan(.foundationBuilder).profileSource == "profile")
            #expect(!plan(.foundationBuilder).rationale.contains { $0.contains("default") })
        }

        @Test func partialProfileNamesItsDefaults() {
            let p = plan(.foundationBuilder, profile: UserProfile(sex: "female", weightKg: 60))
            #expect(p.profileSource == "profile")
            #expect(p.rationale.contains { $0.contains("age 35") && $0.contains("170 cm") })
        }

        @Test func vegetarianWithAllergiesIsRespected() {
            var profile = male
            profile.dietary = ["pattern": "vegetarian", "allergies": ["Eggs", "peanuts"], "exclusions": "dairy"]
            let p = plan(.peakPerformer, profile: profile)
            let foods = p.meals.flatMap(\.foods)
            for banned in ["salmon", "tuna", "chicken", "eggs", "peanut butter", "nuts", "greek yogurt"] {
                #expect(!foods.contains(banned), "\(banned) in \(foods)")
            }
            for m in p.meals {
                for text in m.foods + [m.focus] {
                    #expect(
                        !text.contains("egg") && !text.contains("peanut") && !text.contains("fish")
                            && !text.contains("dairy"))
                }
            }
            #expect(p.dietary.pattern == "vegetarian")
            #expect(p.dietary.allergies == ["eggs", "peanuts"])
            #expect(p.dietary.exclusions == ["dairy"])
            #expect(p.rationale.contains { $0.contains("vegetarian") && $0.contains("eggs") })
        }

        @Test func veganGetsPlantProtein() {
            var profile = male
            profile.dietary = ["pattern": "vegan", "allergies": ["soy"]]
            let p = plan(.systematicImprover, profile: profile)
            for m in p.meals {
                #expect(m.focus.hasPrefix("plant protein"))
                #expect(
                    !m.foods.contains {
                        ["eggs", "greek yogurt", "chicken", "salmon", "tuna", "tofu", "tofu scramble"].contains($0)
                    })
            }
        }

        @Test func memoryOverridesThePatternAndUnionsTheLists() {
            var profile = male
            profile.dietary = ["pattern": "omnivore", "exclusions": ["pork"], "allergies": ["shellfish"]]
            let m = memory(preferences: [
                "dietary_pattern": "pescatarian", "exclusions": ["Beef", "pork"], "allergies": "sesame",
            ])
            let p = plan(.foundationBuilder, profile: profile, memory: m)
            #expect(
                p.dietary
                    == Dietary(
                        pattern: "pescatarian", exclusions: ["beef", "pork"],
                        allergies: ["sesame", "shellfish"], patternSource: "memory_context"))
            #expect(!p.meals.flatMap(\.foods).contains("chicken"))
            #expect(p.meals.flatMap(\.foods).contains("salmon"))
            #expect(plan(.foundationBuilder, profile: profile).meals.flatMap(\.foods).contains("chicken"))
        }

        @Test func unknownPatternIsFlagged() {
            var profile = male
            profile.dietary = ["pattern": "keto"]
            let p = plan(.foundationBuilder, profile: profile)
            #expect(p.dietary.pattern == "keto")
            #expect(p.rationale.contains { $0.contains("'keto'") })
        }

        @Test func loggedIntakeIsComparedWithTheTargets() {
            let days = records(20) { i in
                var m: [String: MetricValue] = ["steps": .number(8000)]
                if i % 2 == 0 {
                    m["protein_g"] = .number(60)
                    m["calories_in_kcal"] = .number(2700)
                }
                return m
            }
            let p = plan(.foundationBuilder, days: days) // 2,760 kcal, 96 g protein
            let protein = p.intake.first { $0.metric == "protein_g" }!
            #expect(protein.logged == 60 && protein.target == 96 && protein.gap == -36 && protein.days == 10)
            #expect(p.intake.first { $0.metric == "calories_in_kcal" }?.gap == -60)
            #expect(
                p.rationale.contains {
                    $0.contains("protein 60 g") && $0.contains("36 g short") && $0.contains("largest gap")
                })
            let none = plan(.foundationBuilder)
            #expect(none.intake.isEmpty)
            #expect(none.rationale.contains { $0.hasPrefix("No logged intake") })
        }
    }
}

extension NutritionTests {
    @Suite struct Archetypes {
        @Test func sixArchetypesGiveVisiblyDifferentPlans() {
            let days = records(14) { i in
                [
                    "steps": .number(8000 + Double(i) * 50), "sleep_end": .clock(ClockTime("06:45")!),
                    "sleep_start": .clock(ClockTime("22:50")!),
                ]
            }
            let plans = Archetype.allCases.map { plan($0, days: days) }
            for (a, p) in zip(Archetype.allCases, plans) {
                #expect(p.goal == ArchetypePolicy.of(a).nutritionGoal)
            }
            let byArchetype = Dictionary(uniqueKeysWithValues: zip(Archetype.allCases, plans))
            let pp = byArchetype[.peakPerformer]!
            let ts = byArchetype[.transformationSeeker]!
            let fb = byArchetype[.foundationBuilder]!
            #expect(pp.energyKcal > fb.energyKcal && fb.energyKcal > ts.energyKcal)
            #expect(pp.proteinG > ts.proteinG && ts.proteinG > fb.proteinG)
            #expect(pp.meals.count == 4 && fb.meals.count == 3)
            // Every archetype's meals (times and split) differ from every other's, and so does the tone.
            let mealShapes = plans.map { $0.meals.map { "\($0.time) \($0.kcal)" } }
            #expect(Set(mealShapes).count == 6)
            #expect(Set(plans.map { $0.rationale[0] }).count == 6)
            #expect(Set(plans.map(\.difficulty)) == [1, 2, 3, 4])
        }
    }
}

extension NutritionTests {
    @Suite struct AsAStage {
        func event(_ type: String, _ user: String, _ payload: [String: JSON], id: String, archetype: String? = nil)
            -> Event
        {
            Event(
                id: id, type: type, user: user, timestamp: "2026-03-14T08:00:00Z", archetype: archetype,
                payload: payload)
        }

        func run(_ events: [Event]) throws -> [Event] {
            var stage = NutritionStage(explain: true)
            var out: [Event] = []
            for e in events {
                if e.eventType == EventType.analysisRequest {
                    try stage.barrier(e) { out.append($0) }
                } else {
                    try stage.process(e) { out.append($0) }
                }
            }
            return out
        }

        @Test func writesOnePlanPerBarrierAndDropsTheState() throws {
            let profile = event(EventType.userProfile, "u1", male.payload, id: "p1", archetype: "Transformation Seeker")
            let rec = event(
                EventType.healthRecord, "u1",
                HealthRecord(date: LocalDate("2026-03-10")!, metrics: ["steps": .number(8000)]).payload, id: "r1")
            let request = event(EventType.analysisRequest, "u1", ["analysis_id": "a-9"], id: "q1")
            let out = try run([profile, rec, request, request])
            #expect(out.count == 2)
            let first = out[0].payload
            let second = out[1].payload
            #expect(out[0].eventType == EventType.nutritionPlan && out[0].sourceAgent == "hos-nutrition")
            #expect(out[0].archetype == "Transformation Seeker" && out[0].analysisID == "a-9")
            #expect(first["plan_id"] == .string("np-" + StableHash.hex(StableHash.of("u1", "a-9"))))
            #expect(first["date"] == "2026-03-11")
            #expect(first["goal"] == "deficit")
            #expect(first["profile_source"] == "profile")
            #expect(first["explain"]?.arrayValue?.isEmpty == false)
            // The second barrier has nothing buffered: defaults, and as_of is the request's own day, so the
            // plan is for the day after it, as hos-routine's is.
            #expect(second["profile_source"] == "default")
            #expect(second["goal"] == "maintenance")
            #expect(second["date"] == "2026-03-15")
        }

        @Test func unusableAnalysisAndMemoryAreIgnored() throws {
            let rec = event(
                EventType.healthRecord, "u1",
                HealthRecord(date: LocalDate("2026-03-10")!, metrics: ["steps": .number(8000)]).payload, id: "r1")
            let request = event(
                EventType.analysisRequest, "u1", ["analysis_id": "a-9", "archetype": "Transformation Seeker"], id: "q1")
            let good = try run([rec, request])
            let badBehavior = event(
                EventType.behaviorAnalysis, "u1", ["sleep_timing": "late", "readiness": ["state": 3]], id: "b1")
            let badMemory = event(
                EventType.memoryContext, "u1",
                [
                    "adaptation_state": ["difficulty": "hard"],
                    "long_term": 7,
                ], id: "m1")
            let withBad = try run([rec, badBehavior, badMemory, request])
            #expect(withBad.count == 1)
            #expect(withBad[0].payload == good[0].payload)
            // A usable memory_context after an unusable one is used.
            let memory = event(EventType.memoryContext, "u1", ["adaptation_state": ["difficulty": 5]], id: "m2")
            let withMemory = try run([rec, memory, badMemory, request])
            #expect(withMemory[0].payload["difficulty"] == 5)
            #expect(withMemory[0].payload["energy_kcal"] != good[0].payload["energy_kcal"])
        }

        @Test func readsTheBehaviorAnalysisPayload() {
            let analysis = try! BehaviorAnalysisPayload(payload: [
                "sleep_timing": ["sleep_end": ["mean": "06:10"], "sleep_start": ["mean": "22:05"]],
                "readiness": ["state": "strained", "score": 30],
                "metrics": ["steps": ["baseline": 9000], "calories_burned_kcal": ["baseline": -4]],
            ])
            let view = BehaviorView(analysis)
            #expect(
                view
                    == BehaviorView(
                        wake: ClockTime("06:10"), bedtime: ClockTime("22:05"), readinessState: "strained",
                        baselines: ["steps": 9000]))
            #expect(BehaviorView(BehaviorAnalysisPayload()) == nil)
            // A value of the wrong kind is named by its path, not passed over.
            #expect(throws: EventProblem("payload.sleep_timing.sleep_end.mean is not a valid HH:MM time")) {
                try BehaviorAnalysisPayload(payload: ["sleep_timing": ["sleep_end": ["mean": "25:99"]]])
            }
        }
    }
}
