// The subcommands' operations on the file: recall, export, forget, stats, check, consolidate, backup, restore.

import Foundation
import GRDB
import HOSCore

/// One row of a table, as JSON (columns holding JSON text are decoded), for recall and export.
public struct TableRow: Sendable, Equatable {
    public var table: String
    public var row: [String: JSON]
    /// Column names in table order, for the table format.
    public var columns: [String]

    public var json: JSON { ["table": .string(table), "row": .object(row)] }
}

extension MemoryStore {
    /// Columns whose text is JSON.
    static let jsonColumns: Set<String> = ["context", "value", "payload", "summary", "variant", "detail"]

    static func rows(_ table: String, user: String, in db: any MemorySQL) throws -> [TableRow] {
        // Table names come from Schema.userTables only; the user id is a parameter.
        precondition(Schema.userTables.contains(table))
        let order = Schema.orderBy[table] ?? "rowid"
        return try db.rows("SELECT * FROM \(table) WHERE user_id = ? ORDER BY \(order)", [user]).map { row in
            var o: [String: JSON] = [:]
            for (name, value) in zip(row.names, row.values) {
                switch value {
                case .null: o[name] = .null
                case .int(let i): o[name] = .number(Double(i))
                case .double(let d): o[name] = .number(d)
                case .text(let s):
                    // JSON columns are decoded; text that is not JSON (a candidate's "HH:MM") stays text.
                    o[name] = jsonColumns.contains(name) ? ((try? JSONParser.parse(s)) ?? .string(s)) : .string(s)
                }
            }
            return TableRow(table: table, row: o, columns: row.names)
        }
    }

    /// An audit entry. It names no user (user_hash is always ''): a hash of the id would let anyone holding
    /// the file test likely ids, and a keyed hash whose key sits in the same file would not stop them.
    func audit(_ action: String, detail: JSON, at: String, in db: any MemorySQL) throws {
        var d = detail.objectValue ?? [:]
        if !actor.isEmpty { d["by"] = .string(actor) }
        try db.execute(
            "INSERT INTO audit_log (at, action, user_hash, detail) VALUES (?, ?, '', ?)",
            [at, action, JSON.object(d).stored])
    }

    /// Runs `body` in a transaction that first verifies the file (`PRAGMA quick_check`): a write one that also
    /// writes the audit entry `body` returns, or, on a read-only file, a read one without it.
    private func audited<T>(
        _ operation: String, at: String,
        _ body: (any MemorySQL) throws -> (T, action: String, detail: JSON)
    ) throws -> T {
        func verified(_ db: any MemorySQL) throws -> (T, action: String, detail: JSON) {
            try Self.requireSound(db, path: path, operation)
            return try body(db)
        }
        if isReadOnly { return try read(operation) { try verified($0).0 } }
        return try write(operation) { db in
            let (result, action, detail) = try verified(db)
            try audit(action, detail: detail, at: at, in: db)
            return result
        }
    }

    /// A user's rows in the tables of `layer` (nil: every layer), audited as a recall (unless read-only).
    public func recall(user: String, layer: String?, at: String) throws -> [TableRow] {
        let tables: [String]
        if let layer {
            guard let l = Schema.layers.first(where: { $0.name == layer }) else {
                throw HOSError.usage(
                    "unknown layer '\(printable(layer))' (one of: \(Schema.layers.map(\.name).joined(separator: ", ")))"
                )
            }
            tables = l.tables
        } else {
            tables = Schema.layers.flatMap(\.tables)
        }
        return try audited("recall", at: at) { db in
            let rows = try tables.flatMap { try Self.rows($0, user: user, in: db) }
            return (rows, "recall", ["layer": layer.map(JSON.string) ?? "all", "rows": .number(Double(rows.count))])
        }
    }

    /// Every row of a user in every table, audited as an export (unless read-only).
    public func export(user: String, at: String) throws -> [TableRow] {
        try audited("export", at: at) { db in
            let rows = try Schema.userTables.flatMap { try Self.rows($0, user: user, in: db) }
            return (rows, "export", ["rows": .number(Double(rows.count))])
        }
    }

