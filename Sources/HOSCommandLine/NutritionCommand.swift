// hos-nutrition: a nutrition plan per user (energy, macros, hydration, meal timing), from the stream.

import ArgumentParser
import HOSAgents
import HOSCore

public struct NutritionCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hos-nutrition",
        abstract: "Plan each user's day of eating: energy, macros, hydration and meal times.",
        discussion: """
            An agent (hos-events(7)): it forwards every event and, at each user's analysis_request \
            (explicit, or implicit at end of input), writes one nutrition_plan for that user before the \
            request. It reads the user's user_profile, health_record, behavior_analysis and \
            memory_context events since the user's last request (the latest profile, analysis and \
            memory context win); a behavior_analysis or memory_context it cannot use is passed over. \
            The plan is for the day after as_of (the request's, else the latest record date, else the UTC day \
            of the request's timestamp), as hos-routine's is. Nothing \
            depends on the clock.

            Body data: the profile's age, sex, height_cm and weight_kg; weight from the latest \
            weight_kg record when there is one. Without a profile the plan uses defaults (age 35, sex \
            other, 170 cm, 70 kg unless weight records exist), says so in the rationale and has \
            profile_source "default"; missing profile fields take the same defaults.

            Energy: BMR by Mifflin–St Jeor, 10 × kg + 6.25 × cm − 5 × age + 5 (male), − 161 (female), \
            − 78 (other or unknown: the mean of the two). Expenditure (TDEE) is the median \
            calories_burned_kcal of the last 14 days when recorded (activity_factor then reports \
            TDEE / BMR); else BMR × an activity factor from median steps of the last 14 days \
            (\(NutritionRules.stepsActivity.words())); else from median active_minutes \
            (\(NutritionRules.activeMinutesActivity.words())); else \(NutritionRules.sedentaryFactor). \
            Without such records, the behavior_analysis baseline of the same metric is used. \
            activity_source names the metric.

            Goal by archetype: deficit (Transformation Seeker), performance (Peak Performer: TDEE + 10%), \
            maintenance (the others: TDEE). The deficit is 7.5% + 2.5% × difficulty (1 → 10%, 3 → 15%, 5 \
            → 20%; never more than 20%). Difficulty (1–5) is memory_context adaptation_state.difficulty \
            when present, else the archetype's starting difficulty \
            (\(ArchetypePolicy.words(ArchetypePolicy.byDifficulty, grouped: true) { "\(ArchetypePolicy.of($0).baseDifficulty)" })), \
            one step less (never below 1) when the behavior_analysis readiness is \
            strained: the rule of hos-routine(1), so both plans state the same difficulty. \
            Energy is never below the BMR nor 1,200 kcal; the rationale says when that floor bites.

            Macros: protein g/kg of body weight — \(NutritionRules.proteinWords), \
            +\(NutritionRules.activeProteinBonus) when the activity factor is \(NutritionRules.activeProteinFactor) or \
            more; fat 25% of energy (20% when carbohydrate \
            would otherwise go below 0; protein is capped, and says so, if even that is not enough); \
            carbohydrate the remainder at 4 kcal/g (protein 4, fat 9); fibre 14 g per 1,000 kcal. \
            Hydration: 35 ml per kg, + 500 ml when the activity factor is 1.55 or more.

            Meals in the waking window of the planned day: the wake time and tonight's lights-out that \
            hos-routine(1) plans from the same inputs (its target bedtime from the archetype's sleep \
            need, moved by the sleep_shift variant), so the two plans always agree; the last meal keeps \
            its gap before that lights-out, not before the usual bedtime. When the planner is used on \
            its own, wake time is behavior_analysis sleep_timing.sleep_end.mean, else the median \
            sleep_end of the window's records (on the clock circle), else the profile's \
            wake_preference, else 07:00; bedtime is sleep_start.mean, else the records' median \
            sleep_start, else wake + 16 h (also when the times leave under 8 waking hours). \
            First meal / last meal gap before bedtime / energy split: \(mealStyles) Times fall on 5-minute marks: the first meal the nearest one within 30–60 min \
            of waking, the last rounded down so its gap is kept; lunch sits \
            half-way (40% of the way with a snack, the snack at 70%). Protein is split evenly over \
            the main meals (10% to a snack). Each meal has a focus (protein first: "protein + \
            fibre" for a deficit, "+ complex carbs" for maintenance, "+ carbohydrate" for \
            performance; "plant protein" for vegans) and foods suggested from a fixed list.

            Dietary: pattern, exclusions and allergies from user_profile.dietary and the memory_context \
            preferences dietary_pattern, exclusions and allergies; memory's pattern overrides, the \
            lists are unioned (lowercased, sorted). Patterns: omnivore (also none), pescatarian, \
            vegetarian, vegan (also plant-based); an unknown one is planned as omnivore with a warning \
            in the rationale. Suggested foods never name fish or meat for vegetarians and vegans, nor \
            any animal food for vegans, nor a food that an allergy or exclusion names or groups \
            (e.g. nuts, dairy, gluten, soy, legumes, fish).

            Logged intake: for calories_in_kcal, protein_g, carbs_g, fat_g and fiber_g, the median of \
            the last 14 logged days within the request window, against the target: intake {metric: \
            {logged, target, gap, days}}, and a rationale line for the largest gap relative to its \
            target (or that all are within 10%); without logs the rationale says so.

            Rationale lines open in the archetype's tone (hos-events(7)). Rounding: kcal to 10, grams \
            to 1, ml to 50. plan_id is "np-" + a hash of the user and the analysis id. --explain adds \
            payload.explain with the arithmetic.

            EXIT STATUS: 0 success; 65 bad input; 66 unreadable input; 74 I/O error; 64 usage.
            """,
        version: hosVersion)

    /// The meal styles of hos-nutrition(1), from MealStyle: three meals for five archetypes, then the four of a
    /// performance goal.
    static var mealStyles: String {
        let three = ArchetypePolicy.byLoad.filter { ArchetypePolicy.of($0).nutritionGoal != "performance" }
        let four = MealStyle.of(.peakPerformer, goal: "performance")
        let otherGap = MealStyle.of(.foundationBuilder, goal: "performance").lastMealBeforeBedMin
        return ArchetypePolicy.words(three, separator: "; ") {
            MealStyle.of($0, goal: ArchetypePolicy.of($0).nutritionGoal).words
        }
            + " (\(MealStyle.of(.foundationBuilder, goal: "maintenance").names.joined(separator: ", "))). Peak Performer, "
            + "and any performance goal, eats four times: \(four.names.joined(separator: ", ")) at "
            + "\(four.firstMealAfterWakeMin) min / \(NutritionPlanner.hours(four.lastMealBeforeBedMin)) "
            + "(\(NutritionPlanner.hours(otherGap)) for other archetypes) / \(four.split)."
    }

    @OptionGroup public var stream: StreamOptions

    @Flag(help: "Add the reasoning and arithmetic in words (payload.explain).")
    public var explain = false

    public init() {}

    public func run() throws {
        try runTool(NutritionStage.agent) {
            try runStage(NutritionStage(explain: explain), tool: NutritionStage.agent, options: stream)
        }
    }
}
