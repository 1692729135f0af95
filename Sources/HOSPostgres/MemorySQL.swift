// The memory's SQL interface (HOSMemory's MemorySQL) on PostgreSQL: `?` parameters numbered as $1, $2, …,
// values bound by their kind, and columns read back as the four kinds SQLite has.

import Foundation
import HOSCore
import HOSMemory
import PostgresNIO

/// MemorySQL over one PostgreSQL connection, inside the caller's transaction.
public final class PostgresSQL: MemorySQL {
    let connection: PGConnection
    /// Statements already renumbered, by their `?` text.
    var numbered: [String: String] = [:]
    public var dialect: SQLDialect { .postgresql }

    public init(_ connection: PGConnection) { self.connection = connection }

    @discardableResult
    public func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int {
        try connection.execute(renumber(sql), Self.binds(arguments), operation: Self.operation(sql))
    }

    public func rows(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        let rows = try connection.query(renumber(sql), Self.binds(arguments), operation: Self.operation(sql))
        guard let first = rows.first else { return [] }
        let names = first.cells.map(\.columnName)
        return rows.map { row in SQLRow(names: names, values: row.cells.map(Self.value)) }
    }

    /// A failed statement's name in messages: its first words (SQL text only; never a bound value).
    static func operation(_ sql: String) -> String {
        let words = sql.split(whereSeparator: \.isWhitespace).prefix(6).joined(separator: " ")
        return "memory: " + printable(words, limit: 60)
    }

    func renumber(_ sql: String) -> String {
        if let done = numbered[sql] { return done }
        let done = Self.renumbered(sql)
        numbered[sql] = done
        return done
    }

    /// `sql` with each `?` outside quotes and comments replaced by $1, $2, … in order.
    static func renumbered(_ sql: String) -> String {
        var out = ""
        var n = 0
        var quote: Character?
        var comment = false
        var previous: Character = " "
        for c in sql {
            if comment {
                if c == "\n" { comment = false }
            } else if let q = quote {
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == "-" && previous == "-" {
                comment = true
            } else if c == "?" {
                n += 1
                out += "$\(n)"
                previous = c
                continue
            }
            out.append(c)
            previous = c
        }
        return out
    }

    static func binds(_ a: SQLArguments) -> [PGValue] {
        a.values.map { v in
            switch v {
            case .null: .null
            case .int(let i): .int(i)
            case .double(let d): .double(d)
            case .text(let s): .text(s)
            }
        }
    }

    /// A column as one of SQLite's four kinds: integers and booleans as integers, float and numeric as
    /// doubles, everything else as its text.
    static func value(_ cell: PostgresCell) -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return (try? cell.decode(Int.self)).map(SQLValue.int) ?? .null
        case .bool: return (try? cell.decode(Bool.self)).map { .int($0 ? 1 : 0) } ?? .null
        case .float4, .float8: return (try? cell.decode(Double.self)).map(SQLValue.double) ?? .null
        case .numeric:
            return (try? cell.decode(Decimal.self)).map { .double(NSDecimalNumber(decimal: $0).doubleValue) } ?? .null
        default: return (try? cell.decode(String.self)).map(SQLValue.text) ?? .null
        }
    }
}
