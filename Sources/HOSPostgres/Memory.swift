// The memory in PostgreSQL: HOSMemory's logic, unchanged, over MemorySQL on one connection; the schema's
// migrations translated from SQLite's; writers serializable, as SQLite's one writer at a time is.

import HOSCore
import HOSMemory

/// A memory in a PostgreSQL database: the engine behind `--memory postgresql://…`.
public final class PostgresMemory: MemoryEngine {
    let connection: PGConnection
    let sql: PostgresSQL
    public var display: String { connection.address.display }

    /// Connects to `url` (credentials from `environment`) and applies the memory's migrations.
    public init(url: String, environment: [String: String]) throws {
        connection = try PGConnection(PGAddress(url: url, environment: environment), environment: environment)
        sql = PostgresSQL(connection)
        try PGSchema.migrate(connection, Schema.migrations.map { ($0.name, Schema.postgresql($0.sql)) })
    }

    /// Installs PostgreSQL as the engine of `postgresql://` memories.
    public static func install() {
        MemoryEngines.open = { url, environment in try PostgresMemory(url: url, environment: environment) }
    }

    public func transaction<T>(
        _ operation: String, write: Bool, _ body: (any MemorySQL) throws -> T
    ) throws -> T {
        // Serializable: a read-modify-write of one user's rows by two workers at once is retried rather than
        // lost, as SQLite's single writer never loses it. Reads take one snapshot, as SQLite's do.
        let begin = write ? "BEGIN ISOLATION LEVEL SERIALIZABLE" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        return try connection.transaction(operation, begin: begin) { try body(sql) }
    }

    public func appliedMigrations() throws -> [String] {
        let applied = Set(try PGSchema.applied(connection))
        return Schema.migrations.map(\.name).filter(applied.contains)
    }
}
