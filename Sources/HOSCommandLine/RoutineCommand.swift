// hos-routine: a time-blocked day per user, with stable item ids and strategy variants.

import ArgumentParser
import HOSAgents
import HOSCore

public struct RoutineCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hos-routine",
        abstract: "Plan each user's next day as time blocks: sleep, exercise and the archetype's other items.",
        discussion: """
            An agent (hos-events(7)): it forwards every event and, at each user's analysis_request \
            (explicit, or implicit at end of input), writes one routine_plan for that user before the \
            request. It reads the user's health_record, user_profile, behavior_analysis and memory_context \
            events since the user's last request (records accumulate; of the others the latest wins). No clock is read: the \
            plan's date is the day after the request's as_of, else after the latest record, else after the \
            analysis' as_of, else after the request's timestamp date.

            Payload: plan_id ("rp-" and a hash of user and analysis id), date, difficulty (1–5), wake, \
            bedtime (tonight's lights out), target_bedtime, focus, basis (the numbers used and their \
            sources: wake_source, sleep_need_min, sleep_latency_min, usual_bedtime, readiness_score, \
            readiness_state, sleep_debt_hours, median_sleep_min, difficulty_source), items [{item_id, category, start, duration_min, intensity, variant, title, why, days}], and \
            with --explain, explain [strings]. Items are sorted by start in the day's order, beginning at \
            wake: when bedtime passes midnight, the late items (wind-down at 01:30) come last. Every item \
            lies between wake and bedtime, none overlaps another, and all times are on a 5-minute grid.

            Wake: the analysis' sleep_timing.sleep_end.mean; else the circular median of sleep_end in the \
            records of the window; else memory preference wake_time; else the profile's wake_preference; \
            else 07:00. Target lights out = wake − (the archetype's sleep need: \
            \(ArchetypePolicy.exceptions(unit: "min") { Int(ArchetypePolicy.of($0).sleepNeedMin) }) for the others) \
            − sleep latency (the analysis' \
            sleep_latency_min baseline, else the records' median, else 15 min; kept within 0–120).

            Sleep item (item_id sleep, category sleep, intensity 1): the wind-down that ends at lights \
            out, 30 min (Resilience Rebuilder 45; sleep-first adds 15). variant.sleep_shift is memory \
            context's adaptation_state.variants.sleep_shift, else the archetype default (Peak Performer, \
            Transformation Seeker: direct; the others gradual); it is carried on every plan. When the \
            usual bedtime (the analysis' sleep_start.mean, else the records' circular median) is later \
            than the target by more than 30 min, gradual plans lights out 15 min earlier than the usual \
            bedtime (never more than 180 min after the target) and direct plans the target itself. A \
            usual bedtime earlier than the target by more than 30 min is kept (at most 120 min before the \
            target): no plan asks for a later night than the user keeps. Otherwise lights out is the \
            target.

            Readiness and focus: the analysis' readiness.state (recovered, balanced, strained; unknown \
            without one, treated as balanced). Sleep-first when readiness.sleep_debt_hours ≥ 5 or the \
            median sleep_duration_min is below the need − 60 min. focus: sleep-first; else recovery \
            when strained; else performance when recovered for Peak Performer, Systematic Improver and \
            Transformation Seeker; else balanced.

            Difficulty: memory context's adaptation_state.difficulty, else the archetype's base \
            (\(ArchetypePolicy.words(ArchetypePolicy.byDifficulty) { "\(ArchetypePolicy.of($0).baseDifficulty)" })); \
            strained readiness lowers it by 1, never below 1.

            Exercise (item_id exercise, category exercise): minutes at the base difficulty \
            \(ArchetypePolicy.words(ArchetypePolicy.byLoad) { "\(RoutineRules.exerciseBaseMin($0))" }), \
            ±\(Int(RoutineRules.durationStep * 100))% per difficulty step from the base. \
            Intensity: recovered, difficulty + 1 (at most 5); balanced or unknown, the difficulty; \
            strained, at most 2 and 40% shorter; sleep-first, at most 3; and never above the user's stated \
            maximum (user_profile exercise.max_intensity, memory preference exercise_max_intensity; the \
            notes say so). Minutes are rounded to 5 and kept within 10–90. A strained Resilience Rebuilder gets a gentle walk instead (item_id walk, \
            category recovery, 15 min, intensity 1). variant.exercise_time is memory context's \
            variants.exercise_time, else the user's stated preferred time (user_profile \
            exercise.preferred_time, memory preference exercise_preferred_time), else memory preference \
            exercise_time (an arm, or a time: before 11:00 morning, before 16:00 midday, else evening), else the archetype default (Peak \
            Performer and Systematic Improver morning, Transformation Seeker and Foundation Builder \
            evening, Resilience Rebuilder and Connected Explorer midday). Slots: morning wake + 60 min, \
            midday 12:30, evening 18:00. Exercise ends at least 2 h before lights out; sleep-first, at \
            least 3 h before and by 19:00. When memory context's adaptation_state.schedules.exercise_time \
            gives the plan's days different arms (hos-adapt tries several while they are uncertain), each \
            arm gets its own exercise item at its slot with days [the plan's dates it is for]: the arm with \
            the most days keeps item_id exercise, the others are exercise-ARM; an item without days is for \
            every day. When user_profile stated exercise.available_days (memory preference \
            exercise_available_days) and they name some of the plan's 7 days but not all, exercise items \
            are for those days only.

            What hos-adapt learned (memory context's adaptation_state): tolerance.CATEGORY caps the \
            intensity of that category's items (exercise, focus); item_actions.ITEM shorter takes a \
            quarter off the item's minutes (rounded to 5, at least the shortest), replace gives its \
            simplest form (intensity 1, the shortest minutes: exercise 10, others 5); lighter and \
            another_time need nothing more (the cap and the exercise_time arm do it). The sleep wind-down \
            is never changed. Each change is noted in --explain.

            Other items: the archetype's daily load less one \
            (\(ArchetypePolicy.words(ArchetypePolicy.byLoad, grouped: true) { "\($0.dailyLoad - 1)" })), \
            taken in priority order: Peak Performer focus, recovery, nutrition, \
            mindfulness; Systematic Improver focus, nutrition, recovery, mindfulness; Transformation \
            Seeker nutrition, mindfulness, focus, recovery; Connected Explorer mindfulness (reaching out \
            to someone), nutrition (a shared dinner), recovery, focus; Foundation Builder mindfulness, \
            nutrition, recovery, focus; Resilience Rebuilder recovery, mindfulness, nutrition, focus. \
            Sleep-first or strained days add a rest block (item_id rest, category recovery, 20 min, 7 h \
            after wake): it replaces focus; without focus, the last item unless a recovery item is \
            already there. Each item's id is its role, the same in every plan: sleep, exercise, walk, \
            mindfulness, focus, recovery, nutrition, rest; plans have the daily load + 1 items.

            Placement: mindfulness wake + 20 min (Connected Explorer: 150 min before the wind-down), 5 \
            min for Foundation Builder, 15 for Transformation Seeker, else 10; focus wake + 150 min, 90 \
            min for Peak Performer, 60 Systematic Improver, 45 Transformation Seeker, else 30 (intensity \
            3 at difficulty ≥ 4, else 2); recovery 75 min before the wind-down, 20 min for Peak \
            Performer and Resilience Rebuilder, else 15; nutrition, a 30-minute dinner ending 3 h before \
            lights out; other items intensity 1. Exercise is placed first, then the others in priority \
            order; an item that would overlap moves to the earliest free time after its slot, else the \
            latest before it, within wake and the wind-down (and is shortened in 5-minute steps if \
            nothing fits). Titles and reasons follow the archetype's tone; each reason cites its \
            numbers (readiness, sleep debt, times).

            The archetype is the request's, else the user's events', else Foundation Builder.

            \(llmDiscussion("payload.narrative holds one explanation per item, keyed by item_id, from: the focus, difficulty and readiness state, and per item its id, category, start, duration, intensity and title."))

            EXIT STATUS: 0 success; 65 bad input; 66 unreadable input; 74 I/O error; 64 usage.
            """,
        version: hosVersion)

    @OptionGroup public var stream: StreamOptions

    @Flag(help: "Add the reasoning in words (payload.explain).")
    public var explain = false

    @OptionGroup public var llm: LLMOptions

    public init() {}

    public func run() throws {
        try runTool(RoutineStage.agent) {
            let narrator = try llm.narrator(agent: RoutineStage.agent)
            try runStage(RoutineStage(explain: explain, narrator: narrator), tool: RoutineStage.agent, options: stream)
        }
    }
}
