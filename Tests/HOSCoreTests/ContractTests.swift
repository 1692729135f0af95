// The typed contract: the one reader names the failing path, writing and reading round-trip, and
// hos-events(7)'s payload tables are the ones the types write (RECORD_PAYLOAD_DOCS=1 rewrites them).

import Foundation
import Testing

@testable import HOSCore

private let manPage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("man/hos-events.7")
private let begin = ".\\\" BEGIN PAYLOAD TABLES: written from the contract types by make man; do not edit.\n"
private let end = ".\\\" END PAYLOAD TABLES\n"

@Suite struct ContractTests {
    @Test func aWrongValueIsNamedByItsPath() {
        #expect(throws: EventProblem("payload.metrics.steps.trend.p_value must be a number, not string")) {
            try BehaviorAnalysisPayload(payload: ["metrics": ["steps": ["trend": ["p_value": "low"]]]])
        }
        #expect(throws: EventProblem("payload.experiments[1].arms[0].pulls must be a whole number, not a fraction")) {
            try AdaptationPayload(payload: [
                "experiments": [["dimension": "a"], ["dimension": "b", "arms": [["arm": "x", "pulls": 1.5]]]]
            ])
        }
        #expect(throws: EventProblem("missing payload.experiments[0].dimension")) {
            try AdaptationPayload(payload: ["experiments": [["arms": []]]])
        }
        #expect(throws: EventProblem("payload.readiness.score must be within 0–100")) {
            try BehaviorAnalysisPayload(payload: ["readiness": ["score": 140]])
        }
    }

    @Test func absentFieldsStayAbsentAndUnknownOnesAreIgnored() throws {
        let a = try BehaviorAnalysisPayload(payload: ["as_of": "2026-03-01", "x_mine": [1, 2]])
        #expect(a.asOf == LocalDate("2026-03-01") && a.readiness == nil && a.metrics.isEmpty)
        // What a producer always writes is written; what it may leave out is left out.
        #expect(Set(a.payload.keys) == ["as_of", "metrics", "consistency", "signature", "not_computed", "readiness"])
        #expect(a.payload["readiness"] == .null)
    }

    @Test func writingThenReadingGivesTheSameValue() throws {
        var m = MetricSummary()
        (m.n, m.baseline, m.recent) = (12, 8000, nil)
        var t = Trend()
        (t.direction, t.slopePerWeek, t.pValue) = ("rising", 120.5, 0.01)
        m.trend = t
        var a = BehaviorAnalysisPayload()
        (a.asOf, a.windowDays, a.metrics) = (LocalDate("2026-03-01"), 30, ["steps": m])
        a.signature = [SignatureLabel(label: "highly active", evidence: ["median_steps": 12000])]
        #expect(try BehaviorAnalysisPayload(payload: a.payload) == a)
        #expect(JSON.object(a.payload)["metrics"]?["steps"]?["recent"] == .null)
    }

    @Test func anInsightAndARoutinePlanRoundTripAndNameTheirPaths() throws {
        var i = InsightPayload()
        (i.insightID, i.kind, i.confidence, i.priority) = ("ins-1", "trend", 0.8, .number(40))
        i.confidenceParts = ConfidenceParts(evidence: 0.9, sample: 0.5, size: 0.4, agreement: -1)
        #expect(try InsightPayload(payload: i.payload) == i)
        #expect(throws: EventProblem("payload.confidence must be within 0–1")) {
            try InsightPayload(payload: ["confidence": 1.5])
        }
        var r = RoutinePlanPayload()
        r.planID = "rp-1"
        var item = PlanItem()
        (item.itemID, item.category, item.start, item.durationMin) = ("sleep", "sleep", ClockTime("22:30"), 30)
        r.items = [item]
        #expect(try RoutinePlanPayload(payload: r.payload) == r)
        #expect(item.end == ClockTime("23:00"))
        #expect(throws: EventProblem("missing payload.plan_id")) { try RoutinePlanPayload(payload: ["items": []]) }
        #expect(throws: EventProblem("payload.items[0].start is not a valid HH:MM time")) {
            try RoutinePlanPayload(payload: ["plan_id": "p", "items": [["start": "7h"]]])
        }
    }

    @Test func theManPageTablesAreTheContractTypes() throws {
        let page = try String(contentsOf: manPage, encoding: .utf8)
        guard let b = page.range(of: begin), let e = page.range(of: end), b.upperBound <= e.lowerBound else {
            Issue.record("man/hos-events.7 has no payload tables between the markers")
            return
        }
        let generated = PayloadDocs.roff()
        if ProcessInfo.processInfo.environment["RECORD_PAYLOAD_DOCS"] == "1" {
            try (page[..<b.upperBound] + generated + page[e.lowerBound...]).write(
                to: manPage, atomically: true, encoding: .utf8)
            return
        }
        #expect(
            String(page[b.upperBound..<e.lowerBound]) == generated,
            "man/hos-events.7's payload tables are stale: run 'make man' and commit")
    }

    @Test func everyDocumentedPathIsOneTheTypesRead() {
        for type in PayloadDocs.payloads {
            let paths = FieldDoc.flattened(type.documentation).map(\.path)
            #expect(Set(paths).count == paths.count, "\(type.eventType) documents a path twice")
            #expect(!paths.isEmpty)
        }
    }
}
