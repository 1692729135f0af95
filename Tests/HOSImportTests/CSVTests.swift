// The CSV reader and the csv importer, including broken quoting.

import Foundation
import HOSCore
import Testing

@testable import HOSImport

func tempFile(_ text: String) -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("hos-csv-\(UUID().uuidString).csv").path
    _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    return path
}

func importCSV(_ text: String, policy: ErrorPolicy) throws -> (RecordSet, ProblemReporter) {
    let reporter = try ProblemReporter(tool: "test", policy: policy)
    let records = RecordSet(source: "csv", reporter: reporter)
    try CSVImporter().read(InputFile(argument: tempFile(text)), into: records, reporter: reporter)
    return (records, reporter)
}

@Suite struct CSVTests {
    @Test func readsQuotedFieldsAcrossLines() throws {
        var rows: [CSVRow] = []
        try CSVReader(file: InputFile(argument: tempFile("a,b\n\"x\ny\",\"say \"\"hi\"\"\"\n1,2\n"))).forEach {
            rows.append($0)
        }
        #expect(rows.map(\.fields) == [["a", "b"], ["x\ny", "say \"hi\""], ["1", "2"]])
        #expect(rows.map(\.line) == [1, 2, 4])
    }

    /// Regression: a stray quote is one bad row, not the rest of the file.
    @Test func aStrayQuoteRejectsOneRowOnly() throws {
        let rows = (1...2000).map { "u,2026-01-\(String(format: "%02d", $0 % 28 + 1)),\($0)" }
        let text = "user_id,date,steps\nu,2026-01-01,1\"00\n" + rows.joined(separator: "\n") + "\n"
        let (records, reporter) = try importCSV(text, policy: .skip)
        #expect(reporter.rejected == 1)
        #expect(records.inputCount == 2001)
        #expect(records.dayCount == 28)
        #expect(throws: HOSError.self) { try importCSV(text, policy: .fail) }
    }

    @Test func anUnclosedQuoteIsBounded() throws {
        let text = "user_id,date,steps\nu,2026-01-01,\"1\n" + String(repeating: "u,2026-01-02,5\n", count: 200)
        let reporter = try ProblemReporter(tool: "test", policy: .skip)
        let records = RecordSet(source: "csv", reporter: reporter)
        var reader = CSVReader(file: InputFile(argument: tempFile(text)))
        reader.maxLineBytes = 100
        var problems: [String] = []
        try reader.forEach({ _ in }, problem: { _, message, _ in problems.append(message) })
        #expect(problems.first == "quoted field runs past 100 bytes (an unclosed quote?)")
        _ = records
    }

    @Test func invalidUTF8IsARowProblem() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hos-csv-\(UUID().uuidString).csv")
            .path
        _ = FileManager.default.createFile(
            atPath: path,
            contents: Data("user_id,date,steps\nu,2026-01-01,1\n".utf8) + Data([0xFF, 0xFE, 0x0A])
                + Data("u,2026-01-02,2\n".utf8))
        let reporter = try ProblemReporter(tool: "test", policy: .skip)
        let records = RecordSet(source: "csv", reporter: reporter)
        try CSVImporter().read(InputFile(argument: path), into: records, reporter: reporter)
        #expect(reporter.rejected == 1)
        #expect(records.dayCount == 2)
    }

    /// Regression: --archetype labels records without --request.
    @Test func archetypeLabelsRecordsWithoutRequests() throws {
        let (records, _) = try importCSV("user_id,date,steps\nu,2026-01-01,1\n", policy: .fail)
        let events = records.events(archetype: .peakPerformer, request: nil)
        #expect(events.map(\.archetype) == ["Peak Performer"])
    }
}

@Suite struct SynthTests {
    /// Regression: long runs stay inside the vocabulary's ranges.
    @Test func extremeOptionsKeepTheContract() throws {
        for archetype in Archetype.allCases {
            let synth = SyntheticUsers(
                options: SynthOptions(
                    users: 1, days: 3000, archetype: archetype,
                    start: LocalDate("2020-01-01")!, seed: 5))
            for event in synth.events(forUser: 0) {
                #expect(throws: Never.self) { try ContractCheck.check(event) }
            }
        }
    }

    /// Regression: events that differ have different ids.
    @Test func idsFollowContent() {
        func first(_ a: Archetype?) -> Event {
            SyntheticUsers(
                options: SynthOptions(users: 2, days: 2, archetype: a, start: LocalDate("2026-01-01")!, seed: 1)
            )
            .events(forUser: 1)[0]
        }
        #expect(first(nil).eventID != first(.peakPerformer).eventID)
        #expect(first(nil).eventID == first(nil).eventID)
        let a = AnalysisRequest.event(
            user: "u", archetype: nil, asOf: LocalDate("2026-01-01")!, windowDays: 30, source: "x")
        let b = AnalysisRequest.event(
            user: "u", archetype: nil, asOf: LocalDate("2026-01-01")!, windowDays: 7, source: "x")
        #expect(a.eventID != b.eventID && a.analysisID != b.analysisID)
    }

    /// Regression: the truth file keeps any seed.
    @Test func truthKeepsLargeSeeds() {
        let synth = SyntheticUsers(
            options: SynthOptions(
                users: 1, days: 1, archetype: nil, start: LocalDate("2026-01-01")!,
                seed: UInt64.max))
        #expect(synth.truth()["seed"] == .string("18446744073709551615"))
    }

    @Test func plantedRelationshipsShowInTheData() throws {
        // Users carrying sleep → next-day HRV have a clearly positive lagged correlation; others near none.
        let synth = SyntheticUsers(
            options: SynthOptions(users: 60, days: 120, archetype: nil, start: LocalDate("2026-01-01")!, seed: 3))
        var with: [Double] = []
        var without: [Double] = []
        for i in 0..<60 {
            let user = synth.userID(i)
            var sleep: [LocalDate: Double] = [:]
            var hrv: [LocalDate: Double] = [:]
            for e in synth.events(forUser: i) where e.eventType == EventType.healthRecord {
                let r = try HealthRecord(payload: e.payload)
                sleep[r.date] = r.metrics["sleep_duration_min"]?.number
                hrv[r.date] = r.metrics["hrv_rmssd_ms"]?.number
            }
            var xs: [Double] = []
            var ys: [Double] = []
            for (d, s) in sleep {
                if let h = hrv[d.adding(days: 1)] {
                    xs.append(s)
                    ys.append(log(h))
                }
            }
            let r = pearson(xs, ys)
            let planted = synth.relationships(user: user).contains {
                $0.cause == "sleep_duration_min" && $0.effect == "hrv_rmssd_ms"
            }
            if planted { with.append(r) } else { without.append(r) }
        }
        #expect(!with.isEmpty && !without.isEmpty)
        #expect(with.reduce(0, +) / Double(with.count) > 0.4)
        #expect(abs(without.reduce(0, +) / Double(without.count)) < 0.1)
    }
}

func pearson(_ x: [Double], _ y: [Double]) -> Double {
    let n = Double(x.count)
    let mx = x.reduce(0, +) / n
    let my = y.reduce(0, +) / n
    var sxy = 0.0
    var sxx = 0.0
    var syy = 0.0
    for i in 0..<x.count {
        sxy += (x[i] - mx) * (y[i] - my)
        sxx += (x[i] - mx) * (x[i] - mx)
        syy += (y[i] - my) * (y[i] - my)
    }
    return sxy / (sxx * syy).squareRoot()
}
