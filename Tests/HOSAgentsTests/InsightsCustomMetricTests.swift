// Custom x_ metrics take part in hos-insights' correlations like any other: a WHOOP journal answer
// (x_journal_alcohol, 0/1) imported from examples/whoop-report is found linked to HRV and resting heart rate.

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
        #expect(subjects.contains { $0.hasPrefix("correlation:x_journal_alcohol:hrv_rmssd_ms:") }, "\(subjects)")
        #expect(subjects.contains { $0.hasPrefix("correlation:x_journal_alcohol:resting_hr_bpm:") }, "\(subjects)")
    }
}
