// The Fitabase importer against hand-written fixtures in the real export layout (Fixtures/fitbit*).

import Foundation
import HOSCore
import HOSImport
import Testing

private func fixture(_ name: String) -> String {
    Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name).path
}

/// Imports a fixture folder; returns the records and the reporter (for its counts).
private func importFitbit(_ name: String, policy: ErrorPolicy = .fail) throws -> (RecordSet, ProblemReporter) {
    let reporter = try ProblemReporter(tool: "hos-import", policy: policy)
    let records = RecordSet(source: "fitbit", reporter: reporter)
    try FitbitImporter().read(directory: fixture(name), into: records, reporter: reporter)
    return (records, reporter)
}

private func day(_ text: String) -> LocalDate { LocalDate(text)! }

private func number(_ records: RecordSet, _ user: String, _ date: String, _ metric: String) -> Double? {
    records.value(user: user, date: day(date), metric: metric)?.number
}

private func clock(_ records: RecordSet, _ user: String, _ date: String, _ metric: String) -> String? {
    records.value(user: user, date: day(date), metric: metric).map(\.description)
}

@Suite struct FitbitTests {
    @Test func dailyActivityMapsColumnsToMetrics() throws {
        let (r, reporter) = try importFitbit("fitbit")
        #expect(number(r, "1503960366", "2016-04-12", "steps") == 13162)
        #expect(number(r, "1503960366", "2016-04-12", "distance_km") == 8.5)
        // VeryActiveMinutes 25 + FairlyActiveMinutes 13.
        #expect(number(r, "1503960366", "2016-04-12", "active_minutes") == 38)
        #expect(number(r, "1503960366", "2016-04-12", "sedentary_minutes") == 728)
        #expect(number(r, "1503960366", "2016-04-12", "calories_burned_kcal") == 1985)
        // 6.96999979019165 km, rounded to 0.01.
        #expect(number(r, "1503960366", "2016-04-13", "distance_km") == 6.97)
        #expect(reporter.rejected == 0)
        #expect(reporter.warnings == 0)
    }

