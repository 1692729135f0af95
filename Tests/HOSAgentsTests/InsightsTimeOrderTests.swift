// hos-insights tests a lever against an outcome only where the lever comes first in time (issue 20): the
// vocabulary's timings, an importer's custom metrics, and --timing for the others.

import HOSCore
import Testing

@testable import HOSAgents

@Suite struct InsightsTimeOrderTests {
    func pairs(_ options: InsightOptions = InsightOptions()) -> Set<String> {
        let engine = InsightEngine(options: options)
        let p = engine.pairs(
            levers: ["calories_burned_kcal", "sleep_start", "alcohol_units", "x_cold_min"],
            outcomes: ["sleep_start", "sleep_efficiency_pct", "resting_hr_bpm", "mood", "strain"])
        return Set(p.map { "\($0.x) \($0.y) \($0.lag)" })
    }

    /// Issue 20: "more energy burned → earlier same-day bedtime" was reported, though the wake day's bedtime is
    /// the night before the energy was burned.
    @Test func aLeverIsNeverTestedWithAnOutcomeMeasuredBeforeIt() {
        let p = pairs()
        #expect(!p.contains("calories_burned_kcal sleep_start 0"))
        #expect(!p.contains("calories_burned_kcal resting_hr_bpm 0"))
        #expect(!p.contains("alcohol_units resting_hr_bpm 0"))
        // Later the same day: the evening's mood and the day's strain.
        #expect(p.contains("calories_burned_kcal mood 0"))
        #expect(p.contains("calories_burned_kcal strain 0"))
        // The same evening is not later: alcohol and mood are not paired on one day.
        #expect(!p.contains("alcohol_units mood 0"))
        // Two measures of one night stay: bedtime and that night's sleep efficiency and resting HR.
        #expect(p.contains("sleep_start sleep_efficiency_pct 0"))
        #expect(p.contains("sleep_start resting_hr_bpm 0"))
        // The next day always follows: the evening's drinks and the next night's resting HR.
        #expect(p.contains("alcohol_units resting_hr_bpm 1"))
        #expect(p.contains("calories_burned_kcal sleep_start 1"))
    }

    @Test func aCustomMetricTakesItsImportersTimingOrTimingOption() {
        // No timing known: next day only.
        #expect(pairs().filter { $0.hasPrefix("x_cold_min ") }.allSatisfy { $0.hasSuffix(" 1") })
        var options = InsightOptions()
        options.timings = ["x_cold*": .day]
        #expect(pairs(options).contains("x_cold_min mood 0"))
        #expect(!pairs(options).contains("x_cold_min resting_hr_bpm 0"))
        options.timings["x_cold_min"] = .overnight
        #expect(pairs(options).contains("x_cold_min resting_hr_bpm 0"))
        // An importer's: WHOOP's journal answers are about the day lived, its skin temperature overnight.
        #expect(Metrics.timing(of: "x_journal_alcohol") == .day)
        #expect(Metrics.timing(of: "x_skin_temp_c") == .overnight)
        #expect(Metrics.timing(of: "x_vitamin_c_mg") == nil)
    }
}
