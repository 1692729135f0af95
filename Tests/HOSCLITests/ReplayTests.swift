// New data + memory = the full-history analysis (issue 21): weeks given one at a time with hos-memory replay
// give the last week the same results as every week given at once; real processes, pipes and memory file.

import Foundation
import HOSCore
import HOSTestSupport
import Testing

/// Events split into weeks: records by 7-day block from the first record date; everything else with week 0;
/// each week ends with its own request (no as_of) per user, or with none (`requests: false`: implicit).
func weeks(of events: [Event], requests: Bool = true) -> [[Event]] {
    let records = events.filter { $0.eventType == EventType.healthRecord }
    guard let first = records.compactMap({ try? $0.healthRecord().date }).min() else { return [] }
    var out: [[Event]] = []
    for e in events where e.eventType != EventType.analysisRequest {
        let week = (try? e.healthRecord()).map { $0.date.days(since: first) / 7 } ?? 0
        while out.count <= week { out.append([]) }
        out[week].append(e)
    }
    guard requests else { return out }
    return out.enumerated().map { w, week in
        var byUser: [String: [Event]] = [:]
        var order: [String] = []
        for e in week {
            if byUser[e.userID] == nil { order.append(e.userID) }
            byUser[e.userID, default: []].append(e)
        }
        return order.flatMap { user -> [Event] in
            let request = Event(
                id: "req-\(user)-w\(w)", type: EventType.analysisRequest, user: user,
                timestamp: "2027-01-0\(w + 1)T00:00:00Z", analysisID: "a-\(user)-w\(w)",
                payload: ["analysis_id": .string("a-\(user)-w\(w)"), "window_days": .number(30)])
            return byUser[user]! + [request]
        }
    }
}

/// The result payloads of each user's last analysis in `out`, by user, type and insight id, without the
/// analysis ids that differ between runs by construction.
func results(_ out: String, types: Set<String>) throws -> [String: JSON] {
    var last: [String: String] = [:]
    var byAnalysis: [String: [String: JSON]] = [:]
    for line in out.split(separator: "\n") {
        let e = try Event(json: JSONParser.parse(String(line)), fallbackID: "")
        guard types.contains(e.eventType), let id = e.analysisID else { continue }
        last[e.userID] = id
        var p = e.payload
        p["analysis_id"] = nil
        byAnalysis[id, default: [:]]["\(e.userID) \(e.eventType) \(p["insight_id"]?.stringValue ?? "")"] = .object(p)
    }
    return last.values.reduce(into: [:]) { r, id in r.merge(byAnalysis[id] ?? [:]) { a, _ in a } }
}

@Suite(.serialized) struct ReplayTests {
    /// Runs `pipeline` (reading stdin, writing stdout; $M is the memory file) over all weeks at once into
    /// one memory file, and over one week at a time into another; returns both outputs of the last week.
    func onceAndWeekly(_ s: RunScratch, events: [Event], pipeline: String, requests: Bool = true) throws -> (
        once: String, weekly: String, weeks: Int
    ) {
        let split = weeks(of: events, requests: requests)
        // At once: every week's events, then one request per user (none: implicit), as one analysis.
        let all = weeks(of: events, requests: false).joined()
        let users = all.reduce(into: [String]()) { u, e in if !u.contains(e.userID) { u.append(e.userID) } }
        let asks =
            requests
            ? users.map { user in
                Event(
                    id: "req-\(user)-all", type: EventType.analysisRequest, user: user,
                    timestamp: "2027-02-01T00:00:00Z", analysisID: "a-\(user)-all",
                    payload: ["analysis_id": .string("a-\(user)-all"), "window_days": .number(30)])
            } : []
        try s.write("all.jsonl", (all + asks).map { $0.json.text + "\n" }.joined())
        let once = try s.sh("M=once.sqlite; (\(pipeline)) < all.jsonl")
        #expect(once.status == 0 && once.stderr.isEmpty, "\(text(once.stderr))")
        var last = ShellResult(stdout: Data(), stderr: Data(), status: 0)
        for (w, week) in split.enumerated() {
            try s.write("w\(w).jsonl", week.map { $0.json.text + "\n" }.joined())
            last = try s.sh("M=weekly.sqlite; (\(pipeline)) < w\(w).jsonl")
            #expect(last.status == 0 && last.stderr.isEmpty, "\(text(last.stderr))")
        }
        return (text(once.stdout), text(last.stdout), split.count)
    }

    static let chain = "hos-memory replay --memory $M | hos-behavior | hos-insights | hos-memory --memory $M"

