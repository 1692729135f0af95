// The WHOOP, Cronometer and Fitbit account-export importers against hand-written fixtures in the real
// layouts (Fixtures/whoop*, cronometer, fitbit-account), awkward cases included.

import Foundation
import HOSCore
import Testing

@testable import HOSImport

private func fixture(_ name: String) -> String {
    Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name).path
}

private func records(
    _ source: String, policy: ErrorPolicy = .fail,
    _ body: (RecordSet, ProblemReporter) throws -> Void
) throws -> (RecordSet, ProblemReporter) {
    let reporter = try ProblemReporter(tool: "hos-import", policy: policy)
    let r = RecordSet(source: source, reporter: reporter)
    try body(r, reporter)
    return (r, reporter)
}

private func whoop(_ dirs: [String]) throws -> (RecordSet, ProblemReporter) {
    try records("whoop") { r, rep in
        try WhoopImporter(user: "me").read(directories: dirs.map(fixture), into: r, reporter: rep)
    }
}

private func n(_ r: RecordSet, _ date: String, _ metric: String, user: String = "me") -> Double? {
    r.value(user: user, date: LocalDate(date)!, metric: metric)?.number
}

private func text(_ r: RecordSet, _ date: String, _ metric: String, user: String = "me") -> String? {
    r.value(user: user, date: LocalDate(date)!, metric: metric)?.description
}

@Suite struct WhoopTests {
    @Test func cycleColumnsMapToTheVocabulary() throws {
        let (r, rep) = try whoop(["whoop"])
        #expect(n(r, "2024-03-08", "recovery_score") == 68)
        #expect(n(r, "2024-03-08", "hrv_rmssd_ms") == 62)
        #expect(n(r, "2024-03-08", "resting_hr_bpm") == 54)
        #expect(n(r, "2024-03-08", "strain") == 12.4)
        // WHOOP's "cal" are kilocalories.
        #expect(n(r, "2024-03-08", "calories_burned_kcal") == 2510)
        #expect(n(r, "2024-03-08", "sleep_score") == 88)
        #expect(text(r, "2024-03-08", "sleep_start") == "23:10")
        #expect(text(r, "2024-03-08", "sleep_end") == "06:52")
        // Absolute skin temperature is not a deviation from baseline.
        #expect(n(r, "2024-03-08", "skin_temp_dev_c") == nil)
        #expect(n(r, "2024-03-08", "x_skin_temp_c") == 33.4)
        #expect(rep.rejected == 0 && rep.warnings == 0)
    }

    @Test func aCycleStartedBeforeMidnightIsTheWakeDay() throws {
        let (r, _) = try whoop(["whoop"])
        // Cycle 2024-03-08 22:55 → the day lived is 03-09; its late-night workout (03-09 23:35) stays with it.
        #expect(n(r, "2024-03-09", "strain") == 15.1)
        #expect(n(r, "2024-03-09", "workout_minutes") == 30)
        #expect(n(r, "2024-03-09", "sleep_duration_min") == 468)
    }

    @Test func dstChangeKeepsOneCyclePerDay() throws {
        let (r, rep) = try whoop(["whoop"])
        // 03-10 00:20 at UTC-05:00 and 03-10 23:40 at UTC-04:00 (after the change): days 03-10 and 03-11.
        #expect(n(r, "2024-03-10", "strain") == 8.3)
        #expect(n(r, "2024-03-11", "strain") == 13.7)
        #expect(text(r, "2024-03-11", "sleep_start") == "23:40")
        #expect(rep.warnings == 0)
    }

    @Test func travelUsesTheLocalDateNotTheUTCDate() throws {
        let (r, _) = try whoop(["whoop"])
        // 2024-03-14 00:30 at UTC+01:00 is 03-13 23:30 UTC: the day is the local 03-14.
        #expect(n(r, "2024-03-14", "strain") == 14.3)
        #expect(text(r, "2024-03-14", "sleep_start") == "00:30")
        // The morning sleep on arrival (07:10 local) is its own day, 03-13.
        #expect(n(r, "2024-03-13", "sleep_duration_min") == 250)
    }

