// hos-routine's planner: one user's time-blocked day from the analysis, records, profile and memory; pure.

import HOSCore

/// What the planner reads about one user at a barrier; every part but the archetype and request is optional.
public struct RoutineInput: Sendable {
    public var user: String
    public var analysisID: String
    public var archetype: Archetype
    public var request: AnalysisRequest
    /// The user's records since its last barrier.
    public var days: UserDays
    public var profile: UserProfile?
    /// The latest `behavior_analysis` of the user.
    public var analysis: BehaviorAnalysisPayload?
    public var memory: MemoryContextView?
    /// The day the request was made (its timestamp's date): the last resort for the plan's date.
    public var requestDay: LocalDate?

    public init(
        user: String, analysisID: String, archetype: Archetype, request: AnalysisRequest,
        days: UserDays = UserDays(), profile: UserProfile? = nil, analysis: BehaviorAnalysisPayload? = nil,
        memory: MemoryContextView? = nil, requestDay: LocalDate? = nil
    ) {
        self.user = user
        self.analysisID = analysisID
        self.archetype = archetype
        self.request = request
        self.days = days
        self.profile = profile
        self.analysis = analysis
        self.memory = memory
        self.requestDay = requestDay
    }
}

/// The numbers hos-routine(1) documents; tests and the help text read the same values.
public enum RoutineRules {
    public static let defaultWake = ClockTime(minutes: 7 * 60)
    public static let defaultLatencyMin = 15
    /// Times are rounded to this many minutes.
    public static let grid = 5
    /// A usual bedtime later than the target by more than this is shifted by the sleep_shift arm.
    public static let shiftThresholdMin = 30
    /// What the gradual arm moves bedtime by, per night.
    public static let gradualStepMin = 15
    /// Tonight's lights-out is never planned later than this after the target.
    public static let maxLateMin = 180
    /// A usual bedtime earlier than the target stays, up to this many minutes before the target.
    public static let maxEarlyMin = 120
    /// Sleep-debt rule: readiness.sleep_debt_hours at least this, or median sleep below need minus `shortSleepMarginMin`.
    public static let sleepDebtHours = 5.0
    public static let shortSleepMarginMin = 60.0
    /// Sleep-first: exercise ends by this clock time (when it falls in the waking window).
    public static let sleepFirstExerciseEnd = ClockTime(minutes: 19 * 60)
    /// Exercise ends at least this long before lights out (sleep-first: the second value).
    public static let exerciseGapMin = 120
    public static let sleepFirstExerciseGapMin = 180
    /// Each difficulty step away from the archetype's base changes exercise duration by this share.
    public static let durationStep = 0.15
    /// Strained readiness: exercise intensity at most this, and duration times `strainedDurationFactor`.
    public static let strainedMaxIntensity = 2
    public static let strainedDurationFactor = 0.6
    /// Sleep-first caps exercise intensity here.
    public static let sleepFirstMaxIntensity = 3
    public static let exerciseDurationRange = 10...90
    /// The share of its minutes an item keeps when hos-adapt says `shorter`.
    public static let shorterFactor = 0.75
    /// Exercise slots: morning is wake + 60 min; midday and evening are clock times.
    public static let morningAfterWakeMin = 60
    public static let middayStart = ClockTime(minutes: 12 * 60 + 30)
    public static let eveningStart = ClockTime(minutes: 18 * 60)
    public static let exerciseArms = ExerciseTime.windows
    public static let sleepShiftArms = ["gradual", "direct"]

    /// Exercise minutes at the archetype's base difficulty.
    public static func exerciseBaseMin(_ a: Archetype) -> Int {
        switch a {
        case .foundationBuilder: 20
        case .resilienceRebuilder: 15
        case .connectedExplorer: 45
        case .systematicImprover: 40
        case .transformationSeeker: 45
        case .peakPerformer: 60
        }
    }

    /// The exercise_time arm used without memory.
    public static func defaultExerciseTime(_ a: Archetype) -> String {
        switch a {
        case .peakPerformer, .systematicImprover: "morning"
        case .transformationSeeker, .foundationBuilder: "evening"
        case .resilienceRebuilder, .connectedExplorer: "midday"
        }
    }

    /// The sleep_shift arm used without memory.
    public static func defaultSleepShift(_ a: Archetype) -> String {
        switch a {
        case .peakPerformer, .transformationSeeker: "direct"
        default: "gradual"
        }
    }

    /// Minutes of wind-down before lights out (sleep-first adds 15).
    public static func windDownMin(_ a: Archetype, sleepFirst: Bool) -> Int {
        (a == .resilienceRebuilder ? 45 : 30) + (sleepFirst ? 15 : 0)
    }

    /// The other items after exercise, most important first; a plan takes the first dailyLoad − 1.
    public static func priorities(_ a: Archetype) -> [RoutineRole] {
        switch a {
        case .peakPerformer: [.focus, .recovery, .nutrition, .mindfulness]
        case .systematicImprover: [.focus, .nutrition, .recovery, .mindfulness]
        case .transformationSeeker: [.nutrition, .mindfulness, .focus, .recovery]
        case .connectedExplorer: [.mindfulness, .nutrition, .recovery, .focus]
        case .foundationBuilder: [.mindfulness, .nutrition, .recovery, .focus]
        case .resilienceRebuilder: [.recovery, .mindfulness, .nutrition, .focus]
        }
    }

    /// Minutes of a secondary item.
    public static func durationMin(_ role: RoutineRole, _ a: Archetype) -> Int {
        switch role {
        case .mindfulness:
            switch a {
            case .foundationBuilder: 5
            case .transformationSeeker: 15
            default: 10
            }
        case .focus:
            switch a {
            case .peakPerformer: 90
            case .systematicImprover: 60
            case .transformationSeeker: 45
            default: 30
            }
        case .recovery: a == .peakPerformer || a == .resilienceRebuilder ? 20 : 15
        case .nutrition: 30
        case .rest: 20
        case .walk: 15
        case .sleep, .exercise: 0
        }
    }
}

