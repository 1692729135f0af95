// The Apple Health importer against hand-written export.xml fixtures (Fixtures/apple-health).

import Foundation
import HOSCore
import Testing

@testable import HOSImport

private func fixture(_ name: String) -> String {
    Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("apple-health/" + name).path
}

/// Imports one fixture file for user "me"; returns the records and the reporter (for its counts).
private func importExport(_ name: String, policy: ErrorPolicy = .fail) throws -> (RecordSet, ProblemReporter) {
    let reporter = try ProblemReporter(tool: "hos-import", policy: policy)
    let records = RecordSet(source: "apple-health", reporter: reporter)
    try AppleHealthImporter(user: "me").read(InputFile(argument: fixture(name)), into: records, reporter: reporter)
    return (records, reporter)
}

private func number(_ records: RecordSet, _ date: String, _ metric: String) -> Double? {
    records.value(user: "me", date: LocalDate(date)!, metric: metric)?.number
}

private func text(_ records: RecordSet, _ date: String, _ metric: String) -> String? {
    records.value(user: "me", date: LocalDate(date)!, metric: metric).map(\.description)
}

/// A fixture through `ExportStream`, read `readSize` bytes at a time: what the parser would see.
private func filtered(_ name: String, readSize: Int) throws -> (text: String, misplaced: Int?) {
    let handle = try #require(FileHandle(forReadingAtPath: fixture(name)))
    defer { try? handle.close() }
    let stream = ExportStream(fd: handle.fileDescriptor)
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: readSize)
    while true {
        let n = stream.read(&buffer, maxLength: readSize)
        guard n > 0 else { break }
        out += buffer[..<n]
    }
    return (String(decoding: out, as: UTF8.self), stream.misplacedDeclarationLine)
}

@Suite struct AppleHealthTests {
    @Test func watchAndPhoneStepsAreNotAdded() throws {
        let (r, reporter) = try importExport("export.xml")
        // iPhone 3000 + 2000 = 5000, Watch 4000 + 2500 = 6500 for the same walks: the larger source alone.
        #expect(number(r, "2024-01-15", "steps") == 6500)
        #expect(number(r, "2024-01-16", "steps") == 1200)
        // Watch 1 mi + 0.5 mi = 2.414 km beats the iPhone's 2 km.
        #expect(number(r, "2024-01-15", "distance_km") == 2.41)
        #expect(number(r, "2024-01-15", "floors_climbed") == 7)
        #expect(reporter.rejected == 0)
        #expect(reporter.warnings == 0)
    }

    @Test func unitsAreConverted() throws {
        let (r, _) = try importExport("export.xml")
        // 418.4 kJ / 4.184 = 100 kcal, plus 50 Cal (Apple's spelling of kcal).
        #expect(number(r, "2024-01-15", "active_energy_kcal") == 150)
        // 2092 kJ = 500 kcal, plus 300 kcal; the copies inside the food Correlation are not counted again.
        #expect(number(r, "2024-01-15", "calories_in_kcal") == 800)
        #expect(number(r, "2024-01-15", "protein_g") == 30)
        // 0.5 L + 250 mL.
        #expect(number(r, "2024-01-15", "water_ml") == 750)
        #expect(number(r, "2024-01-15", "caffeine_mg") == 95)
        // 150 lb × 0.45359237 = 68.0388… kg.
        #expect(number(r, "2024-01-16", "weight_kg") == 68.04)
        // 0.97 and 0.95 as fractions: 96%.
        #expect(number(r, "2024-01-15", "spo2_pct") == 96)
    }

    @Test func weightIsTheLastSampleByTimeNotByFileOrder() throws {
        let (r, _) = try importExport("export.xml")
        // 70 kg at 21:00 comes before 165 lb at 07:00 in the file; 21:00 is later.
        #expect(number(r, "2024-01-15", "weight_kg") == 70)
    }

    @Test func meansAndSDNNStaysSDNN() throws {
        let (r, _) = try importExport("export.xml")
        #expect(number(r, "2024-01-15", "hrv_sdnn_ms") == 45)
        #expect(r.value(user: "me", date: LocalDate("2024-01-15")!, metric: "hrv_rmssd_ms") == nil)
        #expect(number(r, "2024-01-15", "resting_hr_bpm") == 60)
        #expect(number(r, "2024-01-15", "respiratory_rate_bpm") == 14.5)
    }

    @Test func workoutsAndMindfulnessAreSummed() throws {
        let (r, _) = try importExport("export.xml")
        // 30.5 min + 0.5 hr.
        #expect(number(r, "2024-01-15", "workout_minutes") == 60.5)
        #expect(number(r, "2024-01-15", "mindfulness_min") == 10)
    }

