// HOSPostgres against a real server: URLs read as libpq reads them, TLS verified (verify-full with the test's
// own CA, refused with another), the password from .pgpass, and the queue's claims fenced by their lease.

import Foundation
import HOSCore
import HOSTestSupport
import Testing

@testable import HOSPostgres

@Suite struct AddressTests {
    @Test func theURLBeatsTheEnvironmentWhichBeatsLibpqsDefaults() throws {
        let env = ["PGHOST": "db.example", "PGPORT": "6543", "PGUSER": "ann", "PGSSLMODE": "require", "USER": "x"]
        let a = try PGAddress(url: "postgresql://bob@127.0.0.1/hos?sslmode=verify-full", environment: env)
        #expect(a.host == "127.0.0.1" && a.port == 6543 && a.user == "bob" && a.database == "hos")
        #expect(a.sslMode == .verifyFull)
        let b = try PGAddress(url: "postgresql://", environment: ["USER": "carl"])
        #expect(b.host == "localhost" && b.port == 5432 && b.user == "carl" && b.database == "carl")
        #expect(b.sslMode == .prefer)
        #expect(b.display == "postgresql://carl@localhost:5432/carl")
    }

    @Test func badURLsAreConfigurationErrors() {
        for (url, message) in [
            ("postgresql://u:pw@h/db", "holds a password"),
            ("postgresql://h/db?sslmode=maybe", "sslmode must be one of"),
            ("postgresql://h/db?sslcert=x", "unknown parameter 'sslcert'"),
            ("postgresql://h:0/db", "port must be from 1 to 65535"),
            ("mysql://h/db", "not a postgresql:// URL"),
        ] {
            #expect {
                try PGAddress(url: url, environment: [:])
            } throws: { error in
                guard case .config(let m) = error as? HOSError else { return false }
                return m.contains(message) && !m.contains("pw@")
            }
        }
    }

    @Test func pgpassFieldsHonourEscapes() {
        #expect(PGAddress.pgpassFields(#"h:5432:db:u:p\:w\\d"#) == ["h", "5432", "db", "u", #"p:w\d"#])
    }
}

@Suite(.serialized, .enabled(if: TestPostgres.available)) struct PostgresTests {
    var pg: TestPostgres { TestPostgres.shared! }

    func connect(_ url: String, _ env: [String: String]) throws -> PGConnection {
        try PGConnection(PGAddress(url: url, environment: env), environment: env)
    }

    @Test func verifyFullConnectsOverTLS() throws {
        let c = try connect(pg.url, pg.environment)
        let row = try c.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        #expect(row.first?.bool(0) == true)
    }

    @Test func verifyFullRefusesACertificateFromAnotherCA() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hos-ca-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=other",
            "-keyout", dir + "/k", "-out", dir + "/ca.crt",
        ]
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        var parts = URLComponents(string: pg.url)!
        parts.queryItems = [
            .init(name: "sslmode", value: "verify-full"), .init(name: "sslrootcert", value: dir + "/ca.crt"),
        ]
        #expect {
            try connect(parts.url!.absoluteString, pg.environment)
        } throws: { error in
            let m = "\(error)"
            return m.hasPrefix("postgresql: connect to postgresql://hos@127.0.0.1:")
                && m.hasSuffix("connectionError: tls: certificate verify failed")
                && !m.contains(pg.password)
        }
        parts.queryItems = [
            .init(name: "sslmode", value: "verify-ca"), .init(name: "sslrootcert", value: dir + "/none"),
        ]
        #expect(throws: HOSError.self) { try connect(parts.url!.absoluteString, pg.environment) }
    }

    @Test func thePasswordComesFromAPgpassFileOnlyIfOthersCannotReadIt() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pgpass-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "# hos\nother:*:*:*:nope\n*:*:*:hos:\(pg.password)\n".write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        let c = try connect(pg.url, ["PGPASSFILE": file])
        #expect(try c.query("SELECT 1::int8").first?.int(0) == 1)
        chmod(file, 0o644)
        #expect(throws: HOSError.self) { try connect(pg.url, ["PGPASSFILE": file]) }
    }

    @Test func aClaimWhoseLeaseExpiredCannotComplete() throws {
        let q = try WorkQueue(url: try pg.freshDatabase(), environment: pg.environment)
        _ = try q.enqueue([QueuedRequest(id: "a-1", user: "u1", lines: ["{}"])])
        let first = try q.claim(worker: "w1", limit: 5, leaseSeconds: 0.2, maxAttempts: 3)
        #expect(first.map(\.attempt) == [1])
        #expect(try q.claim(worker: "w2", limit: 5, leaseSeconds: 10, maxAttempts: 3).isEmpty)
        usleep(300_000)
        let second = try q.claim(worker: "w2", limit: 5, leaseSeconds: 10, maxAttempts: 3)
        #expect(second.map(\.attempt) == [2])
        #expect(try q.finish(first[0], worker: "w1", done: true, output: ["late"], error: nil) == false)
        #expect(try q.finish(second[0], worker: "w2", done: true, output: ["{\"ok\":1}"], error: nil))
        let results = try q.finished(after: 0, limit: 10)
        #expect(results.map(\.output) == ["{\"ok\":1}\n"] && results.map(\.attempts) == [2])
    }

    @Test func aUsersRequestsRunOneAtATimeInQueueOrder() throws {
        let q = try WorkQueue(url: try pg.freshDatabase(), environment: pg.environment)
        _ = try q.enqueue([
            QueuedRequest(id: "a-1", user: "u1", lines: ["1"]), QueuedRequest(id: "a-2", user: "u1", lines: ["2"]),
            QueuedRequest(id: "b-1", user: "u2", lines: ["3"]),
        ])
        let first = try q.claim(worker: "w", limit: 10, leaseSeconds: 30, maxAttempts: 3)
        #expect(first.map(\.id) == ["a-1", "b-1"])
        #expect(try q.claim(worker: "v", limit: 10, leaseSeconds: 30, maxAttempts: 3).isEmpty)
        for r in first { _ = try q.finish(r, worker: "w", done: true, output: [], error: nil) }
        #expect(try q.claim(worker: "v", limit: 10, leaseSeconds: 30, maxAttempts: 3).map(\.id) == ["a-2"])
    }

    @Test func aRequestWhoseLeaseExpiresTooOftenFails() throws {
        let q = try WorkQueue(url: try pg.freshDatabase(), environment: pg.environment)
        _ = try q.enqueue([QueuedRequest(id: "a-1", user: "u1", lines: ["1"])])
        for _ in 0..<2 {
            #expect(try q.claim(worker: "w", limit: 1, leaseSeconds: 0.05, maxAttempts: 2).count == 1)
            usleep(100_000)
        }
        #expect(try q.claim(worker: "w", limit: 1, leaseSeconds: 0.05, maxAttempts: 2).isEmpty)
        #expect(try q.counts() == QueueCounts(pending: 0, running: 0, done: 0, failed: 1))
        #expect(try q.finished(after: 0, limit: 1).first?.error == "abandoned: lease expired after 2 attempts")
    }
}
