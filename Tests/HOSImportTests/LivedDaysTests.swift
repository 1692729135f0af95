// Days a person cannot have lived (issue 20): records after the export's own date or far after the rest of the
// user's records are left out of the output and never the request's day, in every importer's format.

import Foundation
import HOSCore
import Testing

@testable import HOSImport

private func fixture(_ name: String) -> String {
    Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name).path
}

private func imported(
    keepFuture: Bool = false, _ body: (RecordSet, ProblemReporter) throws -> Void
) throws -> (records: RecordSet, events: [Event], reporter: ProblemReporter) {
    let reporter = try ProblemReporter(tool: "test", policy: .fail)
    let records = RecordSet(source: "test", reporter: reporter)
    records.keepFuture = keepFuture
    try body(records, reporter)
    let events = records.events(request: RequestOptions(archetype: nil, windowDays: 30))
    return (records, events, reporter)
}

private func dates(_ events: [Event]) -> [String] {
    events.filter { $0.eventType == EventType.healthRecord }.map { $0.payload["date"]!.stringValue! }
}

private func asOf(_ events: [Event]) -> String? {
    events.last { $0.eventType == EventType.analysisRequest }?.payload["as_of"]?.stringValue
}

@Suite(.serialized) struct LivedDaysTests {
    @Test func daysAfterTheExportOrFarAfterTheRestAreNotLived() {
        let d = { (s: String) in LocalDate(s)! }
        let days = (0..<36).map { d("2019-11-20").adding(days: $0) } + [d("2030-01-06")]
        // After the export's date.
        #expect(LivedDays.notLived(days, until: d("2019-12-31")) == [d("2030-01-06"): .afterExport(d("2019-12-31"))])
        // Without an export date: one day after ten years is far from 36 others.
        #expect(LivedDays.notLived(days, until: nil) == [d("2030-01-06"): .farAfterRest(days: 3665)])
        // A user who comes back after a long gap with as many days as before lived them.
        let back = (0..<10).map { d("2019-01-01").adding(days: $0) } + (0..<10).map { d("2020-01-01").adding(days: $0) }
        #expect(LivedDays.notLived(back, until: nil).isEmpty)
    }

    /// Issue 20: an iPhone export of 2019 with one step record dated 2030-01-06 put the analysis in 2030.
    @Test func appleHealthRecordsAfterExportDateAreLeftOutOfTheRequest() throws {
        let (_, events, reporter) = try imported { r, rep in
            try AppleHealthImporter(user: "me").read(
                InputFile(argument: fixture("apple-health/future-record.xml")), into: r, reporter: rep)
        }
        #expect(dates(events) == ["2019-12-29", "2019-12-30"])
        #expect(asOf(events) == "2019-12-30")
        #expect(reporter.warnings == 1)
        let (_, kept, _) = try imported(keepFuture: true) { r, rep in
            try AppleHealthImporter(user: "me").read(
                InputFile(argument: fixture("apple-health/future-record.xml")), into: r, reporter: rep)
        }
        // --keep-future writes it, but the analysis still ends on the export's last lived day.
        #expect(dates(kept) == ["2019-12-29", "2019-12-30", "2030-01-06"])
        #expect(asOf(kept) == "2019-12-30")
    }

    /// Respiratory rate is measured in sleep: a sample before midnight belongs to the night's wake day.
    @Test func appleRespiratoryRateIsDatedOnTheNightsWakeDay() throws {
        let (records, _, _) = try imported { r, rep in
            try AppleHealthImporter(user: "me").read(
                InputFile(argument: fixture("apple-health/future-record.xml")), into: r, reporter: rep)
        }
        #expect(
            records.value(user: "me", date: LocalDate("2019-12-30")!, metric: "respiratory_rate_bpm") == .number(15))
        #expect(records.value(user: "me", date: LocalDate("2019-12-29")!, metric: "respiratory_rate_bpm") == nil)
    }

    @Test func whoopRecordsAfterTheLastCycleAreLeftOut() throws {
        let (_, events, reporter) = try imported { r, rep in
            try WhoopImporter(user: "me").read(directory: fixture("whoop-future"), into: r, reporter: rep)
        }
        // The last cycle's day is 03-09; the 2031 workout is left out, the journal's answer about 03-09 kept.
        #expect(dates(events) == ["2024-03-08", "2024-03-09"])
        #expect(asOf(events) == "2024-03-09")
        #expect(reporter.warnings == 1)
    }

    @Test func fitbitRecordsAfterTheFilesTimeAreLeftOut() throws {
        let (_, events, reporter) = try imported { r, rep in
            try FitbitImporter(user: "me").read(directory: fixture("fitbit-future"), into: r, reporter: rep)
        }
        #expect(dates(events) == ["2016-04-12", "2016-04-13"])
        #expect(asOf(events) == "2016-04-13")
        #expect(reporter.warnings == 1)
    }

    @Test func cronometerAndCSVRecordsAfterTheFilesTimeAreLeftOut() throws {
        let summary = tempFile("Date,Energy (kcal)\n2024-03-08,2100\n2024-03-09,1900\n2099-01-01,2000\n")
        let (_, cron, cronReporter) = try imported { r, rep in
            try CronometerImporter(user: "me", vocabularyOnly: true).read(
                [InputFile(argument: summary)], into: r, reporter: rep)
        }
        #expect(dates(cron) == ["2024-03-08", "2024-03-09"])
        #expect(cronReporter.warnings == 1)
        let csv = tempFile("user_id,date,steps\nana,2024-03-08,5000\nana,2099-01-01,6000\nbo,2024-03-08,7000\n")
        let (_, events, reporter) = try imported { r, rep in
            try CSVImporter().read(InputFile(argument: csv), into: r, reporter: rep)
        }
        #expect(dates(events) == ["2024-03-08", "2024-03-08"])
        #expect(asOf(events) == "2024-03-08")
        #expect(reporter.warnings == 1)
    }
}