    @Test func napIsNeverTheMainSleepEvenWhenLonger() throws {
        let (r, _) = try whoop(["whoop"])
        // 03-13: main sleep 250 min, nap 270 min.
        #expect(n(r, "2024-03-13", "sleep_duration_min") == 250)
        #expect(text(r, "2024-03-13", "sleep_end") == "11:40")
        #expect(n(r, "2024-03-13", "x_nap_min") == 270)
        #expect(n(r, "2024-03-12", "x_nap_min") == 34)
        #expect(n(r, "2024-03-12", "sleep_duration_min") == 380)
    }

    @Test func inProgressCycleKeepsItsNightButNotItsPartialStrain() throws {
        let (r, _) = try whoop(["whoop"])
        #expect(n(r, "2024-03-15", "recovery_score") == 41)
        #expect(n(r, "2024-03-15", "strain") == nil)
        #expect(n(r, "2024-03-15", "calories_burned_kcal") == nil)
    }

    @Test func overlappingExportsGiveEachDayOnceWithTheSameIds() throws {
        let (both, rep) = try whoop(["whoop", "whoop-later"])
        let (reversed, rep2) = try whoop(["whoop-later", "whoop"])
        #expect(rep.warnings == 0 && rep2.warnings == 0)
        // The finished copy of 03-15 wins over the in-progress one, in either order.
        #expect(n(both, "2024-03-15", "strain") == 11.8)
        #expect(n(reversed, "2024-03-15", "strain") == 11.8)
        // The workout of 03-14 and the journal answer about 03-13 are in both exports and count once.
        #expect(n(both, "2024-03-14", "workout_minutes") == 60)
        #expect(n(both, "2024-03-14", "x_workout_count") == 1)
        let a = both.events(request: nil)
        let b = reversed.events(request: nil)
        #expect(a.map(\.eventID) == b.map(\.eventID))
        #expect(Set(a.map { $0.payload["date"]!.stringValue! }).count == a.count)
        // A day that only one export holds gets the same id as from that export alone.
        let (alone, _) = try whoop(["whoop"])
        let day = { (events: [Event], d: String) in events.first { $0.payload["date"] == .string(d) }?.eventID }
        #expect(day(alone.events(request: nil), "2024-03-10") == day(a, "2024-03-10"))
    }

    @Test func journalAnswersBecomeCustomMetricsAndNoMapsToTheVocabulary() throws {
        let (r, _) = try whoop(["whoop"])
        #expect(n(r, "2024-03-07", "x_journal_alcohol") == 1)
        // "yes" gives no amount: alcohol_units stays empty.
        #expect(n(r, "2024-03-07", "alcohol_units") == nil)
        #expect(n(r, "2024-03-08", "x_journal_alcohol") == 0)
        #expect(n(r, "2024-03-08", "alcohol_units") == 0)
        #expect(n(r, "2024-03-08", "x_journal_caffeine") == 1)
        #expect(n(r, "2024-03-07", "x_journal_read_non_screened_device_while_in_bed") == 0)
        #expect(WhoopImporter.journalMetric("Have any alcoholic drinks?")?.name == "x_journal_alcohol")
        #expect(WhoopImporter.journalMetric("Hydrated sufficiently?")?.name == "x_journal_hydrated_sufficiently")
        #expect(WhoopImporter.journalMetric("???") == nil)
    }

