// The agent stage: idempotent storing, one memory_context before each request, preferences and history.

import Foundation
import HOSCore
import Testing

@testable import HOSMemory

@Suite struct StageTests {
    func contexts(_ lines: [String]) -> [JSON] {
        lines.map(parse).filter { $0["event_type"] == "memory_context" }
    }

    @Test func emitsOneContextBeforeEachRequestAndForwardsEverything() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        let input = days("u1", from: "2026-01-05", count: 3) + [request("u1", id: "q1")]
        let out = try runMemory(store, input)
        #expect(out.count == input.count + 1)
        #expect(Array(out.prefix(3)) == Array(input.prefix(3)))
        #expect(parse(out[3])["event_type"] == "memory_context")
        #expect(out[4] == input[3])
        let c = parse(out[3])
        #expect(c["analysis_id"] == "a-q1")
        #expect(c["source_agent"] == "hos-memory")
        for key in ["working", "short_term", "long_term", "meta", "history", "adaptation_state"] {
            #expect(c["payload"]?[key] != nil, "payload.\(key)")
        }
        #expect(c["payload"]?["adaptation_state"] == ["variants": [:]])
        #expect(c["payload"]?["working"]?["session"]?["events"]?["health_record"] == 3)
        #expect(c["payload"]?["working"]?["expires_at"] == "2026-02-11T00:00:00Z")
    }

    @Test func theSameInputTwiceAddsNoRowAndGivesTheSameOutput() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        let input =
            [profile("u1", id: "p1", pattern: "vegetarian")] + days("u1", from: "2026-01-05", count: 30)
            + [request("u1", id: "q1")]
        let first = try runMemory(store, input)
        let counts = try store.rowCounts(user: nil)
        let second = try runMemory(store, input)
        #expect(try store.rowCounts(user: nil) == counts)
        // The same events are forwarded; the context says that nothing was new.
        let notContext = { (l: String) in !l.contains(#""event_type":"memory_context""#) }
        #expect(first.filter(notContext) == second.filter(notContext))
        #expect(contexts(first)[0]["payload"]?["working"]?["session"]?["new_events"] == 31)
        #expect(contexts(second)[0]["payload"]?["working"]?["session"]?["new_events"] == 0)
        #expect(contexts(second)[0]["payload"]?["working"]?["session"]?["seen_before"] == 31)
        var a = contexts(first)[0]["payload"]!.objectValue!
        var b = contexts(second)[0]["payload"]!.objectValue!
        a["working"] = nil
        b["working"] = nil
        #expect(a == b)
        // And without requests, via store: still nothing new.
        try runMemory(store, input, emitContext: false)
        #expect(try store.rowCounts(user: nil) == counts)
    }

    @Test func newestRecordWinsAndTheOldValueIsKept() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        try runMemory(
            store,
            [
                record("u", "2026-01-05", #"{"steps":100}"#, id: "b", ts: "2026-01-05T10:00:00Z"),
                record("u", "2026-01-05", #"{"steps":200}"#, id: "a", ts: "2026-01-05T09:00:00Z"),
                record("u", "2026-01-05", #"{"steps":300}"#, id: "c", ts: "2026-01-05T11:00:00Z"),
            ], emitContext: false)
        let rows = try store.recall(user: "u", layer: "short_term", at: "2026-01-06T00:00:00Z")
        let current = rows.filter { $0.table == "short_term_record" }
        #expect(current.count == 1)
        #expect(current[0].row["value"] == 300)
        let history = rows.filter { $0.table == "short_term_history" }.map { $0.row["value"]! }
        #expect(history == [200, 100])
    }

    @Test func dietaryProfileBecomesPreferencesAtOnce() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        let out = try runMemory(
            store,
            [
                profile("u1", id: "p1", pattern: "vegan", allergies: ["peanut"]),
                request("u1", id: "q1"),
            ])
        let prefs = contexts(out)[0]["payload"]?["long_term"]?["preferences"]
        #expect(prefs?["dietary_pattern"]?["value"] == "vegan")
        #expect(prefs?["dietary_pattern"]?["confidence"] == 1)
        #expect(prefs?["allergies"]?["value"] == ["peanut"])
        #expect(prefs?["exclusions"]?["value"] == [])
    }

    @Test func wakeTimeIsPromotedAfterThreeAgreeingWeeks() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        // 2026-01-05 is a Monday: 17 days are two complete weeks, not enough.
        var out = try runMemory(store, days("u1", from: "2026-01-05", count: 17) + [request("u1", id: "q1")])
        #expect(contexts(out)[0]["payload"]?["long_term"]?["preferences"]?["wake_time"] == nil)
        // A third complete week arrives in a later run: promoted, and the second analysis knows the first.
        out = try runMemory(store, days("u1", from: "2026-01-22", count: 10) + [request("u1", id: "q2")])
        let p = contexts(out)[0]["payload"]!
        #expect(p["long_term"]?["preferences"]?["wake_time"]?["value"] == "06:30")
        #expect(p["long_term"]?["preferences"]?["wake_time"]?["confidence"] == 0.8)
        #expect(p["history"]?["analyses_total"] == 1)
        #expect(p["history"]?["analyses"]?.arrayValue?.first?["analysis_id"] == "a-q1")
        #expect(p["short_term"]?["rolling"]?["steps"]?["7d"]?["n"] == 7)
    }

    @Test func aBrokenPatternStartsOverAndWeakensThePreference() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        try runMemory(store, days("u1", from: "2026-01-05", count: 29) + [request("u1", id: "q1")])
        let late = days("u1", from: "2026-02-02", count: 8, wake: 540, prefix: "late")
        let out = try runMemory(store, late + [request("u1", id: "q2")])
        let pref = contexts(out)[0]["payload"]?["long_term"]?["preferences"]?["wake_time"]
        #expect(pref?["value"] == "06:30")
        #expect((pref?["confidence"]?.doubleValue ?? 1) < 0.9)
    }

    @Test func adaptationAndFeedbackReachTheContext() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        let plan =
            #"{"event_id":"rp1","event_type":"routine_plan","user_id":"u1","timestamp":"2026-01-10T00:00:00Z","analysis_id":"a-q0","payload":{"plan_id":"rp-1","date":"2026-01-10","difficulty":3,"items":[{"item_id":"exercise","category":"exercise","start":"18:00","duration_min":30,"intensity":3,"variant":{"exercise_time":"evening"}},{"item_id":"sleep","category":"sleep","start":"22:30","duration_min":30,"intensity":1,"variant":{"sleep_shift":"gradual"}}]}}"#
        var input = [plan]
        for d in 10...16 {
            input.append(
                #"{"event_id":"f\#(d)","event_type":"plan_feedback","user_id":"u1","timestamp":"2026-01-\#(d)T21:00:00Z","payload":{"plan_id":"rp-1","item_id":"exercise","status":"completed","date":"2026-01-\#(d)"}}"#
            )
            input.append(
                #"{"event_id":"g\#(d)","event_type":"plan_feedback","user_id":"u1","timestamp":"2026-01-\#(d)T21:00:00Z","payload":{"plan_id":"rp-1","item_id":"sleep","status":"skipped","date":"2026-01-\#(d)"}}"#
            )
        }
        input.append(
            #"{"event_id":"ad1","event_type":"adaptation","user_id":"u1","timestamp":"2026-01-17T00:00:00Z","payload":{"difficulty":{"from":3,"to":4,"reason":"high adherence"},"experiments":[{"dimension":"exercise_time","arms":[{"arm":"evening","successes":7,"failures":0,"p_best":0.9},{"arm":"morning","successes":1,"failures":3,"p_best":0.1}],"chosen":"evening"}],"predicted_adherence":0.7}}"#
        )
        input.append(request("u1", id: "q1", asOf: "2026-01-17", ts: "2026-01-18T00:00:00Z"))
        let p = contexts(try runMemory(store, input))[0]["payload"]!
        #expect(p["adaptation_state"]?["difficulty"] == 4)
        #expect(p["adaptation_state"]?["variants"] == ["exercise_time": "evening"])
        #expect(p["long_term"]?["preferences"]?["exercise_time"]?["value"] == "evening")
        #expect(p["long_term"]?["strategies"]?.arrayValue?.count == 1)
        #expect(p["meta"]?["adherence"]?["by_category"]?["exercise"]?["rate"] == 1)
        #expect(p["meta"]?["adherence"]?["by_category"]?["sleep"]?["rate"] == 0)
        #expect(p["meta"]?["adherence"]?["overall"]?["n"] == 14)
    }

    @Test func scheduleToleranceAndItemVerdictsReachTheContext() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        func adaptation(_ id: String, _ ts: String, cap: Int, action: String) -> String {
            #"{"event_id":"\#(id)","event_type":"adaptation","user_id":"u1","timestamp":"\#(ts)","payload":{"difficulty":{"from":3,"to":3},"experiments":[{"dimension":"exercise_time","arms":[{"arm":"evening","successes":7,"failures":0},{"arm":"morning","successes":1,"failures":3},{"arm":"midday","successes":0,"failures":0}],"chosen":"evening","schedule":["evening","morning","evening","evening","midday","evening","evening"]}],"tolerance":[{"category":"exercise","max_intensity":\#(cap),"evidence":14,"state":"lowered","reason":"r"},{"category":"sleep","max_intensity":null,"evidence":7,"state":"none","reason":"r"}],"items":[{"item":"exercise","category":"exercise","completion":0.3,"n":7,"verdict":"replace","action":"\#(action)","reason":"r"},{"item":"sleep","category":"sleep","completion":0.9,"n":7,"verdict":"keep","action":"none","reason":"r"}]}}"#
        }
        // The newer decision wins, whichever order they arrive in; an older one changes nothing.
        let input = [
            adaptation("ad2", "2026-01-24T00:00:00Z", cap: 2, action: "lighter"),
            adaptation("ad1", "2026-01-17T00:00:00Z", cap: 4, action: "shorter"),
            request("u1", id: "q1", asOf: "2026-01-24", ts: "2026-01-25T00:00:00Z"),
        ]
        let state = contexts(try runMemory(store, input))[0]["payload"]!["adaptation_state"]!
        #expect(
            state["schedules"]
                == ["exercise_time": ["evening", "morning", "evening", "evening", "midday", "evening", "evening"]])
        #expect(state["tolerance"] == ["exercise": 2])
        #expect(state["item_actions"] == ["exercise": "lighter"])
    }

    @Test func insightsAreDeduplicatedByContent() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        func insight(_ event: String, _ id: String) -> String {
            #"{"event_id":"\#(event)","event_type":"insight","user_id":"u1","timestamp":"2026-01-10T00:00:00Z","payload":{"insight_id":"\#(id)","kind":"trend","title":"Steps rising","detail":"steps up 10% a week","confidence":0.8}}"#
        }
        try runMemory(
            store, [insight("i1", "ins-1"), insight("i2", "ins-2"), insight("i3", "ins-1")], emitContext: false)
        let rows = try store.recall(user: "u1", layer: "history", at: "2026-01-10T00:00:00Z").filter {
            $0.table == "insight"
        }
        #expect(rows.count == 1)
        #expect(rows[0].row["seen_count"] == 3)
    }

    @Test func contextIsCappedInItemsAndBytes() throws {
        let dir = TempDir()
        var options = MemoryOptions()
        options.contextItems = 3
        options.contextBytes = 4096
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"), options: options)
        var input: [String] = []
        for i in 1...8 {
            let day = LocalDate("2026-01-01")!.adding(days: i * 7).description
            input.append(record("u1", day, #"{"steps":5000}"#, id: "r\(i)"))
            input.append(request("u1", id: "q\(i)", asOf: day, ts: day + "T12:00:00Z"))
        }
        let last = contexts(try runMemory(store, input)).last!["payload"]!
        let kept = last["history"]?["analyses"]?.arrayValue ?? []
        #expect(kept.count == 3)
        #expect(kept.first?["analysis_id"] == "a-q7")
        #expect(last["retrieval"]?["considered"] == 7)
        #expect(last.encoded().count <= 4096)
    }

    @Test func memoryRetrieveIsAnsweredAndStoreControlIsKept() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        let out = try runMemory(
            store,
            [
                #"{"event_id":"s1","event_type":"memory_store","user_id":"u1","timestamp":"2026-01-10T00:00:00Z","payload":{"preferences":{"exercise_time":"morning"}}}"#,
                #"{"event_id":"s2","event_type":"memory_retrieve","user_id":"u1","timestamp":"2026-01-10T00:00:01Z","payload":{}}"#,
            ])
        let c = contexts(out)
        #expect(c.count == 2) // the retrieve's, then the implicit request's
        #expect(c[0]["payload"]?["long_term"]?["preferences"]?["exercise_time"]?["value"] == "morning")
    }
}