/// What an item is for; its raw value is the item's `item_id`, stable from plan to plan.
public enum RoutineRole: String, Sendable, CaseIterable {
    case sleep, exercise, walk, mindfulness, focus, recovery, nutrition, rest

    public var category: String {
        switch self {
        case .sleep: "sleep"
        case .exercise: "exercise"
        case .walk, .recovery, .rest: "recovery"
        case .mindfulness: "mindfulness"
        case .focus: "focus"
        case .nutrition: "nutrition"
        }
    }
}

/// One block of the day. `start` counts minutes from midnight of the wake day and may pass 1440.
public struct RoutineItem: Sendable, Equatable {
    public var role: RoutineRole
    public var start: Int
    public var durationMin: Int
    public var intensity: Int
    public var variant: [String: String]
    public var title: String
    public var why: String
    /// The id when not the role's own (a second arm of a schedule: `exercise-evening`).
    public var itemID: String?
    /// The plan's days this item is for; nil: every day.
    public var days: [LocalDate]?

    public var end: Int { start + durationMin }

    /// The item as the routine_plan payload holds it.
    public var contract: PlanItem {
        var i = PlanItem()
        (i.itemID, i.category, i.start) = (itemID ?? role.rawValue, role.category, ClockTime(minutes: start))
        (i.durationMin, i.intensity, i.variant) = (Double(durationMin), intensity, variant)
        (i.title, i.why, i.days) = (title, why, days)
        return i
    }
}

/// A planned day: the items on a timeline that starts at wake.
public struct RoutinePlan: Sendable {
    public var planID: String
    public var date: LocalDate
    public var difficulty: Int
    /// Minutes after midnight of the wake day (0..<1440).
    public var wake: Int
    /// Tonight's lights-out, on the same timeline (may pass 1440).
    public var bedtime: Int
    public var targetBedtime: Int
    public var focus: String
    /// Sorted by start on the timeline.
    public var items: [RoutineItem]
    public var basis: [String: JSON]
    public var explain: [String]

    /// The plan as the routine_plan payload; the reasoning only `withExplain`.
    public func contract(explain withExplain: Bool) -> RoutinePlanPayload {
        var p = RoutinePlanPayload()
        (p.planID, p.date, p.difficulty, p.focus) = (planID, date, difficulty, focus)
        (p.wake, p.bedtime) = (ClockTime(minutes: wake), ClockTime(minutes: bedtime))
        p.targetBedtime = ClockTime(minutes: targetBedtime)
        (p.items, p.basis) = (items.map(\.contract), basis)
        if withExplain { p.explain = explain }
        return p
    }

    public func payload(explain withExplain: Bool) -> [String: JSON] { contract(explain: withExplain).payload }
}

/// Builds the `routine_plan` of one user: a pure function of a `RoutineInput`.
public struct RoutinePlanner: Sendable {
    public let explain: Bool

    public init(explain: Bool = false) { self.explain = explain }

    /// The payload of the user's `routine_plan`.
    public func payload(_ input: RoutineInput) -> [String: JSON] {
        plan(input).payload(explain: explain)
    }

    /// The wake time and lights-out of the plan these inputs make: hos-nutrition places meals between them, so
    /// the two plans never disagree about the day.
    public static func wakingDay(_ input: RoutineInput) -> (wake: ClockTime, lightsOut: ClockTime) {
        let day = RoutinePlanner(explain: false).plan(input)
        return (ClockTime(minutes: day.wake), ClockTime(minutes: day.bedtime))
    }

    /// The plan of one user, with the reasoning in `explain` (written to the payload only with --explain).
    /// The steps: the day, wake, sleep latency, readiness, difficulty and focus, lights out, exercise, the other
    /// blocks, and their placement on the day without overlaps.
    public func plan(_ input: RoutineInput) -> RoutinePlan {
        var notes: [String] = []
        var basis: [String: JSON] = [:]
        let a = input.archetype
        let memory = input.memory ?? MemoryContextView()
        let day = Self.day(input)
        let need = Int(ArchetypePolicy.of(a).sleepNeedMin)
        notes.append(
            "\(a.name): \(a.dailyLoad) items beyond sleep (daily load), sleep need \(F.hours(Double(need))) h; plan for \(day.date), the day after \(day.asOf)"
        )

        let wake = Self.wake(input, day: day, notes: &notes, basis: &basis)
        let latency = Self.latency(input, day: day)
        basis["sleep_latency_min"] = .number(Double(latency.minutes))
        basis["sleep_need_min"] = .number(Double(need))
        let readiness = Self.readiness(input, day: day, need: need, basis: &basis)
        let difficulty = Self.difficulty(a, memory: memory, strained: readiness.strained, notes: &notes, basis: &basis)
        let focus = Self.focus(a, readiness: readiness)
        notes.append("focus \(focus): \(readiness.text)" + (readiness.sleepFirst ? "; \(readiness.debtText)" : ""))
        let night = Self.lightsOut(
            input, day: day, wake: wake, need: need, latency: latency, notes: &notes,
            basis: &basis)

        let windDown = RoutineRules.windDownMin(a, sleepFirst: readiness.sleepFirst)
        let ctx = RoutineContext(
            archetype: a, wake: wake, bedtime: night.bedtime, target: night.target, need: need,
            latency: latency.minutes, readinessText: readiness.text, state: readiness.state,
            sleepFirst: readiness.sleepFirst, strained: readiness.strained,
            debtText: readiness.debtText, difficulty: difficulty)
        var timeline = RoutineDay(wake: wake)
        let sleepItem = RoutineItem(
            role: .sleep, start: night.bedtime - windDown, durationMin: windDown, intensity: 1,
            variant: ["sleep_shift": night.shiftArm],
            title: RoutineTone.sleepTitle(a, lightsOut: F.clock(night.bedtime)),
            why: RoutineTone.sleepWhy(ctx, shiftText: night.shiftText, windDown: windDown))
        timeline.add(sleepItem)
        for part in Self.exerciseSchedule(memory, date: day.date, notes: &notes) {
            var exercise = Self.exercise(
                ctx, memory: memory, arm: part.arm, windDownStart: sleepItem.start, notes: &notes)
            if let days = part.days {
                exercise.item.days = days
                if !part.first, let arm = part.arm { exercise.item.itemID = exercise.item.role.rawValue + "-" + arm }
            }
            timeline.place(
                exercise.item, latestEnd: exercise.latestEnd, fallback: exercise.gapLimit,
                shortest: RoutineRules.exerciseDurationRange.lowerBound)
        }
        let roles = Self.otherRoles(a, readiness: readiness, notes: &notes)
        for item in Self.otherItems(roles, ctx, memory: memory, windDownStart: sleepItem.start, notes: &notes) {
            timeline.place(item, latestEnd: sleepItem.start, fallback: sleepItem.start)
        }
        let items = timeline.items.sorted { $0.start < $1.start }
        notes.append(
            "placed in priority order (exercise, " + roles.map(\.rawValue).joined(separator: ", ")
                + ") without overlaps between wake and wind-down"
                + (timeline.moves.isEmpty ? "" : "; moved: " + timeline.moves.joined(separator: "; ")))

        let planID = "rp-" + StableHash.hex(StableHash.of(input.user, input.analysisID))
        return RoutinePlan(
            planID: planID, date: day.date, difficulty: difficulty, wake: wake, bedtime: night.bedtime,
            targetBedtime: night.target, focus: focus, items: items, basis: basis, explain: notes)
    }

