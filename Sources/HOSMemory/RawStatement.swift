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

    /// Binds each argument to its parameter, in order.
    func bind(_ arguments: SQLArguments) {
        for (i, v) in arguments.values.enumerated() {
            let index = Int32(i + 1)
            switch v {
            case .null: sqlite3_bind_null(handle, index)
            case .int(let n): bind(index, n)
            case .double(let d): sqlite3_bind_double(handle, index, d)
            case .text(let t): bind(index, t)
            }
        }
    }

    /// The result's column names.
    var columnNames: [String] {
        (0..<sqlite3_column_count(handle)).map { String(cString: sqlite3_column_name(handle, $0)) }
    }

    /// The current row's columns by their stored kind.
    func values() -> [SQLValue] {
        (0..<sqlite3_column_count(handle)).map { c in
            switch sqlite3_column_type(handle, c) {
            case SQLITE_NULL: .null
            case SQLITE_INTEGER: .int(Int(sqlite3_column_int64(handle, c)))
            case SQLITE_FLOAT: .double(sqlite3_column_double(handle, c))
            default: .text(text(c))
            }
        }
    }

    func bind(_ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { p in
            // An empty buffer may have no address, and a NULL pointer would bind SQL NULL, not ''.
            guard let base = p.baseAddress, p.count > 0 else {
                _ = sqlite3_bind_text(handle, index, "", 0, rawTransient)
                return
            }
            _ = sqlite3_bind_text(
                handle, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self),
                Int32(p.count), rawTransient)
        }
    }

    func bind(_ index: Int32, _ value: Double) {
        sqlite3_bind_double(handle, index, value)
    }

    func bind(_ index: Int32, _ value: Double?) {
        if let value { sqlite3_bind_double(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    func bind(_ index: Int32, _ value: Int) {
        sqlite3_bind_int64(handle, index, Int64(value))
    }

    /// Steps to the next row: true while there is one, false when done.
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw error()
    }

    /// A column of the current row as text ('' for NULL).
    func text(_ column: Int32) -> String {
        guard let p = sqlite3_column_text(handle, column) else { return "" }
        return String(
            decoding: UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(handle, column))),
            as: UTF8.self)
    }

    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }

    /// Runs the statement to completion and returns the rows it changed; a failure is GRDB's DatabaseError,
    /// so the store's retry and message mapping see it as they see any other.
    @discardableResult
    func run() throws -> Int {
        let rc = sqlite3_step(handle)
        guard rc == SQLITE_DONE else { throw error() }
        return Int(sqlite3_changes(connection))
    }

    private func error() -> DatabaseError {
        let message = String(cString: sqlite3_errmsg(connection))
        let code = sqlite3_extended_errcode(connection)
        sqlite3_reset(handle)
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
    }
}

/// SQLITE_TRANSIENT: SQLite copies the bound bytes, so Swift's buffer may go at once.
private let rawTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