    /// Issue 20: the drinks of an evening were dated on the next wake day, so the journal's alcohol moved with
    /// the same day's resting heart rate (the night after the drinks) instead of the next day's.
    @Test func journalAnswersAreDatedOnTheDayLivedNotOnTheCyclesWakeDay() throws {
        let (r, _) = try whoop(["whoop"])
        // The cycle that starts with the night of 03-07 to 03-08 (its day 03-08) holds the answer about 03-07.
        #expect(n(r, "2024-03-07", "x_journal_alcohol") == 1)
        #expect(n(r, "2024-03-08", "resting_hr_bpm") == 54)
        #expect(n(r, "2024-03-08", "x_journal_alcohol") == 0)
        // A cycle that starts after midnight (00:30 on 03-14, its day 03-14) answers about 03-13.
        #expect(n(r, "2024-03-13", "x_journal_alcohol") == 1)
        #expect(n(r, "2024-03-14", "x_journal_alcohol") == nil)
        // Strain and workouts stay on the cycle's day: the day lived after its night.
        #expect(n(r, "2024-03-08", "strain") == 12.4)
    }

    @Test func badZoneIsReportedWithFileAndLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("whoop-bad-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
        Cycle start time,Cycle end time,Cycle timezone,Day Strain
        2024-03-08 23:00:00,2024-03-09 23:00:00,EST,10
        2024-03-09 23:00:00,2024-03-10 23:00:00,UTC-05:00,25
        """.write(to: dir.appendingPathComponent("physiological_cycles.csv"), atomically: true, encoding: .utf8)
        #expect(
            throws: HOSError.badInput(
                SourceLocation(file: dir.path + "/physiological_cycles.csv", line: 2),
                "Cycle timezone is not UTC[+-HH:MM]")
        ) {
            _ = try records("whoop") { r, rep in
                try WhoopImporter(user: "me").read(directory: dir.path, into: r, reporter: rep)
            }
        }
        let (r, rep) = try records("whoop", policy: .skip) { r, rep in
            try WhoopImporter(user: "me").read(directory: dir.path, into: r, reporter: rep)
        }
        // Strain 25 is outside 0–21: rejected, never written.
        #expect(rep.rejected == 2)
        #expect(r.dayCount == 0)
    }
}

@Suite struct CronometerTests {
    private func read(_ names: [String]) throws -> (RecordSet, ProblemReporter) {
        try records("cronometer") { r, rep in
            try CronometerImporter(user: "me").read(
                names.map { InputFile(argument: fixture("cronometer/" + $0)) },
                into: r, reporter: rep)
        }
    }

    @Test func dailySummaryColumnsAndConversions() throws {
        let (r, rep) = try read(["dailysummary.csv"])
        #expect(n(r, "2024-03-08", "calories_in_kcal") == 2184.6)
        #expect(n(r, "2024-03-08", "water_ml") == 2450.3)
        #expect(n(r, "2024-03-08", "carbs_g") == 231.4)
        // 24 g of ethanol / 8 g per UK unit.
        #expect(n(r, "2024-03-10", "alcohol_units") == 3)
        #expect(n(r, "2024-03-08", "x_vitamin_c_mg") == 96.4)
        #expect(n(r, "2024-03-08", "x_b12_cobalamin_ug") == 4.1)
        #expect(rep.rejected == 0)
    }

    @Test func partialDayKeepsWhatItHas() throws {
        let (r, _) = try read(["dailysummary.csv"])
        #expect(n(r, "2024-03-09", "calories_in_kcal") == 1650.2)
        #expect(n(r, "2024-03-09", "protein_g") == 98.3)
        #expect(n(r, "2024-03-09", "fat_g") == nil)
        #expect(n(r, "2024-03-09", "alcohol_units") == nil)
    }

    @Test func servingsAreSummedPerDayWhenNoSummaryHasTheDay() throws {
        let (only, _) = try read(["servings.csv"])
        #expect(n(only, "2024-03-11", "calories_in_kcal") == 543)
        #expect(n(only, "2024-03-11", "alcohol_units") == 3.25)
        #expect(n(only, "2024-03-10", "calories_in_kcal") == 303.2)
        // No row of 03-12 has fat: missing, not 0.
        #expect(n(only, "2024-03-12", "fat_g") == nil)
        let (both, rep) = try read(["servings.csv", "dailysummary.csv"])
        // 03-10 is in the summary: servings never add to it.
        #expect(n(both, "2024-03-10", "calories_in_kcal") == 2412)
        #expect(n(both, "2024-03-11", "calories_in_kcal") == 543)
        #expect(rep.warnings == 0)
    }

    @Test func vocabularyNutrientInAnUnknownUnitIsBadInput() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cron-\(getpid()).csv").path
        try "Date,Energy (kcal),Caffeine (g)\n2024-03-08,2000,0.1\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: HOSError.self) {
            _ = try records("cronometer") { r, rep in
                try CronometerImporter(user: "me").read([InputFile(argument: path)], into: r, reporter: rep)
            }
        }
    }
}

@Suite struct FitbitAccountTests {
    private func read() throws -> (RecordSet, ProblemReporter) {
        try records("fitbit") { r, rep in
            try FitbitImporter(user: "ana").read(directory: fixture("fitbit-account"), into: r, reporter: rep)
        }
    }

    @Test func sleepLogsGiveTheMainSleepAndNapsApart() throws {
        let (r, rep) = try read()
        #expect(n(r, "2024-03-02", "sleep_duration_min", user: "ana") == 412)
        #expect(n(r, "2024-03-02", "deep_sleep_min", user: "ana") == 71)
        #expect(n(r, "2024-03-02", "sleep_efficiency_pct", user: "ana") == 87.8)
        #expect(text(r, "2024-03-02", "sleep_start", user: "ana") == "23:12")
        #expect(n(r, "2024-03-02", "x_nap_min", user: "ana") == 61)
        // Numbers written as strings.
        #expect(n(r, "2024-03-03", "sleep_duration_min", user: "ana") == 318)
        #expect(rep.rejected == 0 && rep.warnings == 0)
    }

    @Test func stringsZerosAndOverlappingFiles() throws {
        let (r, _) = try read()
        // 112 + 0 + 96 + 40: the 08:03 minute is in steps.json and steps-2024-03-01.json, counted once.
        #expect(n(r, "2024-03-01", "steps", user: "ana") == 248)
        #expect(n(r, "2024-03-01", "active_minutes", user: "ana") == 39)
        // Resting heart rate 0 is no reading.
        #expect(n(r, "2024-03-02", "resting_hr_bpm", user: "ana") == nil)
        #expect(n(r, "2024-03-01", "resting_hr_bpm", user: "ana") == 58.2)
        // 0 steps and 1440 sedentary minutes: not worn, no activity metrics.
        #expect(n(r, "2024-03-03", "steps", user: "ana") == nil)
        #expect(n(r, "2024-03-03", "sedentary_minutes", user: "ana") == nil)
        #expect(n(r, "2024-03-01", "workout_minutes", user: "ana") == 30)
    }

    @Test func fileNamesWithAndWithoutDates() {
        #expect(FitbitAccountReader.kind(of: "sleep.json") == "sleep")
        #expect(FitbitAccountReader.kind(of: "sleep-2024-03-01.json") == "sleep")
        #expect(FitbitAccountReader.kind(of: "exercise-0.json") == "exercise")
        #expect(FitbitAccountReader.kind(of: "very_active_minutes-2024-03-01.json") == "very_active_minutes")
        #expect(FitbitAccountReader.kind(of: "sleep_score.csv") == nil)
    }
}

@Suite struct WellnessScaleTests {
    @Test func scalesMapOntoTheVocabulary() throws {
        #expect(try WellnessScale(parsing: "mood=0:10").apply(5) == 3)
        #expect(try WellnessScale(parsing: "readiness_score=0:1").apply(0.82) == 82)
        // Fatigue 10 is the least energy.
        #expect(try WellnessScale(parsing: "energy=10:1").apply(10) == 1)
        #expect(try WellnessScale(parsing: "energy=10:1").apply(1) == 5)
        #expect(try WellnessScale(parsing: "mood=1:10").apply(11) == nil)
        #expect(throws: EventProblem.self) { try WellnessScale(parsing: "steps=0:10") }
    }
}