    /// The day planned and the window of records read: the plan is for the day after the data ends.
    struct PlanDay: Equatable {
        var asOf: LocalDate
        var date: LocalDate
        var windowStart: LocalDate
    }

    /// The day after as_of (`AnalysisDay`'s rule).
    static func day(_ input: RoutineInput) -> PlanDay {
        let asOf = AnalysisDay.of(
            requested: input.request.asOf, latestRecord: input.days.latest, analysis: input.analysis?.asOf,
            requestDay: input.requestDay)
        return PlanDay(
            asOf: asOf, date: asOf.adding(days: 1),
            windowStart: asOf.adding(days: -(input.request.windowDays - 1)))
    }

    /// Wake (minutes after midnight, on the 5-minute grid): behavior_analysis's mean sleep_end, else the records'
    /// median, else memory's wake_time preference, else the profile's wake_preference, else 07:00.
    static func wake(_ input: RoutineInput, day: PlanDay, notes: inout [String], basis: inout [String: JSON]) -> Int {
        let memory = input.memory ?? MemoryContextView()
        let wakeRaw: Int
        let wakeSource: String
        if let w = input.analysis?.sleepTiming?.sleepEnd?.mean?.minutes {
            (wakeRaw, wakeSource) = (w, "behavior_analysis sleep_end mean")
        } else if let w = F.circularMedian(
            input.days.clockSeries("sleep_end", from: day.windowStart, to: day.asOf)
                .map(\.minutes))
        {
            (wakeRaw, wakeSource) = (w, "median sleep_end of the records")
        } else if let w = F.minutes(memory.preferences["wake_time"]) {
            (wakeRaw, wakeSource) = (w, "memory preference wake_time")
        } else if let w = input.profile?.wakePreference {
            (wakeRaw, wakeSource) = (w.minutes, "profile wake_preference")
        } else {
            (wakeRaw, wakeSource) = (RoutineRules.defaultWake.minutes, "default")
        }
        let wake = F.grid(wakeRaw) % 1440
        basis["wake_source"] = .string(wakeSource)
        notes.append(
            "wake \(F.clock(wake)) from \(wakeSource) (\(F.clock(wakeRaw)), rounded to \(RoutineRules.grid) min)")
        return wake
    }

    /// Minutes to fall asleep (0–120): behavior_analysis's baseline, else the records' median, else 15.
    static func latency(_ input: RoutineInput, day: PlanDay) -> (minutes: Int, source: String) {
        var latency = RoutineRules.defaultLatencyMin
        var source = "default"
        if let b = F.checked(input.analysis?.metrics["sleep_latency_min"]?.baseline, 0...720) {
            (latency, source) = (Int(b.rounded()), "behavior_analysis sleep_latency_min baseline")
        } else if let m = Stats.median(
            input.days.series("sleep_latency_min", from: day.windowStart, to: day.asOf)
                .map(\.value))
        {
            (latency, source) = (Int(m.rounded()), "median sleep_latency_min of the records")
        }
        return (min(120, max(0, latency)), source)
    }

    /// What the plan knows of the user's readiness and sleep debt.
    struct Readiness: Equatable {
        /// recovered, balanced, strained or unknown.
        var state: String
        /// "readiness 72 (balanced)", or "readiness unknown".
        var text: String
        /// Why sleep comes first (empty when it does not).
        var debtReasons: [String]
        var sleepFirst: Bool { !debtReasons.isEmpty }
        var strained: Bool { state == "strained" }
        var debtText: String { debtReasons.joined(separator: ", ") }
    }

    /// Readiness from behavior_analysis, and sleep debt: sleep_debt_hours of 5 h or more, or median sleep more
    /// than 1 h under the need.
    static func readiness(_ input: RoutineInput, day: PlanDay, need: Int, basis: inout [String: JSON]) -> Readiness {
        let readiness = input.analysis?.readiness
        // Another process wrote these: only finite numbers in range and the three states are used.
        let score = F.checked(readiness?.score, 0...100)
        let state =
            readiness?.state.flatMap { ["recovered", "balanced", "strained"].contains($0) ? $0 : nil } ?? "unknown"
        let debt = F.checked(readiness?.sleepDebtHours, 0...168)
        let medianSleep =
            F.checked(input.analysis?.metrics["sleep_duration_min"]?.baseline, 0...1440)
            ?? Stats.median(input.days.series("sleep_duration_min", from: day.windowStart, to: day.asOf).map(\.value))
        if let score { basis["readiness_score"] = .number(score) }
        basis["readiness_state"] = .string(state)
        if let debt { basis["sleep_debt_hours"] = .number(debt, places: 1) }
        if let medianSleep { basis["median_sleep_min"] = .number(medianSleep, places: 0) }
        var debtReasons: [String] = []
        if let debt, debt >= RoutineRules.sleepDebtHours { debtReasons.append("sleep debt \(F.decimal(debt)) h") }
        if let m = medianSleep, m < Double(need) - RoutineRules.shortSleepMarginMin {
            debtReasons.append("median sleep \(F.hours(m)) h against a need of \(F.hours(Double(need))) h")
        }
        return Readiness(
            state: state, text: score.map { "readiness \(Int($0)) (\(state))" } ?? "readiness unknown",
            debtReasons: debtReasons)
    }