    @Test func localDayIsTheSamplesOwnOffsetAcrossDaylightSaving() throws {
        let (r, _) = try importExport("export.xml")
        // 2024-03-10 23:30 -0400 is 03:30 UTC on 03-11, but the user lived it on 03-10.
        #expect(number(r, "2024-03-10", "steps") == 1000)
        #expect(number(r, "2024-03-11", "steps") == 500)
    }

    @Test func stagedSleepAcrossTheClockChangeCountsRealMinutes() throws {
        let (r, _) = try importExport("export.xml")
        // Watch, night of 03-09 → 03-10 (clocks go forward at 02:00): core 23:30 -0500 → 03:30 -0400 is
        // 3 real hours, not 4; then deep 60, REM 30, awake 10, core 90. Asleep 180 + 60 + 30 + 90 = 360.
        #expect(number(r, "2024-03-10", "sleep_duration_min") == 360)
        #expect(number(r, "2024-03-10", "deep_sleep_min") == 60)
        #expect(number(r, "2024-03-10", "rem_sleep_min") == 30)
        #expect(number(r, "2024-03-10", "light_sleep_min") == 270)
        #expect(number(r, "2024-03-10", "awake_min") == 10)
        // No InBed from the Watch: first start to last end, 23:30 -0500 → 06:40 -0400 = 370 minutes.
        #expect(number(r, "2024-03-10", "time_in_bed_min") == 370)
        // 360 / 370 = 97.297…%.
        #expect(number(r, "2024-03-10", "sleep_efficiency_pct") == 97.3)
        #expect(text(r, "2024-03-10", "sleep_start") == "23:30")
        #expect(text(r, "2024-03-10", "sleep_end") == "06:40")
        // The iPhone's InBed-only session (no asleep minutes) and the 14:00 nap are not the main sleep.
        #expect(r.value(user: "me", date: LocalDate("2024-03-09")!, metric: "sleep_start") == nil)
    }

    @Test func unstagedSleepUsesInBedSamplesAndTheWakeDay() throws {
        let (r, _) = try importExport("export.xml")
        // "Sleep App": InBed 22:45 (01-14) → 06:45 (01-15), asleep 23:00–03:00 and 03:20–06:30.
        // The session starts on 01-14 but belongs to 01-15, the day it ends.
        #expect(number(r, "2024-01-15", "sleep_duration_min") == 430)
        #expect(number(r, "2024-01-15", "time_in_bed_min") == 480)
        // 430 / 480 = 89.58…%.
        #expect(number(r, "2024-01-15", "sleep_efficiency_pct") == 89.6)
        #expect(text(r, "2024-01-15", "sleep_start") == "22:45")
        #expect(text(r, "2024-01-15", "sleep_end") == "06:45")
        // Without sleep stages, stage minutes are unknown, not zero.
        #expect(r.value(user: "me", date: LocalDate("2024-01-15")!, metric: "deep_sleep_min") == nil)
        #expect(r.value(user: "me", date: LocalDate("2024-01-15")!, metric: "awake_min") == nil)
        #expect(r.value(user: "me", date: LocalDate("2024-01-14")!, metric: "time_in_bed_min") == nil)
    }

