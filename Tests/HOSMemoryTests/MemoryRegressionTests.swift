// Regressions of hos-memory: planted schema objects, a mistyped future date, empty arms, huge numbers,
// insights after their feedback, an existing file's mode, audit entries after forget.

import Foundation
import HOSCore
import Testing

@testable import HOSMemory

@Suite struct MemoryRegressionTests {
    func event(_ id: String, _ type: String, _ ts: String, _ payload: String, user: String = "u1") -> String {
        #"{"event_id":\#(q(id)),"event_type":"\#(type)","user_id":\#(q(user)),"timestamp":"\#(ts)","payload":\#(payload)}"#
    }

    @Test func checkAndRestoreRefuseAPlantedTrigger() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        try runMemory(
            store,
            days("alice", from: "2026-01-05", count: 3) + days("bob", from: "2026-01-05", count: 3)
                + [request("alice", id: "q1")])
        try store.backup(to: dir.path("copy.sqlite"))
        let copy = try MemoryStore.testing(path: dir.path("copy.sqlite"))
        #expect(try copy.check() == [])
        try copy.testExecute(
            """
            CREATE TRIGGER leak AFTER INSERT ON short_term_record WHEN new.user_id = 'alice'
            BEGIN UPDATE short_term_record SET value = new.value WHERE user_id = 'bob'; END
            """)
        #expect(try copy.check() == ["schema: unexpected trigger 'leak'"])
        try copy.testExecute("CREATE VIEW extra AS SELECT 1")
        #expect(try copy.check().contains("schema: unexpected view 'extra'"))
        let before = try store.rowCounts(user: nil)
        do {
            try store.restore(from: dir.path("copy.sqlite"), at: "2026-03-02T00:00:00Z")
            Issue.record("restored a file with a planted trigger")
        } catch let e as HOSError {
            #expect(e.exitCode == .badInput)
            #expect(e.description.contains("schema: unexpected"))
        }
        #expect(try store.rowCounts(user: nil) == before)
        // A refused backup is refused before any memory file is opened.
        #expect(throws: HOSError.self) { _ = try MemoryStore.checkedBackup(dir.path("copy.sqlite"), key: testKey) }
        #expect(!FileManager.default.fileExists(atPath: dir.path("missing.sqlite")))
    }

    @Test func aFutureDateDoesNotPruneTheShortTermLayer() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        var input = (0..<10).map { i in
            record(
                "u1", "2026-11-\(10 + i)", #"{"steps":\#(1000 + i)}"#, id: "s\(i)", ts: "2026-11-\(10 + i)T07:00:00Z")
        }
        input.append(record("u1", "2062-11-20", #"{"steps":5}"#, id: "typo", ts: "2026-11-21T07:00:00Z"))
        input.append(request("u1", id: "r", ts: "2026-11-21T08:00:00Z"))
        try runMemory(store, input)
        #expect(try store.rowCounts(user: "u1")["short_term_record"] == 11)
        _ = try store.consolidateAll(user: "u1", now: "2026-11-22T00:00:00Z")
        #expect(try store.rowCounts(user: "u1")["short_term_record"] == 11)
        // The window ends at the latest plausible record: the stats count the 10 days, not the typo.
        #expect(
            try store.testQuery(
                "SELECT as_of || ' ' || n FROM short_term_stat WHERE metric = 'steps' AND window_days = 30")
                == ["2026-11-19 10"])
    }

    @Test func emptyArmsOrDimensionsDoNotCrashConsolidation() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        try runMemory(
            store,
            [
                event(
                    "e1", "routine_plan", "2026-11-24T07:00:00Z",
                    #"{"plan_id":"p1","difficulty":2,"items":[{"item_id":"i1","category":"sleep","variant":{"exercise_time":"","":"x","=":"="}}]}"#
                ),
                event(
                    "e2", "plan_feedback", "2026-11-25T07:00:00Z",
                    #"{"plan_id":"p1","item_id":"i1","status":"completed","date":"2026-11-25"}"#),
                request("u1", id: "e3", ts: "2026-11-26T07:00:00Z"),
            ])
        let reports = try store.consolidateAll(user: nil, now: "2026-11-27T00:00:00Z")
        #expect(reports.count == 1)
        let kinds = try store.testQuery("SELECT value FROM meta WHERE user_id = 'u1' AND key = 'strategy_kinds'")
        #expect(kinds.allSatisfy { !$0.contains(#""exercise_time=""#) && !$0.contains(#""=x""#) })
    }

    @Test func hugeOrOddLevelsAreStoredAsNull() throws {
        #expect(MemoryStore.level(.number(1e300)) == nil)
        #expect(MemoryStore.level(.number(-1e300)) == nil)
        #expect(MemoryStore.level(.number(0)) == nil)
        #expect(MemoryStore.level(.number(6)) == nil)
        #expect(MemoryStore.level(.number(2.4)) == 2)
        #expect(MemoryStore.level(.string("3")) == nil)
        #expect(MemoryStore.level(nil) == nil)
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        try runMemory(
            store,
            [
                event(
                    "e1", "routine_plan", "2026-11-24T07:00:00Z",
                    #"{"plan_id":"p1","difficulty":1e300,"items":[{"item_id":"i1","category":"sleep","intensity":-1e300},{"item_id":"i2","category":"sleep","intensity":3,"difficulty":2}]}"#
                ),
                event("e2", "adaptation", "2026-11-24T08:00:00Z", #"{"difficulty":{"from":1e300,"to":3}}"#),
            ], emitContext: false)
        #expect(
            try store.testQuery(
                "SELECT coalesce(intensity, 'null') || ' ' || coalesce(difficulty, 'null') FROM plan_item ORDER BY item_id"
            )
                == ["null null", "3 null"])
        #expect(
            try store.testQuery("SELECT difficulty || ' ' || coalesce(previous, 'null') FROM adaptation_state")
                == ["3 null"])
    }

    @Test func anInsightAfterItsFeedbackKeepsItsContent() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        try runMemory(
            store,
            [
                event("f1", "insight_feedback", "2026-11-20T07:00:00Z", #"{"insight_id":"I1","useful":true}"#),
                event(
                    "i1", "insight", "2026-11-21T07:00:00Z",
                    #"{"insight_id":"I1","kind":"trend","title":"t","detail":"x","confidence":0.9,"priority":0.5}"#),
                event(
                    "i2", "insight", "2026-11-22T07:00:00Z",
                    #"{"insight_id":"I2","kind":"trend","title":"t","detail":"x","confidence":0.9}"#),
            ], emitContext: false)
        let rows = try store.testQuery(
            """
            SELECT insight_id || ' ' || kind || ' ' || title || ' ' || confidence || ' ' || priority || ' ' ||
                   seen_count || ' ' || useful || ' ' || (content_hash NOT LIKE 'feedback:%') || ' ' ||
                   json_extract(payload, '$.detail') FROM insight
            """)
        #expect(rows == ["I1 trend t 0.9 0.5 2 1 1 x"])
    }

    @Test func anExistingFileReadableByOthersIsSetTo0600() throws {
        let dir = TempDir()
        let path = dir.path("m.sqlite")
        _ = try MemoryStore.testing(path: path)
        #expect(chmod(path, 0o644) == 0)
        _ = try MemoryStore.testing(path: path)
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attrs[.posixPermissions] as! NSNumber).intValue == 0o600)
        // A symbolic link is not followed.
        #expect(symlink(path, dir.path("link.sqlite")) == 0)
        #expect(throws: HOSError.self) { _ = try MemoryStore.testing(path: dir.path("link.sqlite")) }
    }

    /// Regression (issue 17): the audit log kept an unkeyed FNV hash of each user, reversible by hashing
    /// likely ids. It names no user now.
    @Test func auditLogNamesNoUser() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        try runMemory(
            store, days("alice", from: "2026-01-05", count: 2) + days("bob", from: "2026-01-05", count: 2),
            emitContext: false)
        _ = try store.recall(user: "alice", layer: nil, at: "2026-03-01T00:00:00Z")
        _ = try store.export(user: "alice", at: "2026-03-01T00:00:01Z")
        _ = try store.recall(user: "bob", layer: nil, at: "2026-03-01T00:00:02Z")
        _ = try store.forget(user: "alice", at: "2026-03-01T00:00:03Z")
        #expect(
            try store.testQuery("SELECT action || ' ' || user_hash || ' ' || detail FROM audit_log ORDER BY id")
                == [
                    #"recall  {"layer":"all","rows":8}"#, #"export  {"rows":10}"#, #"recall  {"layer":"all","rows":8}"#,
                    #"forget  {"rows":10}"#,
                ])
        #expect(try store.check() == [])
    }

    /// Regression (issue 17): the migration clears the hashes that earlier versions wrote, and once it has
    /// run no byte of them is left in the file or its WAL.
    @Test func theMigrationLeavesNoOldHashBehind() throws {
        let dir = TempDir()
        let path = dir.path("m.sqlite")
        // The FNV hash of "alice" as earlier versions wrote it.
        let oldHash = StableHash.hex(StableHash.of("user", "alice"), digits: 32)
        do {
            let store = try MemoryStore.testing(path: path)
            try store.testExecute(
                """
                INSERT INTO audit_log (at, action, user_hash, detail) VALUES ('2026-03-01T00:00:00Z', 'export', '\(oldHash)', '{}');
                DELETE FROM grdb_migrations WHERE identifier = '2026-12-06-audit-without-user'
                """)
            _ = try store.checkpoint(waitSeconds: 0)
        }
        // In an encrypted file (the suite's second pass) no hash is readable at all.
        #expect(fileHolds(path, oldHash) == (testKey == nil), "the test's file lacks the old hash, so it tests nothing")
        do {
            let store = try MemoryStore.testing(path: path)
            #expect(try store.testQuery("SELECT action || ' ' || user_hash FROM audit_log") == ["export "])
        }
        #expect(!fileHolds(path, oldHash) && !fileHolds(path + "-wal", oldHash))
    }
}

/// Whether the file at `path` holds `text` anywhere in its bytes.
func fileHolds(_ path: String, _ text: String) -> Bool {
    guard let data = FileManager.default.contents(atPath: path) else { return false }
    return data.range(of: Data(text.utf8)) != nil
}