    /// Difficulty: memory's adaptation state, else the archetype's base; one less (never below 1) when strained.
    static func difficulty(
        _ a: Archetype, memory: MemoryContextView, strained: Bool, notes: inout [String],
        basis: inout [String: JSON]
    ) -> Int {
        let base = ArchetypePolicy.of(a).baseDifficulty
        var difficulty = memory.difficulty ?? base
        let source =
            memory.difficulty.map { "memory_context adaptation_state difficulty \($0)" }
            ?? "\(a.name) base difficulty \(base)"
        if strained { difficulty = max(1, difficulty - 1) }
        basis["difficulty_source"] = .string(memory.difficulty != nil ? "memory_context" : "archetype")
        notes.append(
            "difficulty \(difficulty): \(source)" + (strained ? ", −1 for strained readiness (never below 1)" : ""))
        return difficulty
    }

    /// The day's focus: sleep-first, recovery when strained, performance for a recovered driven archetype, else balanced.
    static func focus(_ a: Archetype, readiness: Readiness) -> String {
        if readiness.sleepFirst { return "sleep-first" }
        if readiness.strained { return "recovery" }
        if readiness.state == "recovered", [.peakPerformer, .systematicImprover, .transformationSeeker].contains(a) {
            return "performance"
        }
        return "balanced"
    }

    /// Tonight: the target lights out, and the one planned after the sleep_shift arm moved the usual bedtime.
    struct Night: Equatable {
        /// The target lights out on the wake day's timeline: wake + 24 h − sleep need − latency.
        var target: Int
        /// Tonight's lights out on the same timeline.
        var bedtime: Int
        var shiftArm: String
        var shiftText: String
    }

    /// Lights out: the target from wake, sleep need and latency; a usual bedtime more than 30 min later moves
    /// 15 min towards it (gradual, at most 3 h late) or straight to it (direct); an earlier one stays (up to 2 h).
    static func lightsOut(
        _ input: RoutineInput, day: PlanDay, wake: Int, need: Int,
        latency: (minutes: Int, source: String), notes: inout [String],
        basis: inout [String: JSON]
    ) -> Night {
        let a = input.archetype
        let memory = input.memory ?? MemoryContextView()
        let target = wake + 1440 - need - latency.minutes
        let shiftArm: String
        let shiftSource: String
        if let v = memory.variants["sleep_shift"], RoutineRules.sleepShiftArms.contains(v) {
            (shiftArm, shiftSource) = (v, "memory_context variant")
        } else {
            (shiftArm, shiftSource) = (RoutineRules.defaultSleepShift(a), "\(a.name) default")
        }
        let currentRaw =
            input.analysis?.sleepTiming?.sleepStart?.mean?.minutes
            ?? F.circularMedian(
                input.days.clockSeries("sleep_start", from: day.windowStart, to: day.asOf).map(\.minutes))
        var bedtime = target
        var shiftText: String
        if let current = currentRaw {
            let late = Int(CircularStats.difference(Double(current), Double(target % 1440)).rounded())
            basis["usual_bedtime"] = .string(F.clock(current))
            if late > RoutineRules.shiftThresholdMin {
                if shiftArm == "gradual" {
                    bedtime = target + min(RoutineRules.maxLateMin, F.grid(late - RoutineRules.gradualStepMin))
                    shiftText =
                        "your usual bedtime \(F.clock(current)) is \(late) min later, so tonight moves \(RoutineRules.gradualStepMin) min earlier, to \(F.clock(bedtime)) (gradual)"
                } else {
                    shiftText =
                        "your usual bedtime \(F.clock(current)) is \(late) min later; tonight goes straight to \(F.clock(target)) (direct)"
                }
            } else if late >= -RoutineRules.shiftThresholdMin {
                shiftText =
                    "your usual bedtime \(F.clock(current)) is within \(RoutineRules.shiftThresholdMin) min of it"
            } else {
                // Never ask for a later night than the user already keeps: the earlier bedtime stays.
                bedtime = target - min(RoutineRules.maxEarlyMin, F.grid(-late))
                shiftText =
                    "your usual bedtime \(F.clock(current)) is \(-late) min earlier, so lights out stays early, at \(F.clock(bedtime))"
            }
        } else {
            shiftText = "no usual bedtime recorded"
        }
        notes.append(
            "target lights out \(F.clock(target)) = wake \(F.clock(wake)) − \(need) min sleep need − \(latency.minutes) min latency (\(latency.source)); \(shiftText); sleep_shift \(shiftArm) from \(shiftSource)"
        )
        return Night(target: target, bedtime: bedtime, shiftArm: shiftArm, shiftText: shiftText)
    }