    /// Deletes every row of a user in every table and writes the audit entry, in one transaction that first
    /// verifies the file (a damaged one is left as it was); then rebuilds the file, and checkpoints and
    /// truncates the WAL so that no byte of the deleted rows is left (`finishErasure`).
    /// Returns rows per table; `Erasure.waitedOut` when readers kept the old bytes in place.
    ///
    /// The rebuild is not optional: secure_delete zeroes a deleted cell, but an earlier page split can have
    /// left a copy of it in a page's unallocated space, which only a rebuild (VACUUM) is sure to drop.
    public func forget(user: String, wait: Double? = nil, at: String) throws -> (
        rows: [String: Int], erasure: Erasure
    ) {
        let counts = try write("forget") { db in
            try Self.requireSound(db, path: path, "forget", consequence: "; nothing was deleted")
            var counts: [String: Int] = [:]
            for table in Schema.userTables {
                counts[table] = try db.execute("DELETE FROM \(table) WHERE user_id = ?", [user])
            }
            try audit("forget", detail: ["rows": .number(Double(counts.values.reduce(0, +)))], at: at, in: db)
            return counts
        }
        guard isFile else { return (counts, .deletedOnServer) }
        try withoutTransaction("vacuum") { db in try db.execute(sql: "VACUUM") }
        return (counts, try finishErasure(wait: wait))
    }

    /// Whether the bytes of deleted rows have left the file and its WAL.
    public enum Erasure: Sendable, Equatable {
        case complete
        /// Another process held an older snapshot for the whole wait: the main file still holds old pages,
        /// the WAL old frames, until a checkpoint (`forget --finish`, or the last process to close the file).
        case waitedOut(seconds: Double, walBytes: Int)
        /// A PostgreSQL memory: the rows are deleted (in one transaction), and the server frees their space
        /// when it vacuums; their bytes may stay in free space and in its WAL until they are reused.
        case deletedOnServer
    }

    /// Checkpoints the whole WAL into the file and truncates it, waiting up to `wait` seconds (default: the
    /// busy timeout) for readers of older snapshots to finish. Deleted rows were overwritten (secure_delete) in
    /// the WAL's newest pages; this puts those pages over the file's old ones and drops the WAL's old frames.
    public func finishErasure(wait: Double? = nil) throws -> Erasure {
        guard isFile else { return .deletedOnServer }
        let seconds = wait ?? options.busyTimeoutSeconds
        if try checkpoint(waitSeconds: seconds) { return .complete }
        return .waitedOut(seconds: seconds, walBytes: Self.fileSize(path + "-wal"))
    }

