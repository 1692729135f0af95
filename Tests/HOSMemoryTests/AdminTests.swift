// Forget, export, recall, check, backup and restore; isolation between users with adversarial ids.

import Foundation
import HOSCore
import Testing

@testable import HOSMemory

/// Ids that break naive SQL or string handling: quotes, LIKE wildcards, unicode, an id of the longest length allowed (256 bytes), prefixes.
let adversarialIDs = [
    "u'1", #"u"2"#, "u%", "u_", "%", "_", "ü-ñ-日本-🙂", "u\\x", String(repeating: "long", count: 64), "u", "u1",
    "Robert'); DROP TABLE working;--",
]

@Suite struct AdminTests {
    /// A file holding every kind of row for each of `users`.
    func populated(_ users: [String]) throws -> (TempDir, MemoryStore) {
        let dir = TempDir()
        let store = try MemoryStore.testing(
            path: dir.path("m.sqlite"),
            options: {
                var o = MemoryOptions()
                o.logEvents = true
                return o
            }())
        var input: [String] = []
        for (n, u) in users.enumerated() {
            let e = "\(n)"
            input.append(profile(u, id: "p" + e, pattern: "pattern-\(n)", allergies: ["allergy-\(n)"]))
            input += days(u, from: "2026-01-05", count: 29, prefix: "r" + e)
            input.append(record(u, "2026-01-05", #"{"steps":1}"#, id: "late" + e, ts: "2026-01-01T00:00:00Z"))
            input.append(
                #"{"event_id":\#(q("b" + e)),"event_type":"behavior_analysis","user_id":\#(q(u)),"timestamp":"2026-02-03T00:00:00Z","analysis_id":"a-x","payload":{"as_of":"2026-02-02","readiness":{"score":70,"state":"recovered"}}}"#
            )
            input.append(
                #"{"event_id":\#(q("rp" + e)),"event_type":"routine_plan","user_id":\#(q(u)),"timestamp":"2026-02-03T00:00:00Z","analysis_id":"a-x","payload":{"plan_id":"rp","date":"2026-02-03","difficulty":2,"items":[{"item_id":"exercise","category":"exercise","variant":{"exercise_time":"midday"}}]}}"#
            )
            for d in 3...8 {
                input.append(
                    #"{"event_id":\#(q("f\(d)-" + e)),"event_type":"plan_feedback","user_id":\#(q(u)),"timestamp":"2026-02-0\#(d)T20:00:00Z","payload":{"plan_id":"rp","item_id":"exercise","status":"completed","date":"2026-02-0\#(d)"}}"#
                )
            }
            input.append(
                #"{"event_id":\#(q("i" + e)),"event_type":"insight","user_id":\#(q(u)),"timestamp":"2026-02-03T00:00:00Z","payload":{"insight_id":"ins","kind":"trend","title":"secret-\#(n)","confidence":0.7}}"#
            )
            input.append(
                #"{"event_id":\#(q("if" + e)),"event_type":"insight_feedback","user_id":\#(q(u)),"timestamp":"2026-02-04T00:00:00Z","payload":{"insight_id":"ins","useful":true}}"#
            )
            input.append(
                #"{"event_id":\#(q("ad" + e)),"event_type":"adaptation","user_id":\#(q(u)),"timestamp":"2026-02-04T00:00:00Z","payload":{"difficulty":{"from":2,"to":3},"experiments":[{"dimension":"exercise_time","arms":[{"arm":"midday","successes":3,"failures":1}],"chosen":"midday"}],"tolerance":[{"category":"exercise","max_intensity":2,"evidence":7,"state":"lowered","reason":"r"}],"items":[{"item":"exercise","category":"exercise","completion":0.3,"n":7,"verdict":"replace","action":"lighter","reason":"r"}]}}"#
            )
            input.append(
                #"{"event_id":\#(q("al" + e)),"event_type":"alert","user_id":\#(q(u)),"timestamp":"2026-02-04T00:00:00Z","payload":{"alert_id":"alr-1","rule":"no_records","severity":"warning","status":"open","started":"2026-02-02","as_of":"2026-02-04","title":"No records for 3 days","detail":"secret-alert-\#(n)"}}"#
            )
            input.append(request(u, id: "q" + e, ts: "2026-02-09T00:00:00Z", archetype: "Peak Performer"))
        }
        _ = try runMemory(store, input)
        // hos-adapt's own tables, written as hos-adapt writes them.
        for u in users {
            try store.saveAdaptation(
                event: Event(
                    id: "ad2-" + u, type: EventType.adaptation, user: u, timestamp: "2026-02-10T00:00:00Z",
                    payload: ["difficulty": ["from": 2, "to": 2]]),
                predictedAdherence: 0.5,
                arms: [
                    AdaptArmState(
                        user: u, archetype: nil, dimension: "exercise_time", arm: "midday", priorAlpha: 1,
                        priorBeta: 1, successes: 3, failures: 1, pulls: 1, pBest: 1, chosen: true)
                ],
                decisions: [
                    AdaptDecisionLog(
                        decisionID: "d", dimension: "exercise_time", analysisID: "a-x",
                        decidedAt: "2026-02-10T00:00:00Z", policy: "thompson", chosen: "midday",
                        propensity: 1, arms: [], context: [:])
                ],
                archetypeSwitch: ArchetypeSwitchRecord(
                    from: "Peak Performer", to: "Foundation Builder", switchedAt: "2026-02-10T00:00:00Z",
                    since: LocalDate("2026-02-10"), analysisID: "a-x", strategy: "adaptive"))
            // The LLM's cache and accounting (hos-behavior --llm).
            try store.storeLLMReply(
                user: u, key: "k-" + u, agent: "hos-behavior", model: "m", reply: #"{"summary":"s"}"#,
                promptTokens: 10, completionTokens: 2, at: "2026-02-10T00:00:00Z")
            try store.recordLLMUsage(
                user: u, agent: "hos-behavior", model: "m", requests: 1, cacheHits: 0, fallbacks: 0,
                promptTokens: 10, completionTokens: 2, costUSD: 0, at: "2026-02-10T00:00:00Z")
        }
        return (dir, store)
    }

    @Test func everyTableHoldsRowsOfAPopulatedUser() throws {
        let (_, store) = try populated(["alice"])
        let counts = try store.rowCounts(user: "alice")
        for t in Schema.userTables {
            #expect((counts[t] ?? 0) > 0, "\(t) is empty, so forget would not be tested on it")
        }
    }

    @Test func forgetLeavesNoRowOfTheUserInAnyTable() throws {
        let (_, store) = try populated(["alice", "bob"])
        let bobBefore = try store.rowCounts(user: "bob")
        let result = try store.forget(user: "alice", at: "2026-03-01T00:00:00Z")
        #expect(result.rows.values.reduce(0, +) > 0)
        #expect(result.erasure == .complete)
        for (table, n) in try store.rowCounts(user: "alice") {
            #expect(n == 0, "alice's rows left in \(table)")
        }
        #expect(try store.rowCounts(user: "bob") == bobBefore)
        let audit = try store.testQuery("SELECT action || ' ' || user_hash FROM audit_log")
        #expect(audit == ["forget "])
        #expect(try store.check() == [])
    }

    @Test func adversarialIDsNeverSeeEachOther() throws {
        let (_, store) = try populated(adversarialIDs)
        for (n, u) in adversarialIDs.enumerated() {
            let export = try store.export(user: u, at: "2026-03-01T00:00:00Z")
            let recall = try store.recall(user: u, layer: nil, at: "2026-03-01T00:00:00Z")
            #expect(!export.isEmpty)
            for rows in [export, recall] {
                for r in rows {
                    #expect(r.row["user_id"] == .string(u))
                    let text = r.row.values.map(\.text).joined()
                    for (m, other) in adversarialIDs.enumerated() where m != n {
                        #expect(!text.contains("pattern-\(m)\""), "user \(n) sees user \(m)'s pattern")
                        #expect(!text.contains("secret-\(m)\""), "user \(n) sees user \(m)'s insight")
                        _ = other
                    }
                }
            }
        }
        // Forgetting the LIKE wildcards and quotes forgets exactly those users.
        for u in ["%", "_", "u'1"] {
            _ = try store.forget(user: u, at: "2026-03-01T00:00:00Z")
        }
        for u in adversarialIDs {
            let n = try store.rowCounts(user: u).values.reduce(0, +)
            #expect(["%", "_", "u'1"].contains(u) ? n == 0 : n > 0, "\(u.prefix(20))")
        }
    }

    @Test func contextsOfAdversarialUsersHoldOnlyTheirOwnData() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        var input: [String] = []
        for (n, u) in adversarialIDs.enumerated() {
            input.append(profile(u, id: "p\(n)", pattern: "pattern-\(n)"))
            input.append(request(u, id: "q\(n)"))
        }
        let out = try runMemory(store, input)
        for line in out.map(parse) where line["event_type"] == "memory_context" {
            let u = line["user_id"]!.stringValue!
            let n = adversarialIDs.firstIndex(of: u)!
            let text = line["payload"]!.text
            #expect(
                line["payload"]?["long_term"]?["preferences"]?["dietary_pattern"]?["value"] == .string("pattern-\(n)"))
            for m in adversarialIDs.indices where m != n { #expect(!text.contains("pattern-\(m)\"")) }
        }
    }

    @Test func unknownLayerIsAUsageError() throws {
        let (_, store) = try populated(["alice"])
        #expect(throws: HOSError.self) { try store.recall(user: "alice", layer: "nope", at: "2026-03-01T00:00:00Z") }
        let rows = try store.recall(user: "alice", layer: "long_term", at: "2026-03-01T00:00:00Z")
        #expect(
            Set(rows.map(\.table)).isSubset(of: [
                "long_term_preference", "long_term_strategy", "candidate", "profile", "user_archetype",
            ]))
    }