    /// Exercise (or the gentle walk), sized by readiness and difficulty, timed by its arm, with the latest end
    /// it may have (`gapLimit`: its gap before lights out; `latestEnd`: also sleep-first's 19:00 cap).
    static func exercise(
        _ ctx: RoutineContext, memory: MemoryContextView, arm scheduled: String?, windDownStart: Int,
        notes: inout [String]
    ) -> (item: RoutineItem, latestEnd: Int, gapLimit: Int) {
        let (a, wake, bedtime) = (ctx.archetype, ctx.wake, ctx.bedtime)
        let exArm: String
        let exSource: String
        if let v = scheduled {
            (exArm, exSource) = (v, "memory_context schedule")
        } else if let v = memory.variants["exercise_time"], RoutineRules.exerciseArms.contains(v) {
            (exArm, exSource) = (v, "memory_context variant")
        } else if let stated = memory.preferredExerciseTime {
            (exArm, exSource) = (stated.window, "your stated preferred time \(stated)")
        } else if let p = memory.preferences["exercise_time"], let arm = Self.arm(ofPreference: p) {
            (exArm, exSource) = (arm, "memory preference exercise_time")
        } else {
            (exArm, exSource) = (RoutineRules.defaultExerciseTime(a), "\(a.name) default")
        }
        let anchor: Int =
            switch exArm {
            case "morning": wake + RoutineRules.morningAfterWakeMin
            case "midday": F.onTimeline(RoutineRules.middayStart.minutes, wake: wake, bedtime: windDownStart)
            default: F.onTimeline(RoutineRules.eveningStart.minutes, wake: wake, bedtime: windDownStart)
            }
        // The gap before lights out is a promise in the item's reason: only the 19:00 cap may give way.
        let gapLimit = min(
            windDownStart,
            bedtime - (ctx.sleepFirst ? RoutineRules.sleepFirstExerciseGapMin : RoutineRules.exerciseGapMin))
        var latestEnd = gapLimit
        if ctx.sleepFirst,
            let cap = F.inWindow(RoutineRules.sleepFirstExerciseEnd.minutes, wake: wake, end: windDownStart)
        {
            latestEnd = min(latestEnd, cap)
        }
        var exercise: RoutineItem
        if ctx.strained && a == .resilienceRebuilder {
            let minutes = RoutineRules.durationMin(.walk, a)
            exercise = RoutineItem(
                role: .walk, start: anchor, durationMin: minutes, intensity: 1,
                variant: ["exercise_time": exArm], title: RoutineTone.walkTitle(minutes),
                why: RoutineTone.walkWhy(ctx, arm: exArm))
            notes.append(
                "exercise becomes a gentle walk (category recovery): Resilience Rebuilder with strained readiness")
        } else {
            var size = Self.exerciseSize(
                a, difficulty: ctx.difficulty, state: ctx.state, sleepFirst: ctx.sleepFirst,
                maxIntensity: memory.maxIntensity)
            size = Self.learned(size, role: .exercise, memory: memory, notes: &notes)
            exercise = RoutineItem(
                role: .exercise, start: anchor, durationMin: size.duration, intensity: size.intensity,
                variant: ["exercise_time": exArm],
                title: RoutineTone.exerciseTitle(a, minutes: size.duration, intensity: size.intensity),
                why: RoutineTone.exerciseWhy(ctx, size: size, arm: exArm))
            notes.append("exercise: \(size.rule) → intensity \(size.intensity), \(size.duration) min")
        }
        notes.append(
            "exercise_time \(exArm) from \(exSource): anchor \(F.clock(anchor)); ends by \(F.clock(latestEnd))")
        return (exercise, latestEnd, gapLimit)
    }

    /// The exercise blocks of the plan's days: one per arm of memory's `exercise_time` schedule when it gives
    /// the days different arms (the arm with the most days first, keeping the id `exercise`; each with its
    /// dates), else one block (arm nil: chosen as `exercise` does); only on the days the user stated as
    /// available, when they name some of the plan's days but not all.
    static func exerciseSchedule(_ memory: MemoryContextView, date: LocalDate, notes: inout [String])
        -> [(arm: String?, days: [LocalDate]?, first: Bool)]
    {
        // Days the user said they cannot exercise get no exercise block (when some day is left).
        let week = (0..<AdaptationRules.scheduleDays).map { date.adding(days: $0) }
        var open = week
        if let available = memory.availableDays, !available.isEmpty {
            open = week.filter { available.contains($0.weekday) }
            if open.isEmpty || open.count == week.count {
                open = week
            } else {
                notes.append(
                    "exercise on the stated available days only: " + open.map(\.description).joined(separator: ", "))
            }
        }
        guard let s = memory.schedules["exercise_time"], s.allSatisfy(RoutineRules.exerciseArms.contains),
            Set(s).count > 1
        else { return [(nil, open.count == week.count ? nil : open, true)] }
        let arms = Set(s).sorted { a, b in
            let (na, nb) = (s.filter { $0 == a }.count, s.filter { $0 == b }.count)
            return na != nb ? na > nb : s.firstIndex(of: a)! < s.firstIndex(of: b)!
        }
        notes.append(
            "exercise_time schedule from memory_context: "
                + s.enumerated().map { "\(date.adding(days: $0.offset)) \($0.element)" }.joined(separator: ", "))
        let parts = arms.map { arm in
            (arm: arm, days: s.indices.filter { s[$0] == arm }.map { date.adding(days: $0) }.filter(open.contains))
        }.filter { !$0.days.isEmpty }
        return parts.enumerated().map { k, p in (p.arm, p.days, k == 0) }
    }

    /// What hos-adapt learned about an item, applied to its size: the category's tolerance caps its intensity
    /// (lighter); `shorter` takes `RoutineRules.shorterFactor` off its minutes; `replace` gives its simplest form
    /// (intensity 1, the shortest minutes). The sleep wind-down is never changed: it sets lights out.
    static func learned(
        _ size: (intensity: Int, duration: Int, rule: String), role: RoutineRole, memory: MemoryContextView,
        notes: inout [String]
    ) -> (intensity: Int, duration: Int, rule: String) {
        var (intensity, duration, rule) = size
        let shortest = role == .exercise ? RoutineRules.exerciseDurationRange.lowerBound : RoutineRules.grid
        switch memory.itemActions[role.rawValue] {
        case "replace"?:
            (intensity, duration) = (1, min(duration, shortest))
            rule += "; hos-adapt replaces it by its simplest form (item completion below 40%)"
        case "shorter"?:
            duration = max(shortest, F.grid(Int(Double(duration) * RoutineRules.shorterFactor)))
            rule += "; hos-adapt makes it shorter (item completion 40–80%)"
        default: break
        }
        if let cap = memory.tolerance[role.category], intensity > cap {
            intensity = cap
            rule += "; \(role.category) tolerance: intensity at most \(cap)"
        }
        if (intensity, duration) != (size.intensity, size.duration) {
            notes.append(
                "\(role.rawValue): \(size.intensity)/\(size.duration) min → \(intensity)/\(duration) min, learned")
        }
        return (intensity, duration, rule)
    }

