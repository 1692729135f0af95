// HOSMemory's SQL interface on both engines: the same statements, with the same `?` arguments, change and
// return the same things on a real SQLite file and a real PostgreSQL database.

import Foundation
import HOSCore
import HOSMemory
import HOSTestSupport
import Testing

@testable import HOSPostgres

@Suite(.serialized, .enabled(if: TestPostgres.available)) struct MemorySQLTests {
    /// Runs `body` on a fresh SQLite memory file and on a fresh PostgreSQL database, each in a transaction,
    /// after the same table is made in each engine's types.
    func onBoth<T: Equatable>(_ body: (any MemorySQL) throws -> T) throws -> (sqlite: T, postgresql: T) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hos-sql-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try MemoryStore(path: dir.appendingPathComponent("m.sqlite").path)
        let lite = try store.write("test") { sql in
            try sql.execute(
                "CREATE TABLE t (user_id TEXT NOT NULL, k TEXT NOT NULL, n INTEGER, x REAL, doc TEXT, PRIMARY KEY (user_id, k))",
                [])
            return try body(sql)
        }
        let pg = TestPostgres.shared!
        let c = try PGConnection(
            PGAddress(url: try pg.freshDatabase(), environment: pg.environment), environment: pg.environment)
        let post = try c.transaction("test") {
            let sql = PostgresSQL(c)
            try sql.execute(
                #"CREATE TABLE t (user_id text COLLATE "C" NOT NULL, k text COLLATE "C" NOT NULL, n bigint, x double precision, doc text, PRIMARY KEY (user_id, k))"#,
                [])
            return try body(sql)
        }
        return (lite, post)
    }

    @Test func upsertsCountTheSameChanges() throws {
        let r = try onBoth { sql -> [Int] in
            let insert = "INSERT INTO t (user_id, k, n, x) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
            let upsert = """
                INSERT INTO t (user_id, k, n, x) VALUES (?, ?, ?, ?)
                ON CONFLICT (user_id, k) DO UPDATE SET n = excluded.n, x = excluded.x WHERE excluded.n > t.n
                """
            return [
                try sql.execute(insert, ["u1", "a", 1, 0.5]), try sql.execute(insert, ["u1", "a", 2, nil]),
                try sql.execute(upsert, ["u1", "a", 0, 9.0]), try sql.execute(upsert, ["u1", "a", 5, 9.0]),
                try sql.execute("DELETE FROM t WHERE user_id = ?", ["u2"]),
                try sql.execute("UPDATE t SET x = x * 2 WHERE user_id = ?", ["u1"]),
            ]
        }
        #expect(r.sqlite == [1, 0, 0, 1, 0, 1])
        #expect(r.postgresql == r.sqlite)
    }

    @Test func valuesReadBackAlikeWhateverTheEngine() throws {
        struct Read: Equatable {
            var k: String, n: Int?, x: Double?, count: Int, sum: Int, avg: Double, literal: String, bound: String
        }
        let r = try onBoth { sql -> [Read] in
            for (k, n, x) in [("B", 3, 0.1 + 0.2), ("a", 1, 1e-300), ("c", 2, -0.0)] as [(String, Int, Double)] {
                try sql.execute("INSERT INTO t (user_id, k, n, x) VALUES (?, ?, ?, ?)", ["u", k, n, x])
            }
            try sql.execute("INSERT INTO t (user_id, k, n, x) VALUES (?, ?, ?, ?)", ["u", "d?'", nil, nil])
            return try sql.rows(
                """
                SELECT k, n, x, (SELECT count(*) FROM t) AS count, (SELECT sum(n) FROM t) AS sum,
                       (SELECT avg(n) FROM t) AS avg, '?' AS literal, ? AS bound
                FROM t WHERE user_id = ? ORDER BY k
                """, ["it's ?", "u"]
            ).map { row in
                Read(
                    k: row["k"], n: row["n"], x: row["x"], count: row["count"], sum: row["sum"], avg: row["avg"],
                    literal: row["literal"], bound: row["bound"])
            }
        }
        // Text sorts by its bytes in both (PostgreSQL's columns are COLLATE "C"): "B" before "a".
        #expect(r.sqlite.map(\.k) == ["B", "a", "c", "d?'"])
        #expect(r.sqlite.first?.x == 0.1 + 0.2 && r.sqlite[1].x == 1e-300)
        #expect(
            r.sqlite.allSatisfy {
                $0.count == 4 && $0.sum == 6 && $0.avg == 2 && $0.literal == "?" && $0.bound == "it's ?"
            })
        #expect(r.postgresql == r.sqlite)
    }

    @Test func theDialectsReadJSONAlike() throws {
        let r = try onBoth { sql -> [String?] in
            try sql.execute(
                "INSERT INTO t (user_id, k, doc) VALUES (?, ?, ?)", ["u", "k", #"{"a":{"b":"x","n":1.5}}"#])
            let d = sql.dialect
            let row = try sql.rows(
                "SELECT \(d.jsonText("doc", ["a", "b"])) AS b, \(d.jsonText("doc", ["a", "n"])) AS n, "
                    + "\(d.jsonText("doc", ["zz"])) AS missing, \(d.greatest("2", "7")) AS g FROM t", []
            ).first
            return [row?["b"], row.map { String(Double.read($0.values[1])) }, row?["missing"], row?["g"]]
        }
        #expect(r.sqlite == ["x", "1.5", nil, "7"])
        #expect(r.postgresql == r.sqlite)
    }

    @Test func questionMarksAreNumberedOutsideQuotesAndComments() {
        #expect(
            PostgresSQL.renumbered("SELECT ?, '?', \"a?\" -- ?\n, ? WHERE x = ?")
                == "SELECT $1, '?', \"a?\" -- ?\n, $2 WHERE x = $3")
    }
}