    /// `PRAGMA wal_checkpoint(TRUNCATE)` with the busy handler limited to `waitSeconds`; true when every frame
    /// was copied and the WAL truncated.
    func checkpoint(waitSeconds: Double) throws -> Bool {
        let saved = busyLimit.seconds
        busyLimit.seconds = waitSeconds
        defer { busyLimit.seconds = saved }
        do {
            let row = try queue.writeWithoutTransaction { db in
                try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
            // (busy, frames in the WAL, frames checkpointed): (0, 0, 0) after a truncation.
            let busy: Int = row?[0] ?? 1
            let frames: Int = row?[1] ?? -1
            return busy == 0 && frames <= 0
        } catch let e as DatabaseError where e.resultCode == .SQLITE_BUSY || e.resultCode == .SQLITE_LOCKED {
            return false
        } catch {
            throw Self.failure("checkpoint", error, path: path)
        }
    }

    /// Rows per table: of one user in every user table, or of everyone in every table (audit_log too).
    public func rowCounts(user: String?) throws -> [String: Int] {
        try read("count rows") { db in
            var counts: [String: Int] = [:]
            for t in Schema.userTables + (user == nil ? ["audit_log"] : []) {
                let arguments = SQLArguments(user.map { [.text($0)] } ?? [])
                counts[t] =
                    try db.one(
                        Int.self, "SELECT count(*) FROM \(t)" + (user == nil ? "" : " WHERE user_id = ?"), arguments)
                    ?? 0
            }
            return counts
        }
    }

    /// Row counts per table, users, migrations, the file's size, whether it is encrypted (and by which SQLCipher),
    /// and the LLM's spending per agent and model.
    public func stats() throws -> JSON {
        try liteRead("stats") { db in
            var tables: [String: JSON] = [:]
            for t in Schema.userTables + ["audit_log"] {
                tables[t] = .number(Double(try Int.fetchOne(db, sql: "SELECT count(*) FROM \(t)") ?? 0))
            }
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            return [
                "tables": .object(tables),
                "users": .number(
                    Double(try Int.fetchOne(db, sql: "SELECT count(DISTINCT user_id) FROM event_seen") ?? 0)),
                "migrations": .array(try Schema.migrator.appliedMigrations(db).map(JSON.string)),
                "journal_mode": .string(try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? ""),
                "bytes": .number(Double(pages * pageSize)),
                "encrypted": key == nil
                    ? .bool(false) : .string(try String.fetchOne(db, sql: "PRAGMA cipher_version") ?? ""),
                "llm": try Self.llmStats(in: SQLiteSQL(db, cache: cache)),
            ]
        }
    }

    /// SQLite's integrity check and the store's invariants; the problems found (empty: the file is sound).
    public func check() throws -> [String] {
        try liteRead("check") { db in
            var problems: [String] = []
            let integrity: [String]
            do {
                integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            } catch let e as DatabaseError where Self.isDamage(e) {
                // Damaged past what the check can walk: that is its finding, not a failure to check.
                return ["integrity: " + (e.message ?? "database disk image is malformed")]
            }
            problems += Self.findings(integrity).prefix(20).map { "integrity: " + $0 }
            let applied = try Schema.migrator.appliedMigrations(db)
            let known = Schema.migrator.migrations
            // A file of an earlier version (its migrations a prefix of the known ones) is sound: the next
            // open that may write migrates it, and restore does so at once.
            guard applied == Array(known.prefix(applied.count)), !applied.isEmpty else {
                problems.append("migrations: applied \(applied), expected \(known)")
                return problems
            }
            problems += try Self.schemaProblems(in: db, upTo: applied.last!)
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            let invariants: [(String, String)] =
                Schema.userTables.map {
                    (
                        "\($0): rows with an empty user_id",
                        "SELECT count(*) FROM \($0) WHERE user_id IS NULL OR user_id = ''"
                    )
                } + [
                    (
                        "short_term_record: value of no stored event",
                        "SELECT count(*) FROM short_term_record r WHERE NOT EXISTS (SELECT 1 FROM event_seen s WHERE s.user_id = r.user_id AND s.event_id = r.event_id)"
                    ),
                    (
                        "short_term_record: clock value outside 0–1439",
                        "SELECT count(*) FROM short_term_record WHERE kind = 'clock' AND (value < 0 OR value >= 1440)"
                    ),
                    (
                        "analyses: result of no stored event",
                        "SELECT count(*) FROM analyses a WHERE NOT EXISTS (SELECT 1 FROM event_seen s WHERE s.user_id = a.user_id AND s.event_id = a.event_id)"
                    ),
                    (
                        "working: expires before it was created",
                        "SELECT count(*) FROM working WHERE expires_at < created_at"
                    ),
                    (
                        "long_term_preference: value is not JSON",
                        "SELECT count(*) FROM long_term_preference WHERE json_valid(value) = 0"
                    ),
                    (
                        "long_term_preference: last seen before first seen",
                        "SELECT count(*) FROM long_term_preference WHERE last_seen < first_seen"
                    ),
                    ("analyses: payload is not JSON", "SELECT count(*) FROM analyses WHERE json_valid(payload) = 0"),
                    (
                        "experiment: more than one chosen arm",
                        "SELECT count(*) FROM (SELECT 1 FROM experiment WHERE chosen = 1 GROUP BY user_id, dimension HAVING count(*) > 1)"
                    ),
                    ("candidate: streak below 1", "SELECT count(*) FROM candidate WHERE streak < 1"),
                ]
            for (name, sql) in invariants {
                let n = try count(sql)
                if n > 0 { problems.append("\(name): \(n)") }
            }
            return problems
        }
    }

    /// The file's schema objects, each (type, name) to its SQL: SQLite's own and GRDB's bookkeeping left out.
    static func schemaObjects(in db: Database) throws -> [String: String] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT type, name, sql FROM sqlite_master
                WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> 'grdb_migrations'
                """)
        var objects: [String: String] = [:]
        for row in rows {
            let type: String = row["type"] ?? ""
            let name: String = row["name"] ?? ""
            objects[type + " '" + printable(name) + "'"] = row["sql"] ?? ""
        }
        return objects
    }

    /// Objects that the migrations do not create (a planted trigger, view or index), lack or create otherwise.
    static func schemaProblems(in db: Database, upTo migration: String) throws -> [String] {
        let expectedDB = try DatabaseQueue()
        try Schema.migrator.migrate(expectedDB, upTo: migration)
        let expected = try expectedDB.read { try schemaObjects(in: $0) }
        let actual = try schemaObjects(in: db)
        var problems: [String] = []
        for key in Set(actual.keys).union(expected.keys).sorted() {
            switch (actual[key], expected[key]) {
            case (.some, nil): problems.append("schema: unexpected \(key)")
            case (nil, .some): problems.append("schema: missing \(key)")
            case (let a?, let e?) where a != e: problems.append("schema: changed \(key)")
            default: break
            }
        }
        return problems
    }

    /// Consolidates one user, or every user, at `now`.
    public func consolidateAll(user: String?, now: String) throws -> [ConsolidationReport] {
        try write("consolidate") { db in
            let users = try user.map { [$0] } ?? self.users(in: db)
            return try users.map { try consolidate(user: $0, now: now, in: db) }
        }
    }

    /// SQLite's online backup into `file` (written beside it, then renamed): a consistent snapshot taken in
    /// one read transaction, while other processes go on writing.
    public func backup(to file: String) throws {
        if Self.samePath(file, path) { throw HOSError.usage("backup to \(file): that is the memory file itself") }
        let temp = file + ".tmp-\(getpid())"
        unlink(temp)
        defer { unlink(temp) }
        do {
            let fd = open(temp, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw HOSError.io("backup to \(file): \(errnoText())") }
            close(fd)
            var config = Configuration()
            config.busyMode = .timeout(options.busyTimeoutSeconds)
            // The copy of an encrypted file is encrypted with the same key (SQLite's backup copies pages
            // between two encrypted files, or two plain ones, never from one kind to the other).
            if let key { config.prepareDatabase { db in try Cipher.apply(key, to: db, path: file) } }
            let dest = try DatabaseQueue(path: temp, configuration: config)
            try Self.retrying { try queue.backup(to: dest) }
            // The copy is verified before it replaces anything: a damaged memory file gives no backup, and
            // an older good backup at `file` is kept.
            try dest.read { db in
                try Self.requireSound(
                    SQLiteSQL(db, cache: StatementCache()), path: path, "backup", consequence: "; no backup written")
            }
            try dest.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try dest.close()
        } catch {
            throw Self.failure("backup to \(file)", error, path: path)
        }
        guard rename(temp, file) == 0 else { throw HOSError.io("backup to \(file): \(errnoText())") }
    }

    /// Replaces the file's content with `file`'s, refusing a file that fails `check`; audited.
    @discardableResult
    public func restore(from file: String, at: String) throws -> Int {
        if Self.samePath(file, path) { throw HOSError.usage("restore from \(file): that is the memory file itself") }
        let source = try Self.checkedBackup(file, options: options, key: key)
        return try restore(from: source, at: at)
    }

    /// Whether two paths name one file (after symbolic links and `..`); false when either is missing.
    static func samePath(_ a: String, _ b: String) -> Bool {
        guard let ra = realpath(a, nil), let rb = realpath(b, nil) else { return false }
        defer {
            free(ra)
            free(rb)
        }
        return strcmp(ra, rb) == 0
    }

    /// Opens `file` read-only (with `key` when it is encrypted) and runs `check`; a file that is not SQLite,
    /// or too damaged to open, is a problem too, not an error. The store is nil when the file could not be
    /// opened. A wrong or missing key is an error (exit 74), not a problem of the file.
    public static func checkFile(
        _ file: String, options: MemoryOptions = MemoryOptions(), key: MemoryKey? = nil
    ) throws -> (store: MemoryStore?, problems: [String]) {
        var isDir: ObjCBool = false
        if key == nil, FileManager.default.fileExists(atPath: file, isDirectory: &isDir), !isDir.boolValue,
            !isPlausiblyEncrypted(file), let reason = try headerProblem(file)
        {
            return (nil, ["integrity: " + reason])
        }
        do {
            let store = try MemoryStore(path: file, options: options, readOnly: true, check: .none, key: key)
            return (store, try store.check())
        } catch let e as HOSError where damageReason(e, path: file) != nil {
            return (nil, ["integrity: " + damageReason(e, path: file)!])
        }
    }

    /// Opens `file` read-only and refuses it (bad input) if it fails `check`: before the memory file is
    /// opened, so that a refused restore creates nothing.
    public static func checkedBackup(
        _ file: String, options: MemoryOptions = MemoryOptions(), key: MemoryKey? = nil
    ) throws -> MemoryStore {
        let (source, problems): (MemoryStore?, [String])
        do {
            (source, problems) = try checkFile(file, options: options, key: key)
        } catch let e as HOSError where e.exitCode == .ioError {
            throw HOSError.badInput(SourceLocation(file: file, line: 0), "fails check, not restored: \(e)")
        }
        guard let source, problems.isEmpty else {
            throw HOSError.badInput(
                SourceLocation(file: file, line: 0),
                "fails check (\(problems.count) problems), not restored: \(problems[0])")
        }
        return source
    }

    /// Replaces the file's content with a backup that `checkedBackup` accepted; audited.
    ///
    /// The audit entries written after the backup's newest one are carried over, so a restore never
    /// erases the audit trail; returns how many of them are `forget`s, whose users the backup still
    /// holds (the audit log keeps no user id to forget them again).
    @discardableResult
    public func restore(from source: MemoryStore, at: String) throws -> Int {
        let file = source.path
        if Self.samePath(file, path) { throw HOSError.usage("restore from \(file): that is the memory file itself") }
        let since = try source.read("read backup audit log") { db in
            try db.one(String.self, "SELECT max(at) FROM audit_log") ?? ""
        }
        // A damaged memory file is what restore is for: it is replaced, but its audit entries are not read
        // as if whole (they are dropped, with a warning).
        var later: [SQLRow] = []
        do {
            try verify("read audit log")
            later = try read("read audit log") { db in
                try db.rows("SELECT at, action, detail FROM audit_log WHERE at > ? ORDER BY id", [since])
            }
        } catch let e as HOSError where Self.damageReason(e, path: path) != nil {
            printError(
                "hos-memory: warning: \(path) is damaged: its audit entries after the backup are not carried over")
        }
        do {
            try Self.retrying { try source.queue.backup(to: queue) }
        } catch {
            throw Self.failure("restore from \(file)", error, path: path)
        }
        try withoutTransaction("restore") { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
        try migrate()
        let undone = later.filter { ($0["action"] as String) == "forget" }.count
        try write("restore") { db in
            for row in later {
                try db.execute(
                    "INSERT INTO audit_log (at, action, user_hash, detail) VALUES (?, ?, '', ?)",
                    [row["at"] as SQLValue, row["action"] as SQLValue, row["detail"] as SQLValue])
            }
            try audit("restore", detail: ["forgets_undone": .number(Double(undone))], at: at, in: db)
        }
        return undone
    }
}

extension MemoryStore {
    /// Runs raw SQL in a write transaction: for tests that break the file on purpose.
    func testExecute(_ sql: String) throws {
        try liteWrite("test") { db in try db.execute(sql: sql) }
    }

    /// The first column of a query's rows as text: for tests.
    func testQuery(_ sql: String) throws -> [String] {
        try read("test") { db in try db.column(String.self, sql) }
    }
}
