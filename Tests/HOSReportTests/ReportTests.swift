// The report's model: events grouped per user and analysis, merged without doubling, bad fields rejected.

import HOSCore
import Testing

@testable import HOSReport

@Suite struct ModelTests {
    @Test func groupsEventsByUserAndAnalysis() throws {
        let model = try collect(fullStream()).model
        #expect(model.users.map(\.userID) == ["u-1", "u-2"])
        let u1 = model.users[0]
        #expect(u1.analyses.count == 1)
        let a = u1.analyses[0]
        #expect(a.analysisID == "a-1")
        #expect(a.behavior?.readiness?.score == 62)
        #expect(a.behavior?.metrics["resting_hr_bpm"]?.anomalies.map(\.date.description) == ["2026-02-27"])
        #expect(a.routine?.items.map(\.itemID) == ["exercise", "sleep"])
        #expect(
            a.nutrition?.targets.map(\.name) == [
                "energy_kcal", "protein_g", "carbs_g", "fat_g", "fiber_g", "hydration_ml",
            ])
        #expect(a.insights.map(\.insightID) == ["i-1", "i-2"])
        #expect(a.adaptation?.curve.map(\.date.description) == ["2026-02-26", "2026-02-27", "2026-02-28"])
        #expect(a.memory?.preferences == [Preference(name: "wake_time", value: "06:30")])
        #expect(a.requestWindowDays == 10)
        #expect(u1.records.count == 10)
        // A user with records alone still gets a section.
        #expect(model.users[1].analyses.map(\.analysisID) == [""])
        #expect(model.users[1].analyses[0].hasResults == false)
    }

    @Test func theBaselineBandIsOneRobustStandardDeviation() throws {
        let m = try #require(
            try collect(fullStream()).model.users[0].analyses[0].behavior?.metrics["sleep_duration_min"])
        let band = try #require(m.band)
        #expect(abs(band.lowerBound - (442.5 - 1.4826 * 12.5)) < 1e-9)
        #expect(abs(band.upperBound - (442.5 + 1.4826 * 12.5)) < 1e-9)
    }

    @Test func analysisCompleteAndAgentEventsMergeWithoutDoubling() throws {
        let complete = line(
            "analysis_complete", analysis: nil,
            [
                "analysis_id": "a-1", "behavior": behaviorPayload, "routine": routinePayload,
                "insights": [
                    insightPayload("i-1", title: "Sleep and HRV, again"), insightPayload("i-3", title: "New one"),
                ],
                "adapt": adaptationPayload, "degraded": ["nutrition"], "timings_ms": ["routine": 4, "behavior": 12],
                "summary": ["users": 1, "note": "from a jq step"],
            ])
        let model = try collect(fullStream() + [complete]).model
        let a = model.users[0].analyses[0]
        #expect(model.users[0].analyses.count == 1)
        // i-1 is replaced in place by the later copy; i-3 is added; nothing is doubled.
        #expect(a.insights.map(\.insightID) == ["i-1", "i-2", "i-3"])
        #expect(a.insights[0].title == "Sleep and HRV, again")
        #expect(a.degraded == ["nutrition"])
        #expect(a.timings == [Timing(step: "behavior", ms: 12), Timing(step: "routine", ms: 4)])
        #expect(a.otherSteps.map(\.step) == ["summary"])
        #expect(a.nutrition != nil, "the agent's own nutrition_plan event stays")
    }

    @Test func analysisCompleteAloneGivesEveryResult() throws {
        let complete = line(
            "analysis_complete", analysis: "a-9",
            [
                "behavior": behaviorPayload, "nutrition": nutritionPayload, "routine": routinePayload,
                "insights": insightPayload("i-1", title: "One"), "adapt": adaptationPayload,
            ])
        let a = try collect([complete]).model.users[0].analyses[0]
        #expect(a.analysisID == "a-9")
        #expect(a.behavior != nil && a.nutrition != nil && a.routine != nil && a.adaptation != nil)
        #expect(a.insights.count == 1)
    }

    @Test func analysisCompleteDailySeriesGivesTheChartsRecordsWouldWithRecordsWinning() throws {
        let complete = line(
            "analysis_complete", analysis: "a-1",
            [
                "behavior": behaviorPayload,
                "daily": ["start": "2026-02-27", "values": ["steps": [100, .null, 300], "mood": [3, 4, .null]]],
            ])
        let record = line("health_record", analysis: nil, ["date": "2026-02-27", "metrics": ["steps": 150]])
        for lines in [[complete, record], [record, complete]] {
            let u = try collect(lines).model.users[0]
            #expect(u.records[LocalDate("2026-02-27")!] == ["steps": .number(150), "mood": .number(3)])
            #expect(u.records[LocalDate("2026-02-28")!] == ["mood": .number(4)])
            #expect(u.records[LocalDate("2026-03-01")!] == ["steps": .number(300)])
            #expect(u.analyses.map(\.otherSteps) == [[]], "daily is not a step")
        }
        let text = TextReport(try collect([complete]).model).render()
        #expect(text.contains("Metrics              10 days"))
        #expect(!text.contains(Phrases.noDailyRecords.prefix(30)))
        let bare = line("analysis_complete", analysis: "a-1", ["behavior": behaviorPayload])
        #expect(
            TextReport(try collect([bare]).model, options: TextOptions(width: 200)).render().contains(
                Phrases.noDailyRecords))
    }

    @Test func aDailyEntryThatIsNotANumberIsBadInputNamingIt() throws {
        let bad = line("analysis_complete", ["daily": ["start": "2026-02-27", "values": ["steps": [100, "many"]]]])
        #expect(
            throws: HOSError.badInput(
                SourceLocation(file: "events.jsonl", line: 1), "payload.daily.values.steps[1] must be a number or null")
        ) {
            try collect([bad])
        }
    }

    @Test func missingPartsAreGroupedByReasonWithReadinessFirst() throws {
        var payload = behaviorPayload
        if case .object(var o) = payload {
            o["not_computed"] = [
                ["what": "mood.trend", "why": "too few days (3, need 7)"],
                ["what": "steps.trend", "why": "too few days (3, need 7)"],
                ["what": "steps.trend", "why": "too few days (3, need 7)"],
                ["what": "hrv_rmssd_ms.trend", "why": "too few days (2, need 7)"],
                ["what": "social_jet_lag", "why": "needs two free and two work nights"],
                ["what": "readiness", "why": "needs HRV, resting heart rate (5 baseline days each) or sleep duration"],
                ["what": "a.anomalies", "why": "no spread (MAD 0)"],
                ["what": "b.anomalies", "why": "no spread (MAD 0)"],
                ["what": "c.anomalies", "why": "no spread (MAD 0)"],
            ]
            payload = .object(o)
        }
        let b = try #require(try collect([line("behavior_analysis", payload)]).model.users[0].analyses[0].behavior)
        #expect(
            Phrases.missing(b) == [
                "readiness: needs HRV, resting heart rate (5 baseline days each) or sleep duration",
                "trend of mood, steps: too few days (3, need 7)", "trend of HRV (RMSSD): too few days (2, need 7)",
                "social jet lag: needs two free and two work nights", "anomalies of a, b, c: no spread (MAD 0)",
            ])
        #expect(Phrases.missing(b, names: 1).last == "anomalies of a and 2 more: no spread (MAD 0)")
        // Two names are shown rather than "a and 1 more".
        #expect(Phrases.missing(b, names: 2).last == "anomalies of a, b, c: no spread (MAD 0)")
    }

    @Test func aLaterRecordOfTheSameDayWinsPerMetric() throws {
        let first = line("health_record", analysis: nil, ["date": "2026-03-01", "metrics": ["steps": 100, "mood": 3]])
        let second = line("health_record", analysis: nil, ["date": "2026-03-01", "metrics": ["steps": 200]])
        let u = try collect([first, second]).model.users[0]
        #expect(u.records[LocalDate("2026-03-01")!] == ["steps": .number(200), "mood": .number(3)])
    }

    @Test func aFieldOfTheWrongTypeIsBadInputNamingItsPathAndLine() throws {
        var bad = fullStream()
        bad.insert(line("insight", ["insight_id": "x", "title": "t", "confidence": "high"]), at: 3)
        #expect(
            throws: HOSError.badInput(
                SourceLocation(file: "events.jsonl", line: 4),
                "payload.confidence must be a number, not string")
        ) {
            try collect(bad)
        }
        let nested = line(
            "routine_plan",
            [
                "plan_id": "rp-x",
                "items": [["start": "07:00", "duration_min": 30], ["start": "7h", "duration_min": 5]],
            ])
        #expect(
            throws: HOSError.badInput(
                SourceLocation(file: "events.jsonl", line: 1),
                "payload.items[1].start is not a valid HH:MM time")
        ) {
            try collect([nested])
        }
        let range = line("adaptation", ["effectiveness": ["adherence": [["date": "2026-01-01", "adherence": 1.5]]]])
        #expect(
            throws: HOSError.badInput(
                SourceLocation(file: "events.jsonl", line: 1),
                "payload.effectiveness.adherence[0].adherence must be within 0–1")
        ) {
            try collect([range])
        }
    }

    @Test func skippedEventsLeaveNoTrace() throws {
        var bad = fullStream()
        bad.append(line("insight", ["insight_id": "x", "title": "t", "confidence": 2]))
        let c = try collect(bad, policy: .skip)
        #expect(c.stats.rejected == 1)
        #expect(c.model.users[0].analyses[0].insights.map(\.insightID) == ["i-1", "i-2"])
    }

    @Test func userFilterAndLatest() throws {
        let second = [line("behavior_analysis", analysis: "a-2", behaviorPayload)]
        let model = try collect(fullStream() + second, only: ["u-1"]).model
        #expect(model.users.map(\.userID) == ["u-1"])
        #expect(model.users[0].analyses.map(\.analysisID) == ["a-1", "a-2"])
        #expect(model.latestOnly().users[0].analyses.map(\.analysisID) == ["a-2"])
    }

    @Test func chartsUseTheWindowAndLeaveMissingDaysEmpty() throws {
        let u = try collect(fullStream()).model.users[0]
        let w = try #require(u.window(for: u.analyses[0]))
        #expect(w == LocalDate("2026-02-20")!...LocalDate("2026-03-01")!)
        let wider = LocalDate("2026-02-18")!...LocalDate("2026-03-01")!
        let series = u.series("steps", over: wider)
        #expect(series.count == 12)
        #expect(series[0] == nil && series[1] == nil && series[2] == 8000 && series[11] == 10700)
    }
}