    /// The other blocks by the archetype's priority, daily load − 1 of them; a rest block takes focus's place
    /// (else the last one's, unless recovery is there) when sleep comes first or readiness is strained.
    static func otherRoles(_ a: Archetype, readiness: Readiness, notes: inout [String]) -> [RoutineRole] {
        var roles = Array(RoutineRules.priorities(a).prefix(a.dailyLoad - 1))
        guard readiness.sleepFirst || readiness.strained else { return roles }
        let why = readiness.sleepFirst ? readiness.debtText : readiness.text
        if let i = roles.firstIndex(of: .focus) {
            roles[i] = .rest
            notes.append("rest replaces focus: " + why)
        } else if !roles.contains(.recovery), !roles.isEmpty {
            notes.append("rest replaces \(roles[roles.count - 1].rawValue): " + why)
            roles[roles.count - 1] = .rest
        }
        return roles
    }

    /// The other blocks at their anchors, before placement.
    static func otherItems(
        _ roles: [RoutineRole], _ ctx: RoutineContext, memory: MemoryContextView, windDownStart: Int,
        notes: inout [String]
    ) -> [RoutineItem] {
        let (a, wake) = (ctx.archetype, ctx.wake)
        return roles.map { role in
            let d = RoutineRules.durationMin(role, a)
            let start: Int =
                switch role {
                case .mindfulness: a == .connectedExplorer ? windDownStart - 150 : wake + 20
                case .focus: wake + 150
                case .recovery: windDownStart - 75
                case .nutrition: ctx.bedtime - 210
                case .rest: wake + 420
                default: wake
                }
            let size = Self.learned(
                (role == .focus ? (ctx.difficulty >= 4 ? 3 : 2) : 1, d, ""), role: role, memory: memory,
                notes: &notes)
            return RoutineItem(
                role: role, start: start, durationMin: size.duration, intensity: size.intensity, variant: [:],
                title: RoutineTone.title(role, ctx, minutes: size.duration),
                why: RoutineTone.why(role, ctx, minutes: size.duration))
        }
    }

    /// Exercise intensity and minutes from the archetype, difficulty and readiness (the table of hos-routine(1)),
    /// the intensity at most the user's stated `maxIntensity`.
    public static func exerciseSize(
        _ a: Archetype, difficulty: Int, state: String, sleepFirst: Bool, maxIntensity: Int? = nil
    ) -> (intensity: Int, duration: Int, rule: String) {
        let base = Double(RoutineRules.exerciseBaseMin(a))
        let steps = difficulty - ArchetypePolicy.of(a).baseDifficulty
        var minutes = base * (1 + RoutineRules.durationStep * Double(steps))
        var intensity = difficulty
        var rule =
            "\(Int(base)) min at base difficulty \(ArchetypePolicy.of(a).baseDifficulty), "
            + "\(steps >= 0 ? "+" : "−")\(abs(steps) * Int(RoutineRules.durationStep * 100))% for difficulty \(difficulty)"
        switch state {
        case "recovered":
            intensity = min(5, difficulty + 1)
            rule += "; recovered: intensity difficulty + 1"
        case "strained":
            intensity = min(RoutineRules.strainedMaxIntensity, difficulty)
            minutes *= RoutineRules.strainedDurationFactor
            rule += "; strained: intensity at most \(RoutineRules.strainedMaxIntensity), duration −40%"
        default:
            rule += "; \(state): intensity = difficulty"
        }
        if sleepFirst, intensity > RoutineRules.sleepFirstMaxIntensity {
            intensity = RoutineRules.sleepFirstMaxIntensity
            rule += "; sleep-first: intensity at most \(RoutineRules.sleepFirstMaxIntensity)"
        }
        if let cap = maxIntensity, intensity > cap {
            intensity = cap
            rule += "; your stated maximum intensity \(cap)"
        }
        let r = RoutineRules.exerciseDurationRange
        let duration = min(r.upperBound, max(r.lowerBound, F.grid(Int(minutes.rounded()))))
        return (max(1, intensity), duration, rule)
    }

    /// The exercise_time arm of a preference: an arm name, or a time (before 11:00 morning, before 16:00 midday).
    public static func arm(ofPreference p: JSON) -> String? { p.stringValue.flatMap(ExerciseTime.init)?.window }
}

/// What the texts cite.
struct RoutineContext {
    var archetype: Archetype
    var wake: Int, bedtime: Int, target: Int, need: Int, latency: Int
    var readinessText: String
    var state: String
    var sleepFirst: Bool, strained: Bool
    var debtText: String
    var difficulty: Int
}

/// The items placed so far on the day, and the moves and cuts placing them took.
struct RoutineDay {
    var slots: RoutineSlots
    var items: [RoutineItem] = []
    /// In words: "focus 09:15 → 10:00", "recovery shortened to 10 min", "rest left out: no free time".
    var moves: [String] = []

    init(wake: Int) { slots = RoutineSlots(wake: wake) }

    /// Adds an item where it is, taking its time.
    mutating func add(_ item: RoutineItem) {
        items.append(item)
        slots.take(item.start, item.end)
    }

