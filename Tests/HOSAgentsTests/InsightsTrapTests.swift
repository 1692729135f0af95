// Regression tests of hos-insights: inputs that once trapped the process.

import HOSCore
import Testing

@testable import HOSAgents

@Suite struct InsightsTrapTests {
    /// Finding 3: a window shorter than a week, with enough history for the best-week milestone, built a
    /// range whose start was above its end.
    @Test func aWindowShorterThanAWeekWithHistoryDoesNotTrap() throws {
        let start = LocalDate("2026-01-01")!
        var events = (0..<5).map { record("u1", start.adding(days: $0), ["steps": Double(4000 + 1000 * $0)]) }
        events.append(
            Event(
                id: "mc", type: EventType.memoryContext, user: "u1", timestamp: "2026-01-06T00:00:00Z",
                payload: ["history": ["metrics": ["steps": ["analyses": 5, "max": [100, "2026-01-01"]]]]]))
        events.append(
            Event(
                id: "rq", type: EventType.analysisRequest, user: "u1", timestamp: "2026-01-06T00:00:00Z",
                payload: AnalysisRequest(
                    analysisID: "a-1", archetype: .peakPerformer, windowDays: 5,
                    asOf: start.adding(days: 4)
                ).payload))
        let out = try runInsights(events)
        #expect(out.contains { $0.eventType == EventType.analysisRequest })
    }

    /// Finding 4: counts in a hand-written memory_context beyond Int's range trapped the conversion.
    @Test func hugeCountsInAMemoryContextAreClamped() {
        let m = InsightMemory(payload: [
            "history": [
                "insight_subjects": ["trend:steps": ["insight_id": "ins-x", "seen_count": 1e300]],
                "insight_feedback": ["trend": ["useful": 1e30, "not_useful": -5]],
                "metrics": ["steps": ["analyses": 1e30, "ref": ["2026-01-01", 5000, 1, 1e300]]],
            ]
        ])
        #expect(m.subjects["trend:steps"]?.seenCount == 1_000_000_000)
        #expect(m.feedback["trend"]?.useful == 1_000_000_000)
        #expect(m.feedback["trend"]?.notUseful == 0)
        #expect(m.metrics["steps"]?.analyses == 1_000_000_000)
    }

    /// Finding 5: a custom metric has no range, so a value of 1e300 reached an `Int` conversion in the wording.
    @Test func customMetricsOfAnyMagnitudeAreWorded() throws {
        let start = LocalDate("2026-01-01")!
        // x_foo has no timing: it is paired with the next day's sleep efficiency, which follows it.
        var events: [Event] = (0..<40).map { d in
            let v = 1 + Double((d * 37) % 17) / 2
            let before = 1 + Double(((d + 16) * 37) % 17) / 2
            return record("u2", start.adding(days: d), ["x_foo": v * 1e300, "sleep_efficiency_pct": 80 + before])
        }
        events.append(request("u2", asOf: start.adding(days: 39)))
        let found = insights(try runInsights(events)).filter { $0["kind"] == "correlation" }
        #expect(found.contains { $0["action"]?.stringValue?.contains("e+300") == true })
        #expect(MetricSemantics.fixed(1.5e20, 1) == "1.50e+20")
        #expect(MetricSemantics.grouped(-2e19) == "-2.00e+19")
        #expect(MetricSemantics.duration(1e300) == "1.00e+300 min")
        #expect(MetricSemantics.fixed(1234.5678, 2) == "1234.57")
    }
}