    @Test func countsTopLevelRecordsAndWorkouts() throws {
        let (r, _) = try importExport("export.xml")
        // 44 top-level Records and 2 Workouts; the 2 Records inside the Correlation are not counted.
        #expect(r.inputCount == 46)
        let events = r.events(request: nil)
        #expect(
            events.map { $0.payload["date"] }
                == ["2024-01-15", "2024-01-16", "2024-03-10", "2024-03-11"].map { .string($0) })
        #expect(events.allSatisfy { $0.userID == "me" && $0.payload["source"] == .string("apple-health") })
    }

    @Test func outOfRangeValueFailsWithFileAndLine() throws {
        let error = #expect(throws: HOSError.self) { try importExport("out-of-range.xml") }
        // Line 10 is a 900 kg BodyMass; the message never holds the value.
        #expect(
            error
                == .badInput(
                    SourceLocation(file: fixture("out-of-range.xml"), line: 10),
                    "user me 2024-02-01: metric weight_kg outside its plausible range 20–400"))
        #expect(error?.exitCode == .badInput)
    }

    @Test func outOfRangeValueIsSkippedUnderSkip() throws {
        let (r, reporter) = try importExport("out-of-range.xml", policy: .skip)
        #expect(reporter.rejected == 1)
        #expect(number(r, "2024-02-01", "weight_kg") == nil)
        #expect(number(r, "2024-02-01", "steps") == 4200)
        #expect(number(r, "2024-02-01", "resting_hr_bpm") == 61)
    }

    @Test func unknownUnitOfAKnownTypeIsRejected() throws {
        let error = #expect(throws: HOSError.self) { try importExport("bad-unit.xml") }
        #expect(
            error
                == .badInput(
                    SourceLocation(file: fixture("bad-unit.xml"), line: 10),
                    "DietaryWater in unit 'cup_imp' is not supported"))
        let (r, reporter) = try importExport("bad-unit.xml", policy: .skip)
        #expect(reporter.rejected == 1)
        #expect(number(r, "2024-02-01", "water_ml") == 300)
    }

    @Test func malformedXMLFailsAtItsLine() throws {
        let error = #expect(throws: HOSError.self) { try importExport("malformed.xml", policy: .skip) }
        guard case .badInput(let location, let message)? = error else {
            Issue.record("expected bad input, got \(String(describing: error))")
            return
        }
        #expect(location == SourceLocation(file: fixture("malformed.xml"), line: 10))
        #expect(message == "invalid XML: closing tag does not match (libxml2 error 76)")
    }

    @Test func truncatedExportFails() throws {
        let error = #expect(throws: HOSError.self) { try importExport("truncated.xml") }
        guard case .badInput(_, let message)? = error else {
            Issue.record("expected bad input, got \(String(describing: error))")
            return
        }
        #expect(message.hasPrefix("invalid XML: "))
    }

    @Test func externalEntitiesAreNeverResolved() throws {
        // The DTD declares an entity pointing at a local file; it must not be read into a record.
        let error = #expect(throws: HOSError.self) { try importExport("external-entity.xml") }
        guard case .badInput(let location, let message)? = error else {
            Issue.record("expected bad input, got \(String(describing: error))")
            return
        }
        #expect(location.line == 7)
        #expect(message == "invalid XML: undeclared entity (libxml2 error 26)")
    }

    @Test func internalEntitiesAreNeverExpanded() throws {
        // The DTD declares `src` (after a comment holding `<x`); it goes with the DTD, so `&src;` is undeclared.
        let error = #expect(throws: HOSError.self) { try importExport("internal-entity.xml", policy: .skip) }
        #expect(
            error
                == .badInput(
                    SourceLocation(file: fixture("internal-entity.xml"), line: 8),
                    "invalid XML: undeclared entity (libxml2 error 26)"))
    }

    @Test func markupBeforeTheDoctypeDoesNotLetTheDTDThrough() throws {
        // A comment holding `<x`, a comment holding DOCTYPE text, a processing instruction holding `<x`:
        // none starts the body, so the real DTD after them is still blanked (unblanked, its ATTLIST crashes).
        for name in ["comment-before-doctype.xml", "comment-with-doctype.xml", "pi-before-doctype.xml"] {
            let (r, reporter) = try importExport(name)
            #expect(number(r, "2024-02-01", "steps") == 4200, "\(name)")
            #expect(reporter.rejected == 0, "\(name)")
        }
        // Declarations inside comments, CDATA and processing instructions in the body are only text.
        let (r, _) = try importExport("comment-with-doctype.xml")
        #expect(number(r, "2024-02-02", "steps") == 3100)
    }

    @Test func declarationsOutOfPlaceAreBadInput() throws {
        // A DOCTYPE or ENTITY after the root's start tag, or a second DOCTYPE: rejected at its line, never parsed.
        for (name, line) in [("doctype-in-body.xml", 9), ("entity-in-body.xml", 9), ("second-doctype.xml", 3)] {
            let error = #expect(throws: HOSError.self, "\(name)") { try importExport(name, policy: .skip) }
            #expect(
                error
                    == .badInput(
                        SourceLocation(file: fixture(name), line: line),
                        "invalid XML: DOCTYPE or declaration out of place"), "\(name)")
            #expect(error?.exitCode == .badInput)
        }
    }

    @Test func theFilterDoesNotDependOnTheReadSize() throws {
        let names = [
            "export.xml", "comment-before-doctype.xml", "comment-with-doctype.xml", "pi-before-doctype.xml",
            "internal-entity.xml", "doctype-in-body.xml", "entity-in-body.xml", "second-doctype.xml",
        ]
        for name in names {
            let file = try String(contentsOfFile: fixture(name), encoding: .utf8)
            let whole = try filtered(name, readSize: 1 << 16)
            #expect(
                !whole.text.contains("<!ENTITY src \"Watch\">\n") && !whole.text.contains("CDATA #REQUIRED"),
                "\(name)")
            for readSize in [1, 2, 3, 5, 8] {
                let small = try filtered(name, readSize: readSize)
                #expect(small.misplaced == whole.misplaced, "\(name) \(readSize)")
                if whole.misplaced == nil {
                    #expect(small.text == whole.text, "\(name) \(readSize)")
                    // Newlines are kept, so the parser's line numbers are the file's.
                    #expect(
                        whole.text.split(separator: "\n", omittingEmptySubsequences: false).count
                            == file.split(separator: "\n", omittingEmptySubsequences: false).count)
                } else {
                    // Cut before the declaration, or at most just after its `<!` when that came in an earlier read.
                    #expect(
                        small.text.hasPrefix(whole.text) && small.text.count <= whole.text.count + 2,
                        "\(name) \(readSize)")
                }
            }
        }
    }

    @Test func sourcesOfWorkoutsAndMindfulnessAreNotAdded() throws {
        let (r, _) = try importExport("overlaps.xml")
        // The same 30-minute run from the Watch and from Strava.
        #expect(number(r, "2024-04-01", "workout_minutes") == 30)
        // Watch 10, Calm 10 + 5: the larger source alone.
        #expect(number(r, "2024-04-01", "mindfulness_min") == 15)
    }

    @Test func sleepBeyondTheInBedSamplesIsInBed() throws {
        // InBed 23:00–06:00 and AsleepCore 22:50–06:30 from one source: in bed from 22:50 to 06:30, not above 100%.
        let (r, reporter) = try importExport("overlaps.xml")
        #expect(reporter.rejected == 0)
        #expect(number(r, "2024-04-02", "sleep_duration_min") == 460)
        #expect(number(r, "2024-04-02", "time_in_bed_min") == 460)
        #expect(number(r, "2024-04-02", "sleep_efficiency_pct") == 100)
        #expect(number(r, "2024-04-02", "light_sleep_min") == 460)
        #expect(text(r, "2024-04-02", "sleep_start") == "22:50")
        #expect(text(r, "2024-04-02", "sleep_end") == "06:30")
    }

    @Test func overlappingAsleepKindsAreCountedOnce() throws {
        // Asleep 23:00–05:00 and AsleepCore 01:00–07:00: asleep 23:00–07:00 = 480, not 360 + 360.
        let (r, _) = try importExport("overlaps.xml")
        #expect(number(r, "2024-04-03", "sleep_duration_min") == 480)
        #expect(number(r, "2024-04-03", "light_sleep_min") == 360)
        // InBed 22:30–07:15 = 525; 480 / 525 = 91.43%.
        #expect(number(r, "2024-04-03", "time_in_bed_min") == 525)
        #expect(number(r, "2024-04-03", "sleep_efficiency_pct") == 91.4)
        #expect(text(r, "2024-04-03", "sleep_start") == "22:30")
        #expect(text(r, "2024-04-03", "sleep_end") == "07:15")
    }

    @Test func missingFileIsNoInput() throws {
        let error = #expect(throws: HOSError.self) { try importExport("no-such-export.xml") }
        #expect(error?.exitCode == .noInput)
    }

    @Test func documentationNamesTheMethods() {
        let doc = AppleHealthImporter.documentation
        for phrase in [
            "largest daily total", "SDNN", "4.184", "0.45359237", "wake day", "own UTC offset", "naps",
            "never expanded", "counted once", "never above 100",
        ] {
            #expect(doc.contains(phrase), "documentation lacks \(phrase)")
        }
    }
}

@Suite struct AppleHealthDeadLetterTests {
    @Test func rejectedSampleGoesToTheDeadLetterFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hos-dead-\(getpid()).xml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reporter = try ProblemReporter(tool: "hos-import", policy: .deadLetter(path))
        let records = RecordSet(source: "apple-health", reporter: reporter)
        try AppleHealthImporter(user: "me").read(
            InputFile(argument: fixture("bad-unit.xml")), into: records, reporter: reporter)
        let dead = try String(contentsOfFile: path, encoding: .utf8)
        #expect(
            dead == """
                <Record endDate="2024-02-01 09:00:00 +0100" sourceName="iPhone" startDate="2024-02-01 09:00:00 +0100" \
                type="HKQuantityTypeIdentifierDietaryWater" unit="cup_imp" value="2"/>

                """)
    }
}