    /// Places an item at the free time nearest its anchor, ending by `latestEnd` (by `fallback` when the day
    /// is too short for that), shortened by 5 minutes at a time down to `shortest`, else left out.
    mutating func place(_ item: RoutineItem, latestEnd: Int, fallback: Int, shortest: Int = RoutineRules.grid) {
        let wake = slots.wake
        var item = item
        var limit = latestEnd
        if limit - wake < item.durationMin { limit = fallback }
        var duration = item.durationMin
        while duration >= shortest {
            if let s = slots.place(anchor: item.start, duration: duration, lo: wake, hi: limit) {
                if s != item.start { moves.append("\(item.role.rawValue) \(F.clock(item.start)) → \(F.clock(s))") }
                if duration != item.durationMin { moves.append("\(item.role.rawValue) shortened to \(duration) min") }
                item.start = s
                item.durationMin = duration
                add(item)
                return
            }
            duration -= RoutineRules.grid
        }
        moves.append("\(item.role.rawValue) left out: no free time")
    }
}

/// Busy intervals of the day and the search for a free one.
struct RoutineSlots {
    var wake: Int
    var taken: [(Int, Int)] = []

    mutating func take(_ start: Int, _ end: Int) { taken.append((start, end)) }

    func fits(_ s: Int, _ d: Int) -> Bool { taken.allSatisfy { s + d <= $0.0 || s >= $0.1 } }

    /// The earliest free start at or after the anchor (clamped into [lo, hi − d]), else the latest before it.
    func place(anchor: Int, duration d: Int, lo: Int, hi: Int) -> Int? {
        guard hi - lo >= d else { return nil }
        let a = min(max(anchor, lo), hi - d)
        // A free interval starts at the anchor or where a busy one ends, and ends where a busy one starts or at hi.
        for s in ([a] + taken.map(\.1).filter { $0 > a }.sorted()) where s + d <= hi && fits(s, d) { return s }
        for s in (taken.map { $0.0 - d }.filter { $0 < a && $0 >= lo }.sorted(by: >) + [lo]) where fits(s, d) {
            return s
        }
        return nil
    }
}

/// Formatting and timeline helpers of the routine planner.
enum RoutineFormat {
    /// A number from an upstream event when it is finite and within `range`, else nil.
    static func checked(_ v: Double?, _ range: ClosedRange<Double>) -> Double? {
        guard let d = v, d.isFinite, range.contains(d) else { return nil }
        return d
    }

    /// A clock time on the day's timeline: minutes from midnight of the wake day, in [wake, end]; a time
    /// outside the waking window goes to the nearer edge.
    static func onTimeline(_ clock: Int, wake: Int, bedtime end: Int) -> Int {
        let offset = ((clock - wake) % 1440 + 1440) % 1440
        let awake = end - wake
        if offset <= awake { return wake + offset }
        return offset - awake < (1440 - awake) / 2 ? end : wake
    }

    /// A clock time on the timeline when it lies inside [wake, end], else nil.
    static func inWindow(_ clock: Int, wake: Int, end: Int) -> Int? {
        let offset = ((clock - wake) % 1440 + 1440) % 1440
        return offset <= end - wake ? wake + offset : nil
    }

    /// The median of clock times around their circular mean, so 23:50 and 00:10 have the median 00:00.
    static func circularMedian(_ minutes: [Double]) -> Int? {
        guard let m = CircularStats.mean(minutes: minutes)?.mean,
            let med = CircularStats.median(minutes: minutes, around: m)
        else { return nil }
        return Int(med.rounded()) % 1440
    }

    /// Minutes rounded to the plan's 5-minute grid.
    static func grid(_ m: Int) -> Int {
        let g = RoutineRules.grid
        return Int((Double(m) / Double(g)).rounded()) * g
    }

    /// Minutes after midnight of an "HH:MM" string.
    static func minutes(_ v: JSON?) -> Int? { v?.stringValue.flatMap { ClockTime($0) }?.minutes }

    /// "HH:MM" of a timeline minute.
    static func clock(_ m: Int) -> String { ClockTime(minutes: m).description }

    /// A number with at most one decimal.
    static func decimal(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    /// The text with its first letter in upper case.
    static func sentence(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }

    /// Minutes as hours with at most one decimal.
    static func hours(_ minutes: Double) -> String { decimal(minutes / 60) }
}

private typealias F = RoutineFormat

/// Titles and reasons in each archetype's tone (hos-events(7), ARCHETYPES); every reason cites its numbers.
enum RoutineTone {
    static func sleepTitle(_ a: Archetype, lightsOut t: String) -> String {
        switch a {
        case .foundationBuilder: "Wind down gently, lights out at \(t)"
        case .resilienceRebuilder: "A soft landing: quiet wind-down, lights out at \(t)"
        case .connectedExplorer: "Screens down, wind down together, lights out at \(t)"
        case .systematicImprover: "Wind-down routine, lights out at \(t)"
        case .transformationSeeker: "Own your night: lights out at \(t)"
        case .peakPerformer: "Sleep protocol: lights out at \(t) sharp"
        }
    }

    static func sleepWhy(_ c: RoutineContext, shiftText: String, windDown: Int) -> String {
        var s =
            "Target lights out \(F.clock(c.target)): wake \(F.clock(c.wake)) minus \(F.hours(Double(c.need))) h of sleep "
            + "and \(c.latency) min to fall asleep; \(shiftText)."
        if c.sleepFirst {
            s += " Sleep comes first today (\(c.debtText)), so the wind-down starts \(windDown) min before."
        }
        return s + " " + tail(c.archetype, .sleep)
    }

    /// A name for an exercise of an intensity.
    static func kind(_ intensity: Int) -> String {
        switch intensity {
        case ...1: "easy walk"
        case 2: "brisk walk"
        case 3: "steady cardio session"
        case 4: "interval session"
        default: "high-intensity session"
        }
    }

    static func exerciseTitle(_ a: Archetype, minutes m: Int, intensity i: Int) -> String {
        let k = kind(i)
        return switch a {
        case .foundationBuilder: "A \(m)-minute \(k): just show up"
        case .resilienceRebuilder: "A gentle \(m)-minute \(k), at your own pace"
        case .connectedExplorer: "A \(m)-minute \(k) outdoors, with a friend or a group"
        case .systematicImprover: "\(F.sentence(k)): \(m) min at intensity \(i)/5"
        case .transformationSeeker: "Breakthrough session: a \(m)-minute \(k)"
        case .peakPerformer: "Training block: \(m)-minute \(k) at intensity \(i)/5"
        }
    }