@Suite struct APITests {
    @Test func storeAndRetrieveForOtherCommands() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        let adaptation = Event(
            id: "ad-1", type: EventType.adaptation, user: "u1", timestamp: "2026-01-10T00:00:00Z",
            source: "hos-adapt",
            payload: [
                "difficulty": ["from": 3, "to": 2, "reason": "low adherence"],
                "experiments": [
                    [
                        "dimension": "sleep_shift", "chosen": "direct",
                        "arms": [
                            ["arm": "direct", "successes": 4, "failures": 1],
                            ["arm": "gradual", "successes": 1, "failures": 4],
                        ],
                    ]
                ],
            ])
        #expect(try store.store([adaptation]) == 1)
        #expect(try store.store([adaptation]) == 0)
        let c = try store.retrieve(user: "u1", asOf: LocalDate("2026-01-10"))
        #expect(c["adaptation_state"]?["difficulty"] == 2)
        #expect(c["adaptation_state"]?["variants"] == ["sleep_shift": "direct"])
        #expect(try store.retrieve(user: "u2", asOf: nil)["adaptation_state"] == ["variants": [:]])
    }
}

@Suite struct ControlEventTests {
    @Test func memoryConsolidateRunsAtTheEventsTime() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        try runMemory(
            store, days("u1", from: "2026-01-05", count: 3) + [request("u1", id: "q1", ts: "2026-01-08T00:00:00Z")],
            emitContext: false)
        #expect(try store.rowCounts(user: "u1")["working"] == 1)
        // A day and a second after the request, its working memory has expired.
        try runMemory(
            store,
            [
                #"{"event_id":"c1","event_type":"memory_consolidate","user_id":"u1","timestamp":"2026-01-09T00:00:01Z","payload":{}}"#
            ],
            emitContext: false)
        #expect(try store.rowCounts(user: "u1")["working"] == 0)
        #expect(try store.rowCounts(user: "u1")["event_seen"] == 5)
    }
}