    @Test func weekByWeekWithMemoryEqualsAllWeeksAtOnce() throws {
        let s = try RunScratch(users: 50, days: 42)
        let events = try AlertTests.events(Data(contentsOf: s.dir.appendingPathComponent("users.jsonl")))
        let (once, weekly, n) = try onceAndWeekly(s, events: events, pipeline: Self.chain)
        #expect(n == 6)
        let types: Set<String> = [EventType.behaviorAnalysis, EventType.insight]
        let a = try results(once, types: types)
        let b = try results(weekly, types: types)
        #expect(a.keys.filter { $0.contains(" behavior_analysis ") }.count == 50)
        #expect(a.keys.contains { $0.contains(" insight ins-") })
        #expect(Set(a.keys) == Set(b.keys))
        for key in a.keys.sorted() where a[key] != b[key] {
            Issue.record("\(key) differs: \(a[key]!.text.prefix(300)) vs \(b[key]?.text.prefix(300) ?? "none")")
        }
        // The last week's own records are 7 days; the rest came from memory, none stored twice.
        let replayed = weekly.split(separator: "\n").filter {
            $0.contains(#""source_agent":"hos-memory""#) && $0.contains(#""event_type":"health_record""#)
        }
        let earlier = weeks(of: events).dropLast().joined().filter { $0.eventType == EventType.healthRecord }
        #expect(replayed.count == earlier.count)
        let rows = try s.sh(
            "sqlite3 weekly.sqlite 'SELECT count(*) FROM short_term_record'; sqlite3 once.sqlite 'SELECT count(*) FROM short_term_record'"
        )
        let counts = text(rows.stdout).split(separator: "\n")
        #expect(counts.count == 2 && counts[0] == counts[1])
    }

    /// Without memory a week is all an analysis has: the test above would pass by accident otherwise.
    @Test func weekByWeekWithoutReplayDiffers() throws {
        let s = try RunScratch(users: 3, days: 42)
        let events = try AlertTests.events(Data(contentsOf: s.dir.appendingPathComponent("users.jsonl")))
        let (once, weekly, _) = try onceAndWeekly(
            s, events: events, pipeline: "hos-behavior | hos-memory --memory $M")
        let a = try results(once, types: [EventType.behaviorAnalysis])
        let b = try results(weekly, types: [EventType.behaviorAnalysis])
        #expect(a.count == 3 && a.keys.allSatisfy { a[$0] != b[$0] })
    }

    /// The default pipeline replays: its behaviour analyses of the last week match the all-at-once run.
    @Test func fullAnalysisPipelineReplaysMemory() throws {
        let s = try RunScratch(users: 6, days: 35)
        let events = try AlertTests.events(Data(contentsOf: s.dir.appendingPathComponent("users.jsonl")))
        let (once, weekly, _) = try onceAndWeekly(
            s, events: events,
            pipeline: "hos-run \(pipelines)/full-analysis.yaml --memory $M --output-mode all --progress none")
        let a = try results(once, types: [EventType.behaviorAnalysis])
        let b = try results(weekly, types: [EventType.behaviorAnalysis])
        #expect(a.count == 6 && a == b)
    }

    /// A real export's weeks (WHOOP, four weeks and a day, a daylight-saving change), with implicit requests.
    @Test func whoopExportWeekByWeekEqualsAtOnce() throws {
        let s = try RunScratch(users: 1, days: 1)
        let export = packageRoot.appendingPathComponent("examples/whoop-report/export").path
        let r = try s.sh("hos-import whoop '\(export)' --user whoop-me --archetype peak-performer")
        #expect(r.status == 0, "\(text(r.stderr))")
        let (once, weekly, n) = try onceAndWeekly(
            s, events: try AlertTests.events(r.stdout), pipeline: Self.chain, requests: false)
        #expect(n == 5)
        let types: Set<String> = [EventType.behaviorAnalysis, EventType.insight]
        let a = try results(once, types: types)
        let b = try results(weekly, types: types)
        #expect(a.count >= 2 && a == b)
    }

    /// Two requests of one user in one input, with another user's between: the second sees the first's
    /// records whether or not hos-memory downstream has stored them yet.
    @Test func laterRequestInSameInputSeesEarlierRecords() throws {
        let s = try RunScratch(users: 2, days: 28)
        let events = try AlertTests.events(Data(contentsOf: s.dir.appendingPathComponent("users.jsonl")))
        let split = weeks(of: events)
        // u-0001 week 0, u-0002 week 0, u-0001 weeks 1–3 (then u-0002's), interleaved by user.
        let mixed =
            split[0] + split[1...].joined().filter { $0.userID == "u-0001" }
            + split[1...].joined().filter { $0.userID == "u-0002" }
        try s.write("mixed.jsonl", mixed.map { $0.json.text + "\n" }.joined())
        try s.write(
            "all.jsonl",
            split.joined().filter { $0.eventType != EventType.analysisRequest }.map { $0.json.text + "\n" }.joined())
        let m = try s.sh("M=m.sqlite; (\(Self.chain)) < mixed.jsonl")
        let o = try s.sh("M=o.sqlite; (\(Self.chain)) < all.jsonl")
        #expect(m.status == 0 && o.status == 0, "\(text(m.stderr))\(text(o.stderr))")
        let last = try results(text(m.stdout), types: [EventType.behaviorAnalysis])
        let whole = try results(text(o.stdout), types: [EventType.behaviorAnalysis])
        #expect(last.count == 2 && last == whole)
    }

    /// A week without an archetype in its records (an importer run without --archetype) is analysed as the
    /// user's stored events said, not as Foundation Builder: replayed records carry the stored archetype.
    @Test func replayedRecordsKeepTheUsersArchetype() throws {
        let s = try RunScratch(users: 1, days: 14)
        let events = try AlertTests.events(Data(contentsOf: s.dir.appendingPathComponent("users.jsonl")))
        let split = weeks(of: events)
        let stated = split[0].first { $0.eventType == EventType.healthRecord }?.archetype
        #expect(stated != nil && stated != "Foundation Builder")
        let week2 = split[1].map { e -> Event in
            var e = e
            e.archetype = nil
            return e
        }
        try s.write("w0.jsonl", split[0].map { $0.json.text + "\n" }.joined())
        try s.write("w1.jsonl", week2.map { $0.json.text + "\n" }.joined())
        for w in 0...1 {
            let r = try s.sh("M=m.sqlite; (\(Self.chain)) < w\(w).jsonl > out\(w).jsonl")
            #expect(r.status == 0, "\(text(r.stderr))")
        }
        let analysis = s.lines("out1.jsonl").first { $0["event_type"] as? String == "behavior_analysis" }
        #expect(analysis?["archetype"] as? String == stated)
    }
}
