// hos-run --incremental through real processes and a real memory file: nightly inputs, cached and analysed users.

import Foundation
import HOSTestSupport
import Testing

/// Synthetic users cut into nights: night 0 holds all but each user's last 3 record days, and each later
/// input holds the records of the days asked for, with one explicit request per user.
final class Nights {
    let s: RunScratch
    /// Per user, in input order: their lines other than records and requests, and their records by day.
    var users: [String] = []
    var other: [String: [String]] = [:]
    var records: [String: [(day: String, line: String)]] = [:]
    var archetype: [String: String] = [:]

    init(users: Int = 10) throws {
        s = try RunScratch(users: users, days: 30)
        let text = try String(contentsOf: s.dir.appendingPathComponent("users.jsonl"), encoding: .utf8)
        for line in text.split(separator: "\n").map(String.init) {
            guard let e = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let user = e["user_id"] as? String, let type = e["event_type"] as? String
            else { continue }
            if other[user] == nil && records[user] == nil { self.users.append(user) }
            if let a = e["archetype"] as? String { archetype[user] = a }
            switch type {
            case "analysis_request": continue
            case "health_record": records[user, default: []].append((payload(e)["date"] as? String ?? "", line))
            default: other[user, default: []].append(line)
            }
        }
    }

    /// The user's record days, oldest first.
    func days(_ user: String) -> [String] { Array(Set(records[user, default: []].map(\.day))).sorted() }

    /// A request of `user` at the end of `day`, named after the night.
    func request(_ user: String, night: Int, day: String) -> String {
        """
        {"archetype":"\(archetype[user] ?? "Foundation Builder")","event_id":"req-\(night)-\(user)",\
        "event_type":"analysis_request","payload":{},"source_agent":"test","timestamp":"\(day)T23:00:00Z",\
        "user_id":"\(user)"}
        """
    }

    /// Night 0: everything but each user's last 3 days; grouped by user.
    func first() -> [String] {
        users.flatMap { u in
            let keep = Set(days(u).dropLast(3))
            return other[u, default: []] + records[u, default: []].filter { keep.contains($0.day) }.map(\.line)
                + [request(u, night: 0, day: keep.max()!)]
        }
    }

    /// A later night: per user, the records of the days at these offsets from the end (-3 is the first of the
    /// three held back); a user given no offsets has no line that night.
    func night(_ n: Int, _ offsets: [String: [Int]]) -> [String] {
        users.flatMap { u -> [String] in
            guard let o = offsets[u], !o.isEmpty else { return [] }
            let all = days(u)
            let chosen = Set(o.map { all[all.count + $0] })
            return records[u, default: []].filter { chosen.contains($0.day) }.map(\.line)
                + [request(u, night: n, day: chosen.max()!)]
        }
    }

    func write(_ name: String, _ lines: [String]) throws { try s.write(name, lines.joined(separator: "\n") + "\n") }

    /// analysis_complete payloads by user.
    func completes(_ name: String) -> [String: [String: Any]] {
        var out: [String: [String: Any]] = [:]
        for e in s.lines(name) where e["event_type"] as? String == "analysis_complete" {
            out[e["user_id"] as? String ?? ""] = e
        }
        return out
    }

    /// Runs the full pipeline on an input file with the shared memory file.
    @discardableResult
    func run(_ input: String, _ output: String, _ flags: String = "--incremental") throws -> ShellResult {
        let r = try s.sh(
            "hos-run \(pipelines)/full-analysis.yaml --memory m.sqlite -i \(input) -o \(output) --progress none \(flags)"
        )
        #expect(r.status == 0, "\(text(r.stderr))")
        return r
    }
}

