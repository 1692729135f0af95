// Custom x_ metrics take part in hos-insights' correlations like any other: a WHOOP journal answer
// (x_journal_alcohol, 0/1) imported from examples/whoop-report is found linked to the next morning's resting
// heart rate, and never to a measure of the night before the drinks.

import Foundation
import HOSCore
import HOSImport
import Testing

@testable import HOSAgents

@Suite struct InsightsCustomMetricTests {
    @Test func journalDerivedCustomMetricIsCorrelated() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let export = root.appendingPathComponent("examples/whoop-report/export").path
        let reporter = try ProblemReporter(tool: "test", policy: .fail)
        let records = RecordSet(source: "whoop", reporter: reporter)
        try WhoopImporter(user: "whoop-me").read(directory: export, into: records, reporter: reporter)
        let events = records.events(request: RequestOptions(archetype: .peakPerformer, windowDays: 30))
        #expect(MetricSemantics.role("x_journal_alcohol") == .lever)
        let found = insights(try runInsights(events)).filter { $0["kind"] == "correlation" }
        let subjects = Set(found.compactMap { $0["subject"]?.stringValue })
        #expect(subjects.contains("correlation:x_journal_alcohol:resting_hr_bpm:1"), "\(subjects)")
    }

    /// Issue 20: on a real WHOOP export the journal's drinks were reported with the same day's resting heart
    /// rate (measured the night before they were had, once dated on the day lived): the effect before its cause.
    @Test func noLeverIsReportedAsTheCauseOfAMeasureTakenBeforeIt() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let export = root.appendingPathComponent("examples/whoop-report/export").path
        let reporter = try ProblemReporter(tool: "test", policy: .fail)
        let records = RecordSet(source: "whoop", reporter: reporter)
        try WhoopImporter(user: "whoop-me").read(directory: export, into: records, reporter: reporter)
        let events = records.events(request: RequestOptions(archetype: .peakPerformer, windowDays: 30))
        var stage = InsightsStage(options: InsightOptions())
        var tests: [CorrelationTest] = []
        stage.onTests = { _, _, t in tests += t }
        for e in events {
            if e.eventType == EventType.analysisRequest {
                try stage.barrier(e) { _ in }
            } else if stage.consumes.contains(e.eventType) {
                try stage.process(e) { _ in }
            }
        }
        #expect(!tests.isEmpty)
        for t in tests where t.lag == 0 {
            let x = Metrics.timing(of: t.x)
            let y = Metrics.timing(of: t.y)
            #expect(x != nil && y != nil && x!.precedesSameDay(y!), "\(t.x) → same-day \(t.y)")
        }
        #expect(!tests.contains { $0.x == "x_journal_alcohol" && $0.y == "resting_hr_bpm" && $0.lag == 0 })
    }
}
