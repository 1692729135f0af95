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
    public var shortTermDays = 90
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

    /// The file's path, or the PostgreSQL URL without secrets.
    public let path: String
    public var options: MemoryOptions
    /// The SQLite file; nil when the memory is in PostgreSQL (`engine`).
    let lite: DatabaseQueue?
    /// The engine of a memory a URL names (PostgreSQL); nil for a file.
    let engine: (any MemoryEngine)?
    /// Opened read-only: nothing is written, not even the audit log.
    public let isReadOnly: Bool
    /// How long the busy handler waits; forget's checkpoint changes it for its --wait.
    let busyLimit: BusyLimit
    /// Who acts, for the audit log (the command sets the login name); empty: not recorded.
    public var actor = ""
    /// The connection's prepared statements, kept across transactions.
    let cache = StatementCache()
    /// The file's key when it is encrypted (SQLCipher); nil for a plain file.
    public let key: MemoryKey?

    /// `--memory`, else `HOS_MEMORY`, else `./hos-memory.sqlite`.
    public static func resolvePath(flag: String?, environment: [String: String]) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let env = environment["HOS_MEMORY"], !env.isEmpty { return env }
        return defaultPath
    }

    /// How much of the file is verified (`PRAGMA quick_check`) when it is opened.
    public enum OpenCheck: Sendable, Equatable {
        /// None: the command verifies what it reads itself (forget, inside its transaction), or replaces
        /// the file (restore).
        case none
        /// Files of at most `smallFileBytes` (the agents: a check of 64 MiB takes about 0.15 s; a larger file
        /// relies on SQLite noticing damage in the pages it reads, and on `hos-memory check`).
        case smallFile
        /// Always (the maintenance commands that show or copy what the file holds).
        case full
    }

    /// The size up to which an agent's open verifies the whole file.
    public static let smallFileBytes = 64 << 20

    /// Opens (creating with mode 0600 when missing, unless `create` is false) and migrates the file at `path`.
    /// With `readOnly`, the file must exist and is neither created nor migrated; in a folder where its -wal and
    /// -shm files cannot be made, and when they are absent, it is opened immutable (no writer can exist then).
    /// With `key`, the file is encrypted (SQLCipher): a new one from its first page, an existing plain one is
    /// refused (exit 78), and so is a key when the loaded SQLite cannot encrypt.
    public init(
        path: String, options: MemoryOptions = MemoryOptions(), readOnly: Bool = false,
        create: Bool = true, check: OpenCheck = .smallFile, key: MemoryKey? = nil
    ) throws {
        self.options = options
        self.isReadOnly = readOnly
        self.key = key
        busyLimit = BusyLimit(seconds: options.busyTimeoutSeconds)
        if MemoryEngines.isURL(path) {
            if key != nil {
                throw HOSError.usage(
                    "a memory key is for a memory file, not a PostgreSQL memory (TLS and the server's disk "
                        + "encryption protect that)")
            }
            guard let open = MemoryEngines.open else {
                throw HOSError.config("memory: this command cannot open a PostgreSQL memory")
            }
            let engine = try open(path, ProcessInfo.processInfo.environment)
            self.engine = engine
            self.path = engine.display
            lite = nil
            return
        }
        self.path = path
        engine = nil
        // Before the file is created: a key this SQLite cannot use never leaves an empty file behind.
        if key != nil, !Cipher.isAvailable { throw Cipher.unavailable(path) }
        var isDir: ObjCBool = false
        var sqlitePath = path
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            if isDir.boolValue { throw HOSError.io("open memory file \(path): is a directory") }
            // A file that is not SQLite is refused before anything else touches it (its mode included).
            try Self.checkHeader(path, key: key)
            if !readOnly { try Self.tightenMode(path) }
            if readOnly && Self.needsImmutable(path) { sqlitePath = Self.immutableURI(path) }
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
        config.busyMode = .callback(Self.busyWait(busyLimit))
        if !readOnly { config.journalMode = .wal }
        config.prepareDatabase { db in
            if let key { try Cipher.apply(key, to: db, path: path) }
            // secure_delete: a deleted row's bytes are overwritten (zeros) in the transaction that deletes it,
            // so that forget leaves nothing behind once the WAL is checkpointed. cell_size_check: damaged
            // pages are noticed as they are read, not read as if whole.
            try db.execute(sql: "PRAGMA secure_delete = ON; PRAGMA cell_size_check = ON")
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        }
        do {
            let queue = try Self.retrying { try DatabaseQueue(path: sqlitePath, configuration: config) }
            // A wrong key shows at the first page read.
            if key != nil { _ = try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sqlite_master") } }
            lite = queue
        } catch let e as DatabaseError where key != nil && e.resultCode == .SQLITE_NOTADB {
            throw Cipher.wrongKey(path)
        } catch {
            throw Self.failure("open memory file \(path)", error, path: path)
        }
        if !readOnly { try migrate() }
        switch check {
        case .none: break
        case .smallFile: if Self.fileSize(path) <= Self.smallFileBytes { try verify("open") }
        case .full: try verify("open")
        }
    }

    /// Whether this process can write the file: the file itself, and its -wal and -shm files (or the folder
    /// that would hold them). Read commands open a file they cannot write read-only.
    public static func isWritable(_ path: String) -> Bool {
        // A server decides itself what a role may write.
        if MemoryEngines.isURL(path) { return true }
        guard access(path, W_OK) == 0 else { return false }
        let folder = (path as NSString).deletingLastPathComponent
        if access(folder.isEmpty ? "." : folder, W_OK) == 0 { return true }
        return access(path + "-wal", W_OK) == 0 && access(path + "-shm", W_OK) == 0
    }

    /// A read-only open that cannot make the -shm file SQLite needs for a WAL file.
    static func needsImmutable(_ path: String) -> Bool {
        let folder = (path as NSString).deletingLastPathComponent
        return access(folder.isEmpty ? "." : folder, W_OK) != 0 && access(path + "-shm", F_OK) != 0
            && access(path + "-wal", F_OK) != 0
    }

    /// `path` as a URI that opens it immutable (no locks, no -shm).
    static func immutableURI(_ path: String) -> String {
        let absolute = absolutePath(path)
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        return "file:" + (absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute) + "?immutable=1"
    }

    static func fileSize(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }

    /// Refuses a file whose first bytes do not fit `key`: without a key, they must be SQLite's (an encrypted
    /// file's are random); with one, they must not be (a plain file is not encrypted by giving it a key).
    static func checkHeader(_ path: String, key: MemoryKey?) throws {
        let reason = try headerProblem(path)
        if key == nil, let reason {
            guard isPlausiblyEncrypted(path) else { throw damaged(path, "open", reason) }
            throw HOSError.io(
                "memory file \(path): encrypted, or not a SQLite file: give its key with --memory-key-file "
                    + "or \(MemoryKey.environmentVariable)")
        }
        // Checked here, before the mode is touched: SQLCipher would say the same at the first page.
        if key != nil, reason != nil, !isPlausiblyEncrypted(path) { throw Cipher.wrongKey(path) }
        if key != nil, reason == nil, fileSize(path) > 0 {
            throw HOSError.config(
                "memory file \(path): not encrypted, and a key was given; 'hos-memory encrypt' encrypts it")
        }
    }

    /// Whether the file at `path` exists and is plain SQLite (true), is not (false: encrypted, or no database at
    /// all), or is missing or empty (nil).
    public static func isPlain(_ path: String) -> Bool? {
        guard fileSize(path) > 0 else { return nil }
        do { return try headerProblem(path) == nil } catch { return nil }
    }

    /// Whether a file that is not plain SQLite may be an encrypted one: whole pages of SQLCipher's size.
    static func isPlausiblyEncrypted(_ path: String) -> Bool {
        let size = fileSize(path)
        return size >= 4096 && size % 1024 == 0
    }

    /// Why the file's first bytes are not those of an SQLite database (nil: they are, or the file is empty).
    static func headerProblem(_ path: String) throws -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw HOSError.io("open memory file \(path): \(errnoText())") }
        defer { close(fd) }
        let header = Array((try? FileHandle(fileDescriptor: fd, closeOnDealloc: false).read(upToCount: 16)) ?? Data())
        if header.isEmpty { return nil }
        return header == Array("SQLite format 3\0".utf8) ? nil : "file is not a database"
    }

    /// `PRAGMA quick_check` of the whole file; damage is an error (exit 74) naming the first problem.
    public func verify(_ operation: String) throws {
        try read(operation) { db in try Self.requireSound(db, path: path, operation) }
    }

    /// Throws the damaged-file error (exit 74) when `PRAGMA quick_check` of `db` finds a problem, naming the
    /// first and how many more; `consequence` says what was therefore left undone.
    static func requireSound(
        _ db: any MemorySQL, path: String, _ operation: String, consequence: String = ""
    ) throws {
        let problems = try quickCheck(db)
        guard let first = problems.first else { return }
        let more = problems.count > 1 ? " (and \(problems.count - 1) more)" : ""
        throw damaged(path, operation, printable(first, limit: 120) + more + consequence)
    }

    /// The problems `PRAGMA quick_check` finds (empty: none).
    static func quickCheck(_ db: any MemorySQL) throws -> [String] {
        // PostgreSQL checks its pages itself (data checksums, amcheck): there is no quick_check to ask.
        guard db.dialect == .sqlite else { return [] }
        return findings(try db.column(String.self, "PRAGMA quick_check(20)"))
    }

    /// Waits for a lock held by another process in steps of 0.1 ms growing to 1 ms, up to `limit.seconds` in
    /// all, measured on the clock (a sleep lasts longer than asked on a busy machine: counting sleeps made a
    /// 10 s wait 11 s). SQLite's own busy timeout sleeps up to 100 ms at a time, so processes that share the
    /// file (`hos-run --jobs`) took turns at the pace of its sleeps, not of their transactions.
    static func busyWait(_ limit: BusyLimit) -> Database.BusyCallback {
        { tries in
            let now = DispatchTime.now().uptimeNanoseconds
            if tries == 0 { limit.started = now }
            guard Double(now - limit.started) < max(0, limit.seconds) * 1e9 else { return false }
            usleep(useconds_t(min(1000, 100 << min(tries, 4))))
            return true
        }
    }

    /// An existing file readable or writable by group or others loses those bits (0644 becomes 0600, 0444
    /// 0400: a file kept read-only stays so), with one warning line.
    static func tightenMode(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw HOSError.io("open memory file \(path): \(errnoText())") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw HOSError.io("open memory file \(path): \(errnoText())") }
        guard st.st_mode & 0o077 != 0 else { return }
        let mode = st.st_mode & 0o700
        guard fchmod(fd, mode) == 0 else { throw HOSError.io("set mode of memory file \(path): \(errnoText())") }
        printError("hos-memory: warning: \(path): mode set to 0" + String(mode, radix: 8))
    }

    // MARK: - Transactions

    /// Runs `body` in one IMMEDIATE transaction (the write lock from the start, so two writers never
    /// deadlock on a lock upgrade), retrying on SQLITE_BUSY; any failure becomes `HOSError.io`.
    @discardableResult
    public func write<T>(_ operation: String, _ body: (any MemorySQL) throws -> T) throws -> T {
        if let engine { return try engine.transaction(operation, write: true, body) }
        return try transaction(.immediate, operation) { db in try body(SQLiteSQL(db, cache: cache)) }
    }

    /// Runs `body` in one read transaction (a consistent snapshot); any failure becomes `HOSError.io`.
    ///
    /// A deferred transaction rather than `queue.read`: GRDB's read toggles `PRAGMA query_only`, and SQLite
    /// expires every prepared statement on that pragma, so each read re-prepared all the cached statements
    /// (a third of hos-adapt's time).
    public func read<T>(_ operation: String, _ body: (any MemorySQL) throws -> T) throws -> T {
        if let engine { return try engine.transaction(operation, write: false, body) }
        return try transaction(.deferred, operation) { db in try body(SQLiteSQL(db, cache: cache)) }
    }

    /// The SQLite file's connection queue; what only a file has (pragmas, backup, vacuum) is refused for a
    /// PostgreSQL memory.
    var queue: DatabaseQueue {
        get throws {
            guard let lite else { throw HOSError.usage("not available for a PostgreSQL memory (\(path))") }
            return lite
        }
    }

    /// Whether the memory is a SQLite file (else a PostgreSQL database).
    public var isFile: Bool { lite != nil }

    /// As `write`, with SQLite's own connection (pragmas, the backup API, the migrator).
    func liteWrite<T>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
        try transaction(.immediate, operation, body)
    }

    /// As `read`, with SQLite's own connection.
    func liteRead<T>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
        try transaction(.deferred, operation, body)
    }

    private func transaction<T>(
        _ kind: Database.TransactionKind, _ operation: String,
        _ body: (Database) throws -> T
    ) throws -> T {
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
            throw Self.failure(operation, error, path: path)
        }
    }

    /// Runs `body` outside any transaction (VACUUM, backup); any failure becomes `HOSError.io`.
    func withoutTransaction<T>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try Self.retrying { try queue.writeWithoutTransaction { db in try body(db) } }
        } catch {
            throw Self.failure(operation, error, path: path)
        }
    }

    /// Retries SQLITE_BUSY and SQLITE_LOCKED (beyond the busy timeout's own waiting) with a growing pause.
    static func retrying<T>(_ body: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                return try body()
            } catch let e as DatabaseError
                where (e.resultCode == .SQLITE_BUSY || e.resultCode == .SQLITE_LOCKED)
                && attempt < 8
            {
                attempt += 1
                usleep(UInt32(min(500, 5 << attempt)) * 1000)
            }
        }
    }

    /// A short lowercase message naming the operation and SQLite's reason; never the SQL's arguments.
    /// Damage (SQLITE_CORRUPT, SQLITE_NOTADB) gets its own message, which says what to do.
    static func failure(_ operation: String, _ error: Error, path: String) -> HOSError {
        if let e = error as? HOSError { return e }
        if let e = error as? DatabaseError {
            let reason = e.message.map { $0.lowercased() } ?? "sqlite error \(e.resultCode.rawValue)"
            if isDamage(e) { return damaged(path, operation, reason) }
            return .io("\(operation): sqlite error \(e.resultCode.rawValue): \(reason)")
        }
        return .io("\(operation): \(error)")
    }

    /// Whether SQLite says the file is damaged or not a database at all.
    static func isDamage(_ e: DatabaseError) -> Bool {
        e.resultCode == .SQLITE_CORRUPT || e.resultCode == .SQLITE_NOTADB
    }

    /// The error of a damaged file (exit 74), saying what to do about it.
    static func damaged(_ path: String, _ operation: String, _ reason: String) -> HOSError {
        .io("\(damagePrefix)\(path): \(operation): \(reason)\(damageAdvice)")
    }

    private static let damagePrefix = "memory file damaged: "
    private static let damageAdvice = "; run 'hos-memory check'; restore from a backup"

    /// What `damaged` said was wrong with the file at `path` (after the operation), or nil for an error that is
    /// not damage.
    static func damageReason(_ e: HOSError, path: String) -> String? {
        let head = damagePrefix + path + ": "
        guard case .io(let message) = e, message.hasPrefix(head), message.hasSuffix(damageAdvice) else { return nil }
        let rest = message.dropFirst(head.count).dropLast(damageAdvice.count)
        // Operations hold no ": ".
        return rest.range(of: ": ").map { String(rest[$0.upperBound...]) } ?? String(rest)
    }

    /// The lines of an integrity or quick check, without the ones naming the schema ("*** in database main ***").
    static func findings(_ lines: [String]) -> [String] {
        lines == ["ok"]
            ? []
            : lines.flatMap { $0.split(separator: "\n").map(String.init) }
                .filter { !$0.hasPrefix("*** in database") }
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
                // What a migration overwrote (the audit log's old hashes) lives on in the WAL and in the
                // main file's old pages until a checkpoint; one is tried at once, without waiting for readers.
                _ = try? checkpoint(waitSeconds: 0)
                return
            } catch {
                attempt += 1
                if attempt >= 6 || (error as? DatabaseError).map(Self.isDamage) == true {
                    throw Self.failure("migrate memory file", error, path: path)
                }
                usleep(UInt32(20_000 * attempt))
            }
        }
    }

    /// The names of the migrations applied to the file, in order.
    public func appliedMigrations() throws -> [String] {
        if let engine { return try engine.appliedMigrations() }
        return try liteRead("read migrations") { db in try Schema.migrator.appliedMigrations(db) }
    }

    /// The schema as sorted `CREATE` statements, for the golden test and `check`.
    public func schemaDump() throws -> String {
        try liteRead("read schema") { db in
            let sql = try String.fetchAll(
                db,
                sql: """
                    SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY sql
                    """)
            return sql.map { $0 + ";\n" }.joined()
        }
    }
}

/// `path`, relative to the working directory when it does not begin with "/".
func absolutePath(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}

/// The busy handler's limit, which forget changes for its checkpoint after the file is open.
final class BusyLimit: @unchecked Sendable {
    var seconds: Double
    /// When the current wait began (the busy handler's first try), in uptime nanoseconds.
    var started: UInt64 = 0
    init(seconds: Double) { self.seconds = seconds }
}
