// A PostgreSQL server for the tests that need one: the one `make pg-check` started (HOS_PG_URL), else one this
// test process starts with scripts/pg.sh on first use and stops when it exits.

import Foundation

/// The test server: its URL (sslmode=verify-full), password and folder; nil when PostgreSQL is not installed.
public struct TestPostgres: Sendable {
    public let url: String
    public let password: String
    /// The folder with ca.crt, the server's log and its data (nil for a server started by make pg-check).
    public let folder: String?

    /// The environment a command needs to reach the server (its password, as libpq's PGPASSWORD).
    public var environment: [String: String] { ["PGPASSWORD": password] }

    /// The server, started on first use; nil when PostgreSQL is missing and HOS_PG is not `require`.
    public static let shared: TestPostgres? = start()

    /// Whether the PostgreSQL tests run: a server is there or can be started. With HOS_PG=require (make
    /// pg-check, CI) a missing PostgreSQL fails those tests instead of skipping them.
    public static var available: Bool {
        ProcessInfo.processInfo.environment["HOS_PG"] == "require" || shared != nil
    }

    static func start() -> TestPostgres? {
        let env = ProcessInfo.processInfo.environment
        if let url = env["HOS_PG_URL"], let password = env["PGPASSWORD"] {
            return TestPostgres(url: url, password: password, folder: env["PGDIR"])
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hos-pg-\(getpid())").path
        let script = packageRoot.appendingPathComponent("scripts/pg.sh").path
        guard run([script, "start", dir]) == 0,
            let text = try? String(contentsOfFile: dir + "/env", encoding: .utf8)
        else { return nil }
        func value(_ name: String) -> String? {
            text.split(separator: "\n").first { $0.hasPrefix(name + "='") }
                .map { String($0.dropFirst(name.count + 2).dropLast()) }
        }
        guard let url = value("HOS_PG_URL"), let password = value("PGPASSWORD") else { return nil }
        stopScript = (script, dir)
        atexit {
            if let (script, dir) = TestPostgres.stopScript { _ = TestPostgres.run([script, "stop", dir]) }
        }
        return TestPostgres(url: url, password: password, folder: dir)
    }

    nonisolated(unsafe) static var stopScript: (String, String)?

    /// Runs `argv` and waits for it, with posix_spawn and waitpid: Foundation's Process waits until every
    /// descendant has closed a descriptor it inherits, and the server that pg.sh starts lives on.
    @discardableResult
    static func run(_ argv: [String]) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        var cargs = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, argv[0], &actions, nil, &cargs, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
    }

    /// A new, empty database on the server for one test (its queue and memory apart from every other's);
    /// returns its URL.
    public func freshDatabase() throws -> String {
        let name = "t" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        var parts = URLComponents(string: url)!
        let admin = parts.url!.absoluteString
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["psql", admin, "-qAt", "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE \(name)"]
        var env = ProcessInfo.processInfo.environment
        env["PGPASSWORD"] = password
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        parts.path = "/" + name
        return parts.url!.absoluteString
    }
}
