// Coach alerts (issue 20, item 3) and one number per fact (item 4), through the real commands: hos-memory,
// hos-insights --alerts-only, hos-memory store, hos-behavior and hos-report, connected by real pipes.

import Foundation
import HOSCore
import HOSTestSupport
import Testing

@Suite struct AlertTests {
    /// One user's days from 2026-01-01: steady for all but the `bad` days in a row ending on day `last`
    /// (readiness 40, HRV 50 against about 83, resting HR 66 against about 56, 350 min of sleep), then
    /// `good` steady days after them; and a request with `asOf` (default: the last record's day).
    static func input(bad: Int, last: Int, good: Int = 0, asOf: Int? = nil) -> String {
        let start = LocalDate("2026-01-01")!
        var lines: [String] = []
        for i in 0...(last + good) {
            let d = start.adding(days: i)
            var m: [String: JSON] = [
                "readiness_score": .number(Double(72 + i % 5)), "hrv_rmssd_ms": .number(Double(80 + i % 7)),
                "resting_hr_bpm": .number(Double(55 + i % 3)), "sleep_duration_min": .number(Double(470 + i % 4 * 5)),
            ]
            if i > last - bad, i <= last {
                m = ["readiness_score": 40, "hrv_rmssd_ms": 50, "resting_hr_bpm": 66, "sleep_duration_min": 350]
            }
            lines.append(
                JSON.object([
                    "event_id": .string("r-\(i)"), "event_type": "health_record", "user_id": "u-1",
                    "archetype": "Peak Performer", "timestamp": .string("\(d)T08:00:00Z"),
                    "payload": ["date": .string(d.description), "metrics": .object(m)],
                ]).text)
        }
        let day = start.adding(days: asOf ?? last + good)
        lines.append(
            JSON.object([
                "event_id": .string("req-\(day)"), "event_type": "analysis_request", "user_id": "u-1",
                "archetype": "Peak Performer", "timestamp": .string("\(day.adding(days: 1))T09:00:00Z"),
                "payload": ["as_of": .string(day.description)],
            ]).text)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The events of a JSON-lines output.
    static func events(_ data: Data) throws -> [Event] {
        try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try Event(json: JSONParser.parse(String($0)), fallbackID: "")
        }
    }

    static func alerts(_ events: [Event]) throws -> [AlertPayload] {
        try events.filter { $0.eventType == EventType.alert }.map { try AlertPayload.checked(payload: $0.payload) }
    }

    /// One analysis a day through hos-memory and hos-insights --alerts-only, the output stored back with
    /// hos-memory store: the first writes each alert open, the next (the same episode) writes none, the
    /// one after the condition ended closes it with the same id, and an alert whose condition holds on
    /// stays open and unrepeated.
    @Test func coachAlertOpensOncePerEpisodeAndClosesWhenItEnds() throws {
        let scratch = try MemoryScratch()
        func analyse(_ name: String, _ input: String) throws -> [Event] {
            try input.write(toFile: scratch.path("\(name).jsonl"), atomically: true, encoding: .utf8)
            let r = try scratch.sh(
                "hos-memory --memory m.sqlite < \(name).jsonl | hos-insights --alerts-only > \(name).out "
                    + "&& hos-memory store --memory m.sqlite < \(name).out && cat \(name).out")
            #expect(r.status == 0, "\(String(decoding: r.stderr, as: UTF8.self))")
            return try Self.events(r.stdout)
        }
        // Day 40: four bad days from day 37 (2026-02-07).
        let first = try analyse("day40", Self.input(bad: 4, last: 39))
        #expect(!first.contains { $0.eventType == EventType.insight }, "--alerts-only writes no insight")
        let opened = try Self.alerts(first)
        #expect(opened.map(\.rule) == ["readiness_low", "hrv_low", "strain", "sleep_debt"])
        #expect(opened.allSatisfy { $0.status == "open" && !$0.detail.isEmpty && !$0.evidence.isEmpty })
        #expect(opened.filter { $0.rule != "sleep_debt" }.allSatisfy { $0.started.description == "2026-02-06" })
        #expect(opened.first { $0.rule == "readiness_low" }?.severity == "critical")

        // Day 41, still bad: the same episodes, so nothing is written; memory's context names them open.
        let second = try analyse("day41", Self.input(bad: 5, last: 40))
        #expect(try Self.alerts(second).isEmpty)
        let context = try #require(second.first { $0.eventType == EventType.memoryContext })
        #expect(
            context.payload["history"]?["open_alerts"]?["readiness_low"]?["alert_id"]?.stringValue
                == opened[0].alertID)