    @Test func dayNotWornHasNoActivityMetrics() throws {
        let (r, _) = try importFitbit("fitbit")
        // 4/14: TotalSteps 0 and SedentaryMinutes 1440; nothing else is known of that day.
        for metric in ["steps", "distance_km", "active_minutes", "sedentary_minutes", "calories_burned_kcal"] {
            #expect(r.value(user: "1503960366", date: day("2016-04-14"), metric: metric) == nil)
        }
        #expect(
            !r.events(request: nil).contains {
                $0.userID == "1503960366" && $0.payload["date"] == .string("2016-04-14")
            })
        // 0 steps with only 1380 sedentary minutes is a worn, lazy day: kept.
        #expect(number(r, "1624580081", "2016-04-13", "steps") == 0)
        #expect(number(r, "1624580081", "2016-04-13", "sedentary_minutes") == 1380)
    }

    @Test func sleepDayGivesDurationAndEfficiencyAndDuplicatesAreQuiet() throws {
        let (r, reporter) = try importFitbit("fitbit")
        #expect(number(r, "1503960366", "2016-04-12", "sleep_duration_min") == 327)
        #expect(number(r, "1503960366", "2016-04-12", "time_in_bed_min") == 346)
        // 327 / 346 = 94.508…%.
        #expect(number(r, "1503960366", "2016-04-12", "sleep_efficiency_pct") == 94.5)
        // 4/13 is in the file twice, identically: one value, no warning.
        #expect(number(r, "1503960366", "2016-04-13", "sleep_efficiency_pct") == 94.3)
        #expect(reporter.warnings == 0)
        #expect(number(r, "1624580081", "2016-04-12", "sleep_efficiency_pct") == 93.2)
    }

    @Test func minuteSleepTakesTheLongestLogOfTheWakeDayNotTheNap() throws {
        let (r, _) = try importFitbit("fitbit")
        // Night log 11:50 PM 4/11 – 12:09 AM 4/12 (20 minutes, 3 awake) ends on 4/12; the 2:00 PM nap
        // (10 minutes, 5 awake) also ends on 4/12 and comes first in the file, but is shorter.
        #expect(clock(r, "1503960366", "2016-04-12", "sleep_start") == "23:50")
        #expect(clock(r, "1503960366", "2016-04-12", "sleep_end") == "00:10")
        #expect(number(r, "1503960366", "2016-04-12", "awake_min") == 3)
        // sleepDay's duration is left alone.
        #expect(number(r, "1503960366", "2016-04-12", "sleep_duration_min") == 327)
        // Minutes stamped on the half minute: 11:58:30 PM to 12:04:30 AM → 23:58–00:05, on the wake day.
        #expect(clock(r, "1503960366", "2016-04-13", "sleep_start") == "23:58")
        #expect(clock(r, "1503960366", "2016-04-13", "sleep_end") == "00:05")
        #expect(number(r, "1503960366", "2016-04-13", "awake_min") == 1)
        #expect(r.value(user: "1503960366", date: day("2016-04-11"), metric: "sleep_start") == nil)
    }

    @Test func restingHeartRateIsTheQuietestWindowWithEnoughMinutes() throws {
        let (r, _) = try importFitbit("fitbit")
        // 4/12 for user 2022484408:
        //   1:00–1:18 AM  45 bpm, 19 minutes only: no 30-minute window reaches 20 minutes with readings.
        //   3:00–3:04     three readings each, 50, 50, 62: each minute's mean is 54.
        //   3:05–3:09     54;  3:10–3:19  58;  3:20–3:29  70.
        // The window 2:50–3:19 holds exactly 20 minutes with readings: (10 × 54 + 10 × 58) / 20 = 56.
        // Any later start takes in 70s; any earlier one has fewer than 20 minutes. (Averaging the readings
        // instead of the minutes would give 55, and the lowest single minute would give 45.)
        #expect(number(r, "2022484408", "2016-04-12", "resting_hr_bpm") == 56)
        // 4/13 has 10 minutes of readings: no resting heart rate.
        #expect(r.value(user: "2022484408", date: day("2016-04-13"), metric: "resting_hr_bpm") == nil)
    }

    @Test func weightTakesTheLastLogByTimeAndPoundsWhenKilogramsAreMissing() throws {
        let (r, _) = try importFitbit("fitbit")
        // 5/2: the 11:59:59 PM log (first in the file) is later than the 6:47:11 AM one.
        #expect(number(r, "1503960366", "2016-05-02", "weight_kg") == 52.6)
        // Only the morning log has Fat: it is the day's last log that has it.
        #expect(number(r, "1503960366", "2016-05-02", "body_fat_pct") == 22)
        #expect(r.value(user: "1503960366", date: day("2016-05-03"), metric: "body_fat_pct") == nil)
        // 159.4 lb × 0.45359237 = 72.3026… kg.
        #expect(number(r, "4319703577", "2016-04-17", "weight_kg") == 72.3)
    }

    @Test func countsEveryDataRow() throws {
        let (r, _) = try importFitbit("fitbit")
        // 5 + 4 + 37 + 69 + 4 data rows.
        #expect(r.inputCount == 119)
        let events = r.events(request: nil)
        #expect(events.allSatisfy { $0.eventType == "health_record" && $0.payload["source"] == .string("fitbit") })
        #expect(Set(events.map(\.userID)) == ["1503960366", "1624580081", "2022484408", "4319703577"])
    }

    @Test func outOfRangeValueFailsWithFileAndLine() throws {
        let file = fixture("fitbit-bad") + "/dailyActivity_merged.csv"
        let error = #expect(throws: HOSError.self) { try importFitbit("fitbit-bad") }
        // Line 3 has 250000 steps; the message names the metric and range, never the value.
        #expect(
            error
                == .badInput(
                    SourceLocation(file: file, line: 3),
                    "user 1503960366 2016-04-13: metric steps outside its plausible range 0–200000"))
        #expect(!(error?.description.contains("250000") ?? true))
    }

    @Test func badRowsAreSkippedWholeUnderSkip() throws {
        let (r, reporter) = try importFitbit("fitbit-bad", policy: .skip)
        // Line 3 out of range, line 4 month 13, line 5 "nan" steps.
        #expect(reporter.rejected == 3)
        #expect(number(r, "1503960366", "2016-04-12", "steps") == 13162)
        // The rejected row is dropped whole, not just its bad value.
        #expect(r.value(user: "1503960366", date: day("2016-04-13"), metric: "calories_burned_kcal") == nil)
        #expect(r.value(user: "1503960366", date: day("2016-04-15"), metric: "calories_burned_kcal") == nil)
        #expect(r.dayCount == 1)
    }

    @Test func folderWithoutFitabaseFilesIsNoInput() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hos-fitbit-empty-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let reporter = try ProblemReporter(tool: "hos-import", policy: .fail)
        let records = RecordSet(source: "fitbit", reporter: reporter)
        let error = #expect(throws: HOSError.self) {
            try FitbitImporter().read(directory: dir.path, into: records, reporter: reporter)
        }
        #expect(error == .noInput(dir.path, "no Fitabase or Fitbit account export files found"))
        #expect(error?.exitCode == .noInput)
    }

    @Test func missingFolderIsNoInput() throws {
        let reporter = try ProblemReporter(tool: "hos-import", policy: .fail)
        let records = RecordSet(source: "fitbit", reporter: reporter)
        let error = #expect(throws: HOSError.self) {
            try FitbitImporter().read(directory: fixture("no-such-folder"), into: records, reporter: reporter)
        }
        #expect(error?.exitCode == .noInput)
    }

    @Test func documentationNamesEveryFileAndTheRestingMethod() {
        let doc = FitbitImporter.documentation
        for name in [
            "dailyActivity_merged.csv", "sleepDay_merged.csv", "minuteSleep_merged.csv",
            "heartrate_seconds_merged.csv", "weightLogInfo_merged.csv", "30 consecutive minutes",
            "at least 20 minutes", "not worn", "0.45359237",
        ] {
            #expect(doc.contains(name), "documentation lacks \(name)")
        }
    }
}