    static func exerciseWhy(_ c: RoutineContext, size: (intensity: Int, duration: Int, rule: String), arm: String)
        -> String
    {
        var s =
            "\(F.sentence(c.readinessText)) at difficulty \(c.difficulty): intensity \(size.intensity), \(size.duration) min; \(arm) slot."
        if c.strained { s += " Strained readiness keeps it light (intensity at most 2, 40% shorter)." }
        if c.sleepFirst { s += " Sleep first (\(c.debtText)): done by 19:00 and at least 3 h before lights out." }
        return s + " " + tail(c.archetype, .exercise)
    }

    static func walkTitle(_ m: Int) -> String { "A gentle \(m)-minute walk: no goals, just fresh air" }

    static func walkWhy(_ c: RoutineContext, arm: String) -> String {
        "\(F.sentence(c.readinessText)): today is for recovery, not training, so movement stays gentle; \(arm) slot. "
            + tail(c.archetype, .walk)
    }

    static func title(_ role: RoutineRole, _ c: RoutineContext, minutes m: Int) -> String {
        let a = c.archetype
        let dinner = F.clock(c.bedtime - 180)
        switch role {
        case .mindfulness:
            return switch a {
            case .foundationBuilder: "\(m) calm minutes of slow breathing"
            case .resilienceRebuilder: "\(m) minutes of self-compassion breathing"
            case .connectedExplorer: "\(m) minutes to reach out to someone you care about"
            case .systematicImprover: "\(m)-minute guided breathing; note how you feel after"
            case .transformationSeeker: "\(m)-minute visualisation of the person you are becoming"
            case .peakPerformer: "\(m)-minute box breathing to prime focus"
            }
        case .focus:
            return switch a {
            case .systematicImprover: "Deep-work block: \(m) min, one task, notifications off"
            case .transformationSeeker: "Transformation block: \(m) min on your biggest change"
            case .peakPerformer: "Peak cognitive block: \(m) min on your hardest problem"
            default: "\(m)-minute focus block on one thing that matters"
            }
        case .recovery:
            return switch a {
            case .foundationBuilder: "A gentle \(m)-minute stretch"
            case .resilienceRebuilder: "\(m) minutes of restorative yoga or stretching"
            case .connectedExplorer: "\(m)-minute stretch, with company if you can"
            case .systematicImprover: "\(m)-minute mobility routine; track your range"
            case .transformationSeeker: "\(m)-minute recovery stretch: change needs recovery"
            case .peakPerformer: "\(m)-minute mobility and soft-tissue work"
            }
        case .nutrition:
            return switch a {
            case .foundationBuilder: "Dinner by \(dinner), and a glass of water with each meal"
            case .resilienceRebuilder: "A nourishing dinner, finished by \(dinner); sip water through the day"
            case .connectedExplorer: "Share dinner with someone, finished by \(dinner)"
            case .systematicImprover: "Meal timing: last meal done by \(dinner), water logged with each meal"
            case .transformationSeeker: "Close the kitchen at \(dinner): your new evening routine"
            case .peakPerformer: "Fuel timing: last meal by \(dinner), hydrate before noon"
            }
        case .rest:
            return switch a {
            case .foundationBuilder: "Put your feet up: a \(m)-minute rest"
            case .resilienceRebuilder: "\(m)-minute rest: lie down, no screens, nothing to achieve"
            case .connectedExplorer: "A \(m)-minute quiet break away from everyone"
            case .systematicImprover: "\(m)-minute NSDR session (non-sleep deep rest)"
            case .transformationSeeker: "\(m)-minute recharge: nap or NSDR"
            case .peakPerformer: "\(m)-minute NSDR or power nap"
            }
        case .sleep, .exercise, .walk:
            return ""
        }
    }

    static func why(_ role: RoutineRole, _ c: RoutineContext, minutes m: Int) -> String {
        let s: String
        switch role {
        case .mindfulness:
            s =
                c.archetype == .connectedExplorer
                ? "An evening moment of connection, before the wind-down; \(c.readinessText)."
                : "A short practice soon after waking (\(F.clock(c.wake))) anchors the day; \(c.readinessText)."
        case .focus:
            s =
                "Placed 2.5 h after waking (\(F.clock(c.wake))), when alertness climbs; \(m) min at difficulty \(c.difficulty)."
        case .recovery:
            s = "In the evening, before the wind-down, to bring arousal down; \(c.readinessText)."
        case .nutrition:
            s =
                "Finishing eating 3 h before lights out (\(F.clock(c.bedtime))) protects sleep; water through the day keeps energy even."
        case .rest:
            s =
                c.sleepFirst
                ? "\(F.sentence(c.debtText)): a \(m)-minute rest about 7 h after waking repays some without costing tonight's sleep."
                : "\(F.sentence(c.readinessText)): a \(m)-minute rest takes the place of harder work today."
        case .sleep, .exercise, .walk:
            s = ""
        }
        return s + " " + tail(c.archetype, role)
    }

    /// The closing phrase in the archetype's tone.
    static func tail(_ a: Archetype, _ role: RoutineRole) -> String {
        switch a {
        case .foundationBuilder:
            role == .sleep ? "Small, steady steps count." : "Keep it simple; showing up is the win."
        case .resilienceRebuilder:
            role == .sleep ? "Rest is how you rebuild." : "Go easy on yourself; any part of it counts."
        case .connectedExplorer:
            role == .sleep ? "Good nights make room for tomorrow's adventures." : "Share it, and explore something new."
        case .systematicImprover:
            role == .sleep
                ? "Regular timing is the variable that moves sleep quality." : "Log it, so the data can show progress."
        case .transformationSeeker:
            role == .sleep
                ? "This is where the transformation starts." : "Every session is a step toward your breakthrough."
        case .peakPerformer:
            role == .sleep ? "Sleep is your biggest performance lever." : "Precise timing, measurable gains."
        }
    }
}
