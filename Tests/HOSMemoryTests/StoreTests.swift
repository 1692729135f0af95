// The store: file mode, WAL, migrations and the golden schema, error messages.

import Foundation
import HOSCore
import Testing

@testable import HOSMemory

@Suite struct StoreTests {
    /// A writer waits for another process's lock (in short steps: `busyWait`), and gives up after its busy
    /// timeout.
    @Test func aWriterWaitsForTheLockWithinItsTimeoutAndThenFails() throws {
        let dir = TempDir()
        let path = dir.path("m.sqlite")
        _ = try MemoryStore.testing(path: path)
        var patient = MemoryOptions()
        patient.busyTimeoutSeconds = 5
        let waiter = try MemoryStore.testing(path: path, options: patient)
        var hasty = MemoryOptions()
        hasty.busyTimeoutSeconds = 0.02
        let giver = try MemoryStore.testing(path: path, options: hasty)
        let event = try Event(json: parse(record("u1", "2026-01-05", #"{"steps":1}"#, id: "r1")), fallbackID: "")
        let locked = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let thread = Thread {
            // Its own store, as another process would have.
            try? MemoryStore.testing(path: path).write("hold the lock") { _ in
                locked.signal()
                release.wait()
            }
        }
        thread.start()
        locked.wait()
        #expect(throws: HOSError.self) { try giver.store([event]) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { release.signal() }
        #expect(try waiter.store([event]) == 1)
    }

    @Test func createsTheFileWithMode0600AndWAL() throws {
        let dir = TempDir()
        let path = dir.path("m.sqlite")
        let store = try MemoryStore.testing(path: path)
        try runMemory(store, [record("u", "2026-01-05", #"{"steps":100}"#, id: "e1")], emitContext: false)
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            let attrs = try FileManager.default.attributesOfItem(atPath: file)
            let mode = (attrs[.posixPermissions] as! NSNumber).intValue
            #expect(mode == 0o600, "mode of \(file)")
        }
        #expect(try store.stats()["journal_mode"] == "wal")
    }

    @Test func migrationsAreNamedAndTheSchemaMatchesTheGoldenFile() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        #expect(
            try store.appliedMigrations() == [
                "2026-11-25-layers", "2026-11-25-views", "2026-12-01-adaptation", "2026-12-03-llm",
                "2026-12-06-audit-without-user", "2026-12-07-alerts", "2026-12-08-schedule-tolerance",
                "2026-12-08-feedback-reason", "2026-12-08-archetype-switch", "2026-12-09-api-tokens",
                "2026-12-09-user-archetype",
            ])
        let golden = testsDir.appendingPathComponent("Golden/schema.sql")
        let dump = try store.schemaDump()
        if ProcessInfo.processInfo.environment["RECORD_SCHEMA"] == "1" {
            try dump.write(to: golden, atomically: true, encoding: .utf8)
        }
        #expect(dump == (try String(contentsOf: golden, encoding: .utf8)))
        // Opening again migrates nothing and keeps the schema.
        let again = try MemoryStore.testing(path: dir.path("m.sqlite"))
        #expect(try again.schemaDump() == dump)
    }

    @Test func everyTableWithUsersIsListed() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        let dump = try store.schemaDump()
        // Each CREATE TABLE with a user_id column is in Schema.userTables, so forget and export miss none.
        for line in dump.split(separator: ";") where line.contains("CREATE TABLE") && line.contains("user_id") {
            let name = line.split(separator: " ")[2].split(separator: "(")[0].trimmingCharacters(
                in: .whitespacesAndNewlines)
            #expect(Schema.userTables.contains(name), "\(name)")
        }
    }

    @Test func unwritablePlaceIsAnIOError() throws {
        do {
            _ = try MemoryStore.testing(path: "/nonexistent-dir/m.sqlite")
            Issue.record("no error")
        } catch let e as HOSError {
            #expect(e.exitCode == .ioError)
            #expect(e.description.hasPrefix("create memory file /nonexistent-dir/m.sqlite"))
        }
    }

    /// Regression (issue 17): a file that is not a database is refused before its mode is changed.
    @Test func notADatabaseIsADamagedFileAndKeepsItsMode() throws {
        let dir = TempDir()
        let path = dir.write("bad.sqlite", String(repeating: "this is not sqlite ", count: 300))
        #expect(chmod(path, 0o644) == 0)
        do {
            _ = try MemoryStore.testing(path: path)
            Issue.record("no error")
        } catch let e as HOSError {
            let damaged = HOSError.io(
                "memory file damaged: \(path): open: file is not a database; run 'hos-memory check'; restore from a backup"
            )
            #expect(e == (testKey == nil ? damaged : .io("memory file \(path): wrong key, or not a hos memory file")))
        }
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attrs[.posixPermissions] as! NSNumber).intValue == 0o644)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test func pathResolution() {
        #expect(MemoryStore.resolvePath(flag: "a.sqlite", environment: ["HOS_MEMORY": "b"]) == "a.sqlite")
        #expect(MemoryStore.resolvePath(flag: nil, environment: ["HOS_MEMORY": "b"]) == "b")
        #expect(MemoryStore.resolvePath(flag: nil, environment: [:]) == "./hos-memory.sqlite")
    }
}
