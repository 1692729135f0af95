// hos-adapt's archetype switch through the real command and a real memory file (issue 19, item 5): a request
// that states no archetype is no switch to the default archetype.

import Foundation
import HOSCore
import HOSTestSupport
import Testing

@Suite struct ArchetypeSwitchCLITests {
    /// One plan of u-1 with a midday exercise item done on all 7 days from `date`.
    static func plan(_ id: String, _ date: String, archetype: String?) -> [String] {
        var envelope: [String: JSON] = [
            "event_id": .string("p-" + id), "event_type": "routine_plan", "user_id": "u-1",
            "timestamp": .string(date + "T00:00:00Z"),
            "payload": [
                "plan_id": .string(id), "date": .string(date), "difficulty": 3,
                "items": [
                    [
                        "item_id": "exercise", "category": "exercise", "intensity": 2,
                        "variant": ["exercise_time": "midday"],
                    ]
                ],
            ],
        ]
        if let archetype { envelope["archetype"] = .string(archetype) }
        var lines = [JSON.object(envelope).text]
        for i in 0..<7 {
            let d = LocalDate(date)!.adding(days: i).description
            lines.append(
                JSON.object([
                    "event_id": .string("f-\(id)-\(i)"), "event_type": "plan_feedback", "user_id": "u-1",
                    "timestamp": .string(d + "T21:00:00Z"),
                    "payload": [
                        "plan_id": .string(id), "item_id": "exercise", "status": "completed", "date": .string(d),
                    ],
                ]).text)
        }
        return lines
    }

    static func request(_ id: String, _ date: String, archetype: String?) -> String {
        var envelope: [String: JSON] = [
            "event_id": .string("r-" + id), "event_type": "analysis_request", "user_id": "u-1",
            "timestamp": .string(date + "T00:00:00Z"), "payload": ["analysis_id": .string(id)],
        ]
        if let archetype { envelope["archetype"] = .string(archetype) }
        return JSON.object(envelope).text
    }

    /// Before: a request without an archetype, whose events had none either, was decided as the default
    /// (Foundation Builder), so a Peak Performer's next plain request would have been a switch (and, under
    /// --archetype-switch fresh, the end of everything learned of them). An archetype nobody states is the one
    /// hos-adapt last decided with.
    @Test func regressionAnUnstatedArchetypeIsNoSwitchToTheDefault() throws {
        let scratch = try MemoryScratch()
        let first =
            Self.plan("rp-1", "2026-03-02", archetype: "Peak Performer")
            + [Self.request("a-1", "2026-03-09", archetype: "Peak Performer")]
        let second =
            Self.plan("rp-2", "2026-03-09", archetype: nil) + [Self.request("a-2", "2026-03-16", archetype: nil)]
        try (first.joined(separator: "\n") + "\n").write(
            toFile: scratch.path("w1.jsonl"), atomically: true, encoding: .utf8)
        try (second.joined(separator: "\n") + "\n").write(
            toFile: scratch.path("w2.jsonl"), atomically: true, encoding: .utf8)
        for week in ["w1", "w2"] {
            let r = try scratch.sh(
                "hos-adapt --memory m.sqlite --archetype-switch fresh < \(week).jsonl > \(week).out")
            #expect(r.status == 0, "\(String(decoding: r.stderr, as: UTF8.self))")
        }
        let out = try String(contentsOfFile: scratch.path("w2.out"), encoding: .utf8)
        let adaptation = try #require(
            try out.split(separator: "\n").map { try Event(json: JSONParser.parse(String($0)), fallbackID: "") }
                .first { $0.eventType == EventType.adaptation })
        #expect(adaptation.archetype == "Peak Performer")
        #expect(adaptation.payload["archetype_switch"] == nil)
        let midday = adaptation.payload["experiments"]?.arrayValue?.first {
            $0["dimension"]?.stringValue == "exercise_time"
        }?[
            "arms"]?.arrayValue?.first { $0["arm"]?.stringValue == "midday" }
        #expect(midday?["successes"]?.doubleValue == 14)
        let switches = try scratch.sh("sqlite3 m.sqlite 'SELECT count(*) FROM adapt_switch'")
        #expect(String(decoding: switches.stdout, as: UTF8.self) == "0\n")
        // A stated new archetype is a switch, recorded once.
        try (Self.request("a-3", "2026-03-23", archetype: "Foundation Builder") + "\n").write(
            toFile: scratch.path("w3.jsonl"), atomically: true, encoding: .utf8)
        #expect(try scratch.sh("hos-adapt --memory m.sqlite < w3.jsonl > w3.out").status == 0)
        let recorded = try scratch.sh(
            "sqlite3 m.sqlite 'SELECT from_archetype, to_archetype, strategy FROM adapt_switch'")
        #expect(String(decoding: recorded.stdout, as: UTF8.self) == "Peak Performer|Foundation Builder|adaptive\n")
    }
}