        // Days 42 and 43 good: readiness, HRV and strain have ended; 7 nights still hold 5 short ones.
        let third = try analyse("day43", Self.input(bad: 5, last: 40, good: 2))
        let closed = try Self.alerts(third)
        #expect(closed.map(\.rule) == ["readiness_low", "hrv_low", "strain"])
        #expect(closed.allSatisfy { $0.status == "closed" && $0.ended?.description == "2026-02-12" })
        #expect(closed.map(\.alertID) == opened.prefix(3).map(\.alertID), "a closed alert keeps its episode's id")

        // The next day nothing changes: closed alerts stay closed, the open sleep debt is not repeated.
        let fourth = try analyse("day44", Self.input(bad: 5, last: 40, good: 3))
        #expect(try Self.alerts(fourth).isEmpty)
    }

    /// no_records: a request whose as_of lies 4 days after the last record; the thresholds are options.
    @Test func coachAlertForDaysWithoutRecordsAndItsThreshold() throws {
        let scratch = try MemoryScratch()
        try Self.input(bad: 0, last: 20, asOf: 24).write(
            toFile: scratch.path("in.jsonl"), atomically: true, encoding: .utf8)
        let r = try scratch.sh("hos-insights --alerts-only < in.jsonl")
        #expect(r.status == 0)
        let a = try Self.alerts(Self.events(r.stdout))
        #expect(a.map(\.rule) == ["no_records"])
        #expect(a.first?.started.description == "2026-01-22" && a.first?.days == 4)
        #expect(
            a.first?.detail
                == "Nothing has been recorded on the 4 days up to 2026-01-25: the last record is from 2026-01-21.")
        let quiet = try scratch.sh("hos-insights --alerts-only --alert-quiet-days 5 < in.jsonl")
        #expect(try Self.alerts(Self.events(quiet.stdout)).isEmpty)
        let bad = try scratch.sh("hos-insights --alert-hrv-drop 100 < in.jsonl")
        #expect(bad.status == 64)
    }

    /// Sleep debt is one number (issue 20, item 4): the report's header, the risk insight, the alert and the
    /// routine's reason all show the same hours, in the text, Markdown and HTML reports; open alerts come
    /// first in an analysis.
    @Test func reportShowsOneValuePerNamedQuantity() throws {
        let scratch = try MemoryScratch()
        try Self.input(bad: 4, last: 39).write(toFile: scratch.path("in.jsonl"), atomically: true, encoding: .utf8)
        let run = try scratch.sh("hos-behavior < in.jsonl | hos-routine | hos-insights --max-insights 0 > events.jsonl")
        #expect(run.status == 0)
        let patterns = [
            #"(?i)sleep debt[^0-9\n]{0,40}?(\d+(?:\.\d+)?) h\b"#, #"(\d+(?:\.\d+)?) h of sleep debt"#,
            #"slept (\d+(?:\.\d+)?) h less"#,
        ]
        for format in ["text", "md", "html"] {
            let r = try scratch.sh("hos-report --format \(format) --insights 0 --width 200 events.jsonl")
            #expect(r.status == 0)
            let report = String(decoding: r.stdout, as: UTF8.self)
            var values: [String] = []
            for p in patterns {
                let re = try NSRegularExpression(pattern: p)
                for m in re.matches(in: report, range: NSRange(report.startIndex..., in: report)) {
                    values.append(String(report[Range(m.range(at: 1), in: report)!]))
                }
            }
            #expect(values.count >= 4, "\(format): sleep debt shown in the header, the risk and the alert")
            #expect(Set(values).count == 1, "\(format): one sleep debt, not \(Set(values).sorted())")
            let alert = report.range(of: "Alert")?.lowerBound
            let readiness = report.range(of: "Readiness")?.lowerBound
            #expect(alert != nil && readiness != nil && alert! < readiness!, "\(format): open alerts first")
        }
    }
}