    @Test func backupAndRestore() throws {
        let (dir, store) = try populated(["alice", "bob"])
        let before = try store.rowCounts(user: nil)
        try store.backup(to: dir.path("copy.sqlite"))
        let attrs = try FileManager.default.attributesOfItem(atPath: dir.path("copy.sqlite"))
        #expect((attrs[.posixPermissions] as! NSNumber).intValue == 0o600)
        let aliceRows = try store.rowCounts(user: "alice").values.reduce(0, +)
        _ = try store.forget(user: "alice", at: "2026-03-01T00:00:00Z")
        // The forget made after the backup is undone by the restore, and said so; the audit trail keeps it.
        #expect(try store.restore(from: dir.path("copy.sqlite"), at: "2026-03-02T00:00:00Z") == 1)
        var after = try store.rowCounts(user: nil)
        #expect(after["audit_log"] == (before["audit_log"] ?? 0) + 2)
        #expect(
            try store.testQuery("SELECT action || ' ' || detail FROM audit_log ORDER BY id").suffix(2)
                == [
                    "forget {\"rows\":\(aliceRows)}",
                    "restore {\"forgets_undone\":1}",
                ])
        after["audit_log"] = before["audit_log"]
        #expect(after == before)
        #expect(try store.check() == [])
        #expect(try store.stats()["journal_mode"] == "wal")
    }

    /// Regression: a backup or restore onto the live memory file must be refused.
    @Test func backupAndRestoreRefuseTheLiveFile() throws {
        let (dir, store) = try populated(["alice"])
        let rows = try store.rowCounts(user: nil)
        #expect(throws: HOSError.usage("backup to \(dir.path("m.sqlite")): that is the memory file itself")) {
            try store.backup(to: dir.path("m.sqlite"))
        }
        #expect(throws: HOSError.self) { try store.restore(from: dir.path("./m.sqlite"), at: "2026-03-02T00:00:00Z") }
        #expect(try store.rowCounts(user: nil) == rows)
        #expect(try store.check() == [])
    }

    @Test func restoreRefusesAFileThatFailsCheck() throws {
        let (dir, store) = try populated(["alice"])
        let bad = dir.write("bad.sqlite", "not a database at all, just text that goes on and on")
        #expect(throws: HOSError.self) { try store.restore(from: bad, at: "2026-03-02T00:00:00Z") }
        // A real SQLite file without the memory's migrations fails check too.
        let empty = try MemoryStore.testing(path: dir.path("other.sqlite"))
        try empty.testExecute("DELETE FROM grdb_migrations")
        do {
            try store.restore(from: dir.path("other.sqlite"), at: "2026-03-02T00:00:00Z")
            Issue.record("restored a file that fails check")
        } catch let e as HOSError {
            #expect(e.exitCode == .badInput)
        }
        #expect(try store.rowCounts(user: "alice").values.reduce(0, +) > 0)
    }

    @Test func consolidateExpiresWorkingMemory() throws {
        let (_, store) = try populated(["alice"])
        #expect(try store.rowCounts(user: "alice")["working"] == 1)
        let reports = try store.consolidateAll(user: nil, now: "2026-02-09T23:00:00Z")
        #expect(reports.map(\.expiredWorking) == [0])
        let later = try store.consolidateAll(user: "alice", now: "2026-02-10T00:00:01Z")
        #expect(later.map(\.expiredWorking) == [1])
        #expect(try store.rowCounts(user: "alice")["working"] == 0)
    }
}