/// Two payloads as canonical JSON text, so that they compare whatever their key order.
func canonical(_ p: [String: Any]) -> String {
    String(decoding: (try? JSONSerialization.data(withJSONObject: p, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
}

@Suite(.serialized) struct IncrementalTests {
    /// The issue's case: most users have one new day and get their stored analysis again, marked; users with
    /// three new days are analysed; cached users' events reach no agent and are stored in memory.
    @Test func onlyUsersWithEnoughNewDaysAreAnalysed() throws {
        let n = try Nights()
        try n.write("n0.jsonl", n.first())
        let r0 = try n.run("n0.jsonl", "o0.jsonl")
        #expect(text(r0.stderr).contains("hos-run: 10 analysed, 0 cached (fewer than 3 new days)"))
        let first = n.completes("o0.jsonl")
        #expect(first.count == 10)
        #expect(first.values.allSatisfy { payload($0)["as_of"] is String && payload($0)["cached"] == nil })
        let many = Set(n.users.suffix(3))
        try n.write(
            "n1.jsonl",
            n.night(1, Dictionary(uniqueKeysWithValues: n.users.map { ($0, many.contains($0) ? [-3, -2, -1] : [-3]) })))
        let r1 = try n.run("n1.jsonl", "o1.jsonl", "--incremental --status")
        #expect(text(r1.stderr).contains("analyses=10 degraded=0 analysed=3 cached=7"))
        let second = n.completes("o1.jsonl")
        for u in n.users {
            let p = payload(second[u] ?? [:])
            if many.contains(u) {
                #expect(p["cached"] == nil && p["as_of"] as? String == n.days(u).last)
                continue
            }
            var expected = payload(first[u] ?? [:])
            (expected["cached"], expected["new_days"], expected["needs_days"]) = (true, 1, 2)
            #expect(canonical(p) == canonical(expected), "\(u): the stored analysis plus the markers")
            #expect(second[u]?["analysis_id"] as? String == first[u]?["analysis_id"] as? String)
            #expect(second[u]?["event_id"] as? String != first[u]?["event_id"] as? String)
            #expect(second[u]?["timestamp"] as? String == "\(n.days(u)[n.days(u).count - 3])T23:00:00Z")
        }
        // The pipeline (its first step, the replay) saw only the three analysed users: 3 requests and their
        // records, no cached user's event.
        let behavior = text(r1.stderr).split(separator: "\n").first { $0.hasPrefix("history ") } ?? ""
        let recordsIn = n.users.filter(many.contains).reduce(0) { t, u in
            t + n.records[u, default: []].filter { Set(n.days(u).suffix(3)).contains($0.day) }.count
        }
        #expect(behavior.split(separator: " ").filter { !$0.isEmpty }[5] == "\(recordsIn + 3)")
        // A cached user's new day is in the memory file, for the next night to count.
        let u = n.users[0]
        let stored = try n.s.sh(
            "sqlite3 m.sqlite \"SELECT count(*) FROM short_term_record WHERE user_id = '\(u)' AND date = '\(n.days(u)[n.days(u).count - 3])'\""
        )
        #expect(text(stored.stdout).trimmingCharacters(in: .whitespacesAndNewlines) != "0")
    }

    /// Regression: a nightly input of only the newest day adds up over cached nights (1, 2, then 3 new days
    /// and an analysis), because hos-run stores the days of the users it does not analyse.
    @Test func cachedNightsAccumulateNewDaysUntilAnalysed() throws {
        let n = try Nights(users: 3)
        try n.write("n0.jsonl", n.first())
        try n.run("n0.jsonl", "o0.jsonl")
        var seen: [[String]] = []
        for (night, offset) in [(1, -3), (2, -2), (3, -1)] {
            try n.write(
                "n\(night).jsonl", n.night(night, Dictionary(uniqueKeysWithValues: n.users.map { ($0, [offset]) })))
            try n.run("n\(night).jsonl", "o\(night).jsonl")
            seen.append(
                n.users.map { u in
                    let p = payload(n.completes("o\(night).jsonl")[u] ?? [:])
                    return p["cached"] as? Bool == true
                        ? "cached \(p["new_days"] ?? "-")/\(p["needs_days"] ?? "-")" : "analysed"
                })
        }
        #expect(
            seen == [
                Array(repeating: "cached 1/2", count: 3), Array(repeating: "cached 2/1", count: 3),
                Array(repeating: "analysed", count: 3),
            ])
    }

    /// --force analyses everyone; re-sent days count as nothing new; interleaved input decides the same
    /// and, with --output-mode all, loses no event.
    @Test func forceResentAndInterleavedInput() throws {
        let n = try Nights(users: 6)
        try n.write("n0.jsonl", n.first())
        try n.run("n0.jsonl", "o0.jsonl")
        let first = n.completes("o0.jsonl")
        // Re-sent: night 0 again has no new day: every user cached, with 0 new days.
        try n.run("n0.jsonl", "again.jsonl")
        #expect(n.completes("again.jsonl").values.allSatisfy { payload($0)["new_days"] as? Int == 0 })
        let forced = try n.run("n0.jsonl", "forced.jsonl", "--incremental --force --status")
        #expect(text(forced.stderr).contains("analyses=6 degraded=0 latency"))
        #expect(n.completes("forced.jsonl").values.allSatisfy { payload($0)["cached"] == nil })
        // Night 1 interleaved: users' lines alternate; two users have 3 new days.
        let offsets = Dictionary(uniqueKeysWithValues: n.users.enumerated().map { ($1, $0 < 2 ? [-3, -2, -1] : [-3]) })
        let grouped = n.night(1, offsets)
        let byUser = Dictionary(grouping: grouped) { line in n.users.first { line.contains("\"\($0)\"") }! }
        var interleaved: [String] = []
        for i in 0..<(byUser.values.map(\.count).max() ?? 0) {
            for u in n.users { if let l = byUser[u], i < l.count { interleaved.append(l[i]) } }
        }
        try n.write("n1.jsonl", interleaved)
        try n.run("n1.jsonl", "o1.jsonl", "--incremental --output-mode all")
        let out = n.s.lines("o1.jsonl")
        let outIDs = out.compactMap { $0["event_id"] as? String }
        #expect(Set(outIDs).count == outIDs.count, "an event left twice")
        let inIDs = interleaved.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .compactMap { $0["event_id"] as? String }
        #expect(Set(inIDs).isSubset(of: Set(outIDs)), "an input event was lost")
        let done = n.completes("o1.jsonl")
        for (i, u) in n.users.enumerated() {
            let p = payload(done[u] ?? [:])
            #expect((p["cached"] as? Bool == true) == (i >= 2), "\(u)")
            if i >= 2 { #expect(p["analysis_id"] as? String == payload(first[u] ?? [:])["analysis_id"] as? String) }
        }
    }

    /// Incremental needs a memory file named on purpose: the default one in the working directory is not.
    @Test func incrementalWithoutMemoryFileIsRefused() throws {
        let s = try RunScratch(users: 1, days: 5)
        try s.write("p.yaml", "version: 1\nname: p\nincremental: {min_new_days: 2}\nsteps:\n  - agent: behavior\n")
        let fromFile = try s.sh("hos-run p.yaml -i users.jsonl")
        #expect(fromFile.status == 78)
        #expect(text(fromFile.stderr).contains("hos-run: p.yaml: incremental: needs a memory file"))
        let fromFlag = try s.sh("hos-run \(pipelines)/quick.yaml --incremental -i users.jsonl")
        #expect(fromFlag.status == 64)
        #expect(text(fromFlag.stderr).contains("hos-run: --incremental needs a memory file"))
        #expect(try s.sh("hos-run p.yaml -i users.jsonl --force > /dev/null").status == 0)
    }
}
