// The memory file: opening it (mode 0600, WAL, busy timeout), migrating it, and running transactions
// with retry, every SQLite failure mapped to HOSError.io with a short message naming the operation.

import Foundation
import GRDB
import HOSCore

/// Tunables of the memory, each with its documented default.
public struct MemoryOptions: Sendable, Equatable {
    /// Hours a working-memory row lives after its analysis_request's timestamp.
    public var sessionTTLHours = 24
    /// Days of daily records kept in the short-term layer, counted back from the user's latest record date
    /// (at most the consolidation's own date; a record dated after that date + 1 day moves nothing).
    public var shortTermDays = 30
    /// Ranked items (strategies, earlier analyses, insights) a memory_context holds at most.
    public var contextItems = 12
    /// Bytes a memory_context payload holds at most; the lowest-ranked items go first.
    public var contextBytes = 16_384
    /// Keep every consumed event's line in event_log (debugging).
    public var logEvents = false
    /// Seconds a writer waits for another process's lock before retrying.
    public var busyTimeoutSeconds = 10.0

    public init() {}
}

/// One open memory file. Not shared between threads; one per process is the intended use.
public final class MemoryStore {
    /// The default file, relative to the working directory.
    public static let defaultPath = "./hos-memory.sqlite"

    public let path: String
    public var options: MemoryOptions
    let queue: DatabaseQueue
    /// Who acts, for the audit log (the command sets the login name); empty: not recorded.
    public var actor = ""
    /// The hot path's statements by their SQL, prepared once on the queue's one connection.
    var statements: [String: RawStatement] = [:]

    /// A hot statement, prepared once per connection and reset for the caller to bind.
    func raw(_ sql: String, in db: Database) throws -> RawStatement {
        let s: RawStatement
        if let cached = statements[sql] {
            s = cached
        } else {
            s = try RawStatement(sql, in: db)
            statements[sql] = s
        }
        s.reset()
        return s
    }

