// The memory's database as its logic sees it, whichever engine holds it: statements with `?` parameters,
// values and rows of four kinds, and the few spellings in which SQLite and PostgreSQL differ. SQLite (here,
// over GRDB) and PostgreSQL (HOSPostgres) implement it.

import GRDB
import HOSCore

/// A value bound to a parameter or read from a column: the four kinds SQLite stores and hos uses.
public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int)
    case double(Double)
    case text(String)
}

/// A Swift value that can be bound to a parameter.
public protocol SQLBindable { var sqlValue: SQLValue { get } }
extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Substring: SQLBindable { public var sqlValue: SQLValue { .text(String(self)) } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .int(self) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .double(self) } }
/// Booleans are stored as 0 and 1 by both engines' hos schemas, as SQLite stores them.
extension Bool: SQLBindable { public var sqlValue: SQLValue { .int(self ? 1 : 0) } }
extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }

/// A statement's arguments, written as an array literal of bindable values and nils.
public struct SQLArguments: ExpressibleByArrayLiteral, Sendable, Equatable {
    public var values: [SQLValue]
    public init(_ values: [SQLValue]) { self.values = values }
    public init(arrayLiteral elements: (any SQLBindable)?...) { values = elements.map { $0?.sqlValue ?? .null } }
}

/// A Swift value a column can be read as. Reading is lenient, as SQLite's own conversions are: an integer
/// column reads as a Double, a number as text; NULL reads as nil (or 0, "" for the non-optional types).
public protocol SQLReadable {
    static func read(_ value: SQLValue) -> Self
}
extension String: SQLReadable {
    public static func read(_ v: SQLValue) -> String {
        switch v {
        case .null: ""
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .text(let s): s
        }
    }
}
extension Int: SQLReadable {
    public static func read(_ v: SQLValue) -> Int {
        switch v {
        case .null: 0
        case .int(let i): i
        case .double(let d): d.isFinite ? Int(d) : 0
        case .text(let s): Int(s) ?? 0
        }
    }
}
extension Double: SQLReadable {
    public static func read(_ v: SQLValue) -> Double {
        switch v {
        case .null: 0
        case .int(let i): Double(i)
        case .double(let d): d
        case .text(let s): Double(s) ?? 0
        }
    }
}
extension Bool: SQLReadable { public static func read(_ v: SQLValue) -> Bool { Int.read(v) != 0 } }
extension SQLValue: SQLReadable { public static func read(_ v: SQLValue) -> SQLValue { v } }
extension Optional: SQLReadable where Wrapped: SQLReadable {
    public static func read(_ v: SQLValue) -> Wrapped? { v == .null ? nil : Wrapped.read(v) }
}

/// One row of a result, its columns by position and by name.
public struct SQLRow: Sendable, Equatable {
    public let names: [String]
    public let values: [SQLValue]

    public init(names: [String], values: [SQLValue]) {
        self.names = names
        self.values = values
    }

    public subscript<T: SQLReadable>(_ index: Int) -> T { T.read(index < values.count ? values[index] : .null) }
    public subscript<T: SQLReadable>(_ name: String) -> T {
        T.read(names.firstIndex(of: name).map { values[$0] } ?? .null)
    }
}

/// Which engine a statement runs on, for the few spellings that differ.
public enum SQLDialect: Sendable {
    case sqlite, postgresql

    /// The text at `path` (keys, e.g. ["readiness", "state"]) of a JSON document held in a text column, or NULL.
    public func jsonText(_ column: String, _ path: [String]) -> String {
        switch self {
        case .sqlite: "json_extract(\(column), '$.\(path.joined(separator: "."))')"
        case .postgresql: "(\(column)::jsonb #>> '{\(path.joined(separator: ","))}')"
        }
    }

    /// The smaller of two values (SQLite's two-argument min, PostgreSQL's least).
    public func least(_ a: String, _ b: String) -> String {
        switch self {
        case .sqlite: "min(\(a), \(b))"
        case .postgresql: "least(\(a), \(b))"
        }
    }

    /// The larger of two values (SQLite's two-argument max, PostgreSQL's greatest).
    public func greatest(_ a: String, _ b: String) -> String {
        switch self {
        case .sqlite: "max(\(a), \(b))"
        case .postgresql: "greatest(\(a), \(b))"
        }
    }
}

/// A memory that a URL names rather than a file: its transactions, each through MemorySQL, and its
/// migrations, applied when it is opened.
public protocol MemoryEngine: AnyObject {
    /// The URL without secrets, for messages.
    var display: String { get }
    /// Runs `body` in one transaction (serializable when it writes), run again when the engine aborts it
    /// for a conflict with another writer.
    func transaction<T>(_ operation: String, write: Bool, _ body: (any MemorySQL) throws -> T) throws -> T
    /// The names of the migrations applied, in order.
    func appliedMigrations() throws -> [String]
}

/// The engines a memory URL may name. HOSPostgres provides PostgreSQL's; the commands install it.
public enum MemoryEngines {
    /// Opens the engine of a URL with the process environment (credentials); nil: none installed.
    nonisolated(unsafe) public static var open: ((String, [String: String]) throws -> any MemoryEngine)?

    /// Whether `text` names a PostgreSQL memory rather than a file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }
}

/// One connection's view of the memory's database inside a transaction.
public protocol MemorySQL: AnyObject {
    var dialect: SQLDialect { get }
    /// Runs a statement (`?` parameters); returns how many rows it changed.
    @discardableResult func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int
    /// Runs a query (`?` parameters); returns its rows.
    func rows(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow]
}

extension MemorySQL {
    /// The first column of the first row, or nil when there is none or it is NULL.
    public func one<T: SQLReadable>(_ type: T.Type, _ sql: String, _ arguments: SQLArguments = []) throws -> T? {
        guard let row = try rows(sql, arguments).first, let v = row.values.first, v != .null else { return nil }
        return T.read(v)
    }

    /// The first column of every row.
    public func column<T: SQLReadable>(_ type: T.Type, _ sql: String, _ arguments: SQLArguments = []) throws -> [T] {
        try rows(sql, arguments).map { T.read($0.values.first ?? .null) }
    }
}

/// The SQLite implementation, over a GRDB connection: each statement prepared once per connection and run
/// through SQLite's C API, values bound and read without GRDB's argument arrays and rows (per record those
/// cost about as much as the insert itself).
public final class SQLiteSQL: MemorySQL {
    let db: Database
    /// The connection's prepared statements by their SQL (the store's, so they outlive a transaction).
    let cache: StatementCache
    public var dialect: SQLDialect { .sqlite }

    init(_ db: Database, cache: StatementCache) {
        self.db = db
        self.cache = cache
    }

    @discardableResult
    public func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int {
        let s = try cache.statement(sql, in: db)
        s.bind(arguments)
        return try s.run()
    }

    public func rows(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        let s = try cache.statement(sql, in: db)
        s.bind(arguments)
        let names = s.columnNames
        var rows: [SQLRow] = []
        while try s.step() { rows.append(SQLRow(names: names, values: s.values())) }
        return rows
    }
}

/// Prepared statements of one connection by their SQL.
final class StatementCache {
    var statements: [String: RawStatement] = [:]

    /// The statement for `sql`, prepared on first use, reset for the caller to bind.
    func statement(_ sql: String, in db: Database) throws -> RawStatement {
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
}