@Suite struct ContentDedupTests {
    @Test func theSameValueUnderANewIDKeepsNoHistory() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        try runMemory(
            store,
            [
                record("u", "2026-01-05", #"{"steps":100,"sleep_end":"06:30"}"#, id: "a", ts: "2026-01-05T09:00:00Z"),
                record("u", "2026-01-05", #"{"steps":100,"sleep_end":"06:30"}"#, id: "b", ts: "2026-01-05T10:00:00Z"),
            ], emitContext: false)
        let counts = try store.rowCounts(user: "u")
        #expect(counts["short_term_record"] == 2)
        #expect(counts["short_term_history"] == 0)
        #expect(counts["event_seen"] == 2)
    }

    /// At a barrier, records already past the short-term window are written only as far as the weekly
    /// consolidation reads them; the memory must be the same as when every value is written first.
    @Test func recordsPastTheWindowAtTheirBarrierLeaveTheSameMemory() throws {
        let dir = TempDir()
        let records =
            days("u1", from: "2026-01-05", count: 90)
            // A late correction of an expired day, and a record without metrics after the last day.
            + [
                record("u1", "2026-01-20", #"{"steps":9999}"#, id: "late", ts: "2026-04-04T08:00:00Z"),
                record("u1", "2026-04-06", "{}", id: "empty"),
            ]
        let ask = request("u1", id: "q1", ts: "2026-04-07T00:00:00Z")
        // A 30-day short-term layer, so that most of the 90 days are past it.
        var o = MemoryOptions()
        o.shortTermDays = 30
        let atBarrier = try MemoryStore.testing(path: dir.path("a.sqlite"), options: o)
        let context = { (lines: [String]) in lines.map(parse).first { $0["event_type"] == "memory_context" }! }
        let contextA = context(try runMemory(atBarrier, records + [ask]))
        let storedFirst = try MemoryStore.testing(path: dir.path("b.sqlite"), options: o)
        try runMemory(storedFirst, records, emitContext: false)
        let contextB = context(try runMemory(storedFirst, [ask]))

        for layer in ["short_term", "long_term", "meta"] {
            let a = try atBarrier.recall(user: "u1", layer: layer, at: "2026-04-07T00:00:00Z")
            let b = try storedFirst.recall(user: "u1", layer: layer, at: "2026-04-07T00:00:00Z")
            #expect(a == b, "layer \(layer)")
        }
        // Not a comparison of two empty memories: old days were pruned, and weeks of them promoted.
        let counts = try atBarrier.rowCounts(user: "u1")
        #expect(counts["short_term_record"]! > 0 && counts["short_term_record"]! <= 4 * 31)
        #expect(contextA["payload"]?["long_term"]?["preferences"]?["wake_time"] != nil)
        var a = contextA["payload"]!.objectValue!
        var b = contextB["payload"]!.objectValue!
        a["working"] = nil
        b["working"] = nil
        #expect(a == b)
    }
}
