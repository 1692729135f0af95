// The storing hot path's statements, bound and stepped through SQLite's C API: per record row GRDB's
// StatementArguments (an array of existentials, converted one by one) cost about as much as the insert itself.

import GRDB
import GRDBSQLite

/// A prepared statement run with typed binds and no argument boxing. Owns the GRDB statement that finalizes it.
struct RawStatement {
    let statement: Statement
    let handle: OpaquePointer
    let connection: OpaquePointer

    init(_ sql: String, in db: Database) throws {
        statement = try db.makeStatement(sql: sql)
        handle = statement.sqliteStatement
        connection = db.sqliteConnection!
    }

    /// Clears the previous run; call before binding.
    func reset() {
        sqlite3_reset(handle)
    }

    func bind(_ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { p in
            // An empty buffer may have no address, and a NULL pointer would bind SQL NULL, not ''.
            guard let base = p.baseAddress, p.count > 0 else {
                _ = sqlite3_bind_text(handle, index, "", 0, rawTransient)
                return
            }
            _ = sqlite3_bind_text(handle, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self),
                                  Int32(p.count), rawTransient)
        }
    }

    func bind(_ index: Int32, _ value: Double) {
        sqlite3_bind_double(handle, index, value)
    }

    /// Runs the statement to completion and returns the rows it changed; a failure is GRDB's DatabaseError,
    /// so the store's retry and message mapping see it as they see any other.
    @discardableResult
    func run() throws -> Int {
        let rc = sqlite3_step(handle)
        guard rc == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(connection))
            let code = sqlite3_extended_errcode(connection)
            sqlite3_reset(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
        return Int(sqlite3_changes(connection))
    }
}

/// SQLITE_TRANSIENT: SQLite copies the bound bytes, so Swift's buffer may go at once.
private let rawTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