@Suite struct FormatTests {
    @Test func numbers() {
        #expect(Format.number(12587, places: 0) == "12,587")
        #expect(Format.number(1234567.891, places: 2) == "1,234,567.89")
        #expect(Format.number(-0.04, places: 1) == "0.0")
        #expect(Format.number(-2.25, places: 1, typographic: true) == "−2.3")
        #expect(Format.number(0.05, places: 1) == "0.1")
        #expect(Format.value(76.15) == "76.2")
        #expect(Format.value(455.4) == "455")
        #expect(Format.value(3) == "3")
        #expect(Format.signed(9) == "+9.0")
        #expect(Format.signed(-5.7) == "−5.7")
        #expect(Format.signed(0.01) == "0.0")
        #expect(Format.percent(0.866) == "87%")
        #expect(Format.raw(0.1 + 0.2) == "0.30000000000000004")
        #expect(Format.raw(42) == "42")
    }

    @Test func sparklines() {
        #expect(Spark.line([1, 2, 3, 4, 5, 6, 7, 8], width: 8) == "▁▂▃▄▅▆▇█")
        #expect(Spark.line([5, 5, 5], width: 10) == "▄▄▄")
        #expect(Spark.line([1, nil, 8], width: 10) == "▁ █")
        #expect(Spark.line([nil, nil], width: 10) == "  ")
        #expect(Spark.line([0, 0.5, 1], width: 3, scale: 0...1) == "▁▅█")
        // Eight values into four bins: pairs averaged.
        #expect(Spark.bin([1, 3, 5, 7, nil, nil, 2, 4], width: 4) == [2, 6, nil, 3])
        #expect(Spark.line(Array(repeating: 1.0, count: 100), width: 30).count == 30)
        #expect(Spark.arrow("rising") == "↗" && Spark.arrow("falling") == "↘" && Spark.arrow("flat") == "→")
    }

    @Test func columns() {
        #expect(Columns.width("abc") == 3)
        #expect(Columns.width("日本") == 4)
        #expect(Columns.width("é") == 1)
        #expect(Columns.width("e\u{301}") == 1)
        #expect(Columns.truncate("abcdef", 4) == "abc…")
        #expect(Columns.truncate("日本語", 5) == "日本…")
        #expect(Columns.pad("ab", 4, right: true) == "  ab")
        let text = "the quick brown fox jumps over the lazy dog again and again"
        for limit in [10, 17, 30] {
            for l in Columns.wrap(text, limit, indent: "  ") { #expect(Columns.width(l) <= limit) }
        }
        #expect(
            Columns.wrap(text, 30, indent: "  ").joined(separator: " ").split(separator: " ")
                == text.split(separator: " "))
        #expect(Columns.oneLine("a\nb\tc") == "a b c")
    }
}