@Suite struct CheckTests {
    @Test func checkFindsBrokenInvariants() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        try runMemory(store, days("u1", from: "2026-01-05", count: 3) + [request("u1", id: "q1")])
        #expect(try store.check() == [])
        try store.testExecute(
            """
            INSERT INTO short_term_record (user_id, date, metric, value, kind, event_id, recorded_at)
            VALUES ('', '2026-01-01', 'steps', 1, 'number', 'nowhere', '2026-01-01T00:00:00Z')
            """)
        try store.testExecute("UPDATE working SET expires_at = '2000-01-01T00:00:00Z'")
        let problems = try store.check()
        #expect(problems.contains("short_term_record: rows with an empty user_id: 1"))
        #expect(problems.contains("short_term_record: value of no stored event: 1"))
        #expect(problems.contains("working: expires before it was created: 1"))
    }

    @Test func concurrentStoresInOneProcessLoseNothing() throws {
        // Four connections writing at once (the CLI case does the same with four processes).
        let dir = TempDir()
        let path = dir.path("m.sqlite")
        _ = try MemoryStore.testing(path: path)
        let errors = LockedErrors()
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            do {
                let store = try MemoryStore.testing(path: path)
                var input: [String] = []
                for u in 0..<3 {
                    input +=
                        days("w\(i)-\(u)", from: "2026-01-05", count: 20) + [request("w\(i)-\(u)", id: "q\(i)-\(u)")]
                }
                input += days("shared", from: "2026-01-05", count: 20)
                try runMemory(store, input, emitContext: false)
            } catch {
                errors.append("\(error)")
            }
        }
        #expect(errors.all == [])
        let store = try MemoryStore.testing(path: path)
        let counts = try store.rowCounts(user: nil)
        #expect(counts["event_seen"] == 4 * 3 * 21 + 20)
        #expect(counts["short_term_record"] == (4 * 3 + 1) * 20 * 4)
        #expect(try store.check() == [])
    }
}

final class LockedErrors: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func append(_ s: String) {
        lock.lock()
        items.append(s)
        lock.unlock()
    }
    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}