    /// `--memory`, else `HOS_MEMORY`, else `./hos-memory.sqlite`.
    public static func resolvePath(flag: String?, environment: [String: String]) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let env = environment["HOS_MEMORY"], !env.isEmpty { return env }
        return defaultPath
    }

    /// Opens (creating with mode 0600 when missing, unless `create` is false) and migrates the file at `path`.
    /// With `readOnly`, the file must exist and is neither created nor migrated.
    public init(path: String, options: MemoryOptions = MemoryOptions(), readOnly: Bool = false,
                create: Bool = true) throws {
        self.path = path
        self.options = options
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            if isDir.boolValue { throw HOSError.io("open memory file \(path): is a directory") }
            if !readOnly { try Self.tightenMode(path) }
        } else {
            if readOnly || !create { throw HOSError.noInput(path, "no such memory file") }
            // Created here, not by SQLite, so that the mode is 0600 from the first byte; SQLite gives the
            // -wal and -shm files the mode of the database file.
            let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard fd >= 0 else { throw HOSError.io("create memory file \(path): \(errnoText())") }
            close(fd)
        }
        var config = Configuration()
        config.label = "hos-memory"
        config.readonly = readOnly
        config.busyMode = .callback(Self.busyWait(seconds: options.busyTimeoutSeconds))
        if !readOnly { config.journalMode = .wal }
        config.prepareDatabase { db in
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        }
        do {
            queue = try Self.retrying { try DatabaseQueue(path: path, configuration: config) }
        } catch {
            throw Self.failure("open memory file \(path)", error)
        }
        if !readOnly { try migrate() }
    }

    /// Waits for a lock held by another process in steps of 0.1 ms growing to 1 ms, up to `seconds` in all.
    /// SQLite's own busy timeout sleeps up to 100 ms at a time, so processes that share the file (`hos-run
    /// --jobs`) took turns at the pace of its sleeps, not of their transactions.
    static func busyWait(seconds: Double) -> Database.BusyCallback {
        let limitMicroseconds = max(0, seconds) * 1_000_000
        return { tries in
            // Slept so far: 100, 200, 400, 800 µs, then 1 ms a try.
            let slept = tries < 4 ? Double((1 << tries) - 1) * 100 : 1500 + Double(tries - 4) * 1000
            guard slept < limitMicroseconds else { return false }
            usleep(useconds_t(min(1000, 100 << min(tries, 4))))
            return true
        }
    }

    /// An existing file readable or writable by group or others is set to 0600, with one warning line.
    static func tightenMode(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw HOSError.io("open memory file \(path): \(errnoText())") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw HOSError.io("open memory file \(path): \(errnoText())") }
        guard st.st_mode & 0o077 != 0 else { return }
        guard fchmod(fd, 0o600) == 0 else { throw HOSError.io("set mode of memory file \(path): \(errnoText())") }
        printError("hos-memory: warning: \(path): mode set to 0600")
    }

    // MARK: - Transactions

    /// Runs `body` in one IMMEDIATE transaction (the write lock from the start, so two writers never
    /// deadlock on a lock upgrade), retrying on SQLITE_BUSY; any failure becomes `HOSError.io`.
    public func write<T>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
        try transaction(.immediate, operation, body)
    }

    /// Runs `body` in one read transaction (a consistent snapshot); any failure becomes `HOSError.io`.
    ///
    /// A deferred transaction rather than `queue.read`: GRDB's read toggles `PRAGMA query_only`, and SQLite
    /// expires every prepared statement on that pragma, so each read re-prepared all the cached statements
    /// (a third of hos-adapt's time).
    public func read<T>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
        try transaction(.deferred, operation, body)
    }

    private func transaction<T>(_ kind: Database.TransactionKind, _ operation: String,
                                _ body: (Database) throws -> T) throws -> T {
        do {
            return try Self.retrying {
                try queue.writeWithoutTransaction { db in
                    var result: T?
                    try db.inTransaction(kind) {
                        result = try body(db)
                        return .commit
                    }
                    return result!
                }
            }
        } catch {
            throw Self.failure(operation, error)
        }
    }

    /// Runs `body` outside any transaction (VACUUM, backup); any failure becomes `HOSError.io`.
    func withoutTransaction<T>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try Self.retrying { try queue.writeWithoutTransaction { db in try body(db) } }
        } catch {
            throw Self.failure(operation, error)
        }
    }

    /// Retries SQLITE_BUSY and SQLITE_LOCKED (beyond the busy timeout's own waiting) with a growing pause.
    static func retrying<T>(_ body: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                return try body()
            } catch let e as DatabaseError where (e.resultCode == .SQLITE_BUSY || e.resultCode == .SQLITE_LOCKED)
                && attempt < 8 {
                attempt += 1
                usleep(UInt32(min(500, 5 << attempt)) * 1000)
            }
        }
    }

    /// A short lowercase message naming the operation and SQLite's reason; never the SQL's arguments.
    static func failure(_ operation: String, _ error: Error) -> HOSError {
        if let e = error as? HOSError { return e }
        if let e = error as? DatabaseError {
            let reason = e.message.map { ": " + $0.lowercased() } ?? ""
            return .io("\(operation): sqlite error \(e.resultCode.rawValue)\(reason)")
        }
        return .io("\(operation): \(error)")
    }

    // MARK: - Migrations

    /// Applies the named migrations that the file lacks. Several processes may open a new file at once:
    /// a migration that loses the race fails inside its rolled-back transaction and is retried, and then
    /// finds the winner's work applied.
    func migrate() throws {
        let migrator = Schema.migrator
        var attempt = 0
        while true {
            do {
                if try queue.read({ try migrator.hasCompletedMigrations($0) }) { return }
                try migrator.migrate(queue)
                return
            } catch {
                attempt += 1
                if attempt >= 6 { throw Self.failure("migrate memory file", error) }
                usleep(UInt32(20_000 * attempt))
            }
        }
    }

    /// The names of the migrations applied to the file, in order.
    public func appliedMigrations() throws -> [String] {
        try read("read migrations") { db in try Schema.migrator.appliedMigrations(db) }
    }

    /// The schema as sorted `CREATE` statements, for the golden test and `check`.
    public func schemaDump() throws -> String {
        try read("read schema") { db in
            let sql = try String.fetchAll(db, sql: """
                SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY sql
                """)
            return sql.map { $0 + ";\n" }.joined()
        }
    }
}
