// The PostgreSQL database's own tables: named, append-only migrations applied once under an advisory lock,
// so that many workers starting at once on many machines agree on one schema.

import HOSCore

/// The named migrations of hos's tables in a PostgreSQL database.
public enum PGSchema {
    /// Every migration by name, in order. Never edit a registered one; add one.
    static let migrations: [(name: String, sql: String)] = [
        (
            "2026-12-10-queue",
            """
            CREATE TABLE hos_queue (
                request_id text PRIMARY KEY,
                seq bigserial NOT NULL UNIQUE,
                user_id text NOT NULL,
                body text NOT NULL,
                events integer NOT NULL,
                state text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'running', 'done', 'failed')),
                attempts integer NOT NULL DEFAULT 0,
                worker text,
                lease_until timestamptz,
                enqueued_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                finished_at timestamptz,
                output text,
                error text);
            CREATE INDEX hos_queue_open ON hos_queue (seq) WHERE state IN ('pending', 'running');
            CREATE INDEX hos_queue_user ON hos_queue (user_id, seq);
            """
        )
    ]

    /// An advisory lock key of hos's migrations ('hos' 'migr' as two int4).
    static let migrationLock = 0x686F_735F_6D69_6772

    /// Applies the queue's migrations that `connection`'s database lacks.
    public static func migrate(_ connection: PGConnection) throws { try migrate(connection, migrations) }

    /// Applies the migrations `connection`'s database lacks, in one transaction under an advisory lock.
    static func migrate(_ connection: PGConnection, _ migrations: [(name: String, sql: String)]) throws {
        try connection.transaction("migrate") {
            try connection.execute("SELECT pg_advisory_xact_lock($1)", [.int(migrationLock)], operation: "migrate")
            try connection.execute(
                """
                CREATE TABLE IF NOT EXISTS hos_migration (
                    name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())
                """, operation: "migrate")
            let applied = Set(
                try connection.query("SELECT name FROM hos_migration", operation: "migrate").compactMap {
                    $0.string(0)
                })
            for m in migrations where !applied.contains(m.name) {
                // A migration is several statements: the simple protocol runs them as one string; the
                // extended one (with binds) takes one statement at a time.
                for statement in m.sql.split(separator: ";") where !statement.allSatisfy(\.isWhitespace) {
                    try connection.execute(String(statement), operation: "migrate \(m.name)")
                }
                try connection.execute(
                    "INSERT INTO hos_migration (name) VALUES ($1)", [.text(m.name)], operation: "migrate")
            }
        }
    }

    /// The names of the migrations applied to the database, in order.
    public static func applied(_ connection: PGConnection) throws -> [String] {
        try connection.query("SELECT name FROM hos_migration ORDER BY name", operation: "read migrations")
            .compactMap { $0.string(0) }
    }
}
