// hos-run enqueue, worker and results against a real PostgreSQL server: the queue's output equals hos-run's,
// enqueueing is idempotent, and requests held by a worker killed with SIGKILL are completed once by the others.

import Foundation
import HOSTestSupport
import Testing

/// A scratch folder with synthetic users and a fresh database for the queue.
final class QueueScratch {
    let run: RunScratch
    let pg: TestPostgres
    let queue: String

    init(users: Int, days: Int, request: Bool = true) throws {
        run = try RunScratch(users: users, days: days)
        guard let pg = TestPostgres.shared else { throw CocoaError(.featureUnsupported) }
        self.pg = pg
        queue = try pg.freshDatabase()
        if !request { try run.sh("hos-synth --users \(users) --days \(days) > users.jsonl") }
    }

    /// Runs `command` with the queue's URL in $Q and its password in the environment.
    @discardableResult
    func sh(_ command: String) throws -> ShellResult {
        var env = pg.environment
        env["Q"] = queue
        return try run.sh(command, env: env)
    }

    /// A background process (a worker), with the same environment as `sh`.
    func start(_ command: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "exec " + command]
        p.currentDirectoryURL = run.dir
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = binDir + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        env.removeValue(forKey: "HOS_MEMORY")
        for (k, v) in pg.environment { env[k] = v }
        env["Q"] = queue
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        return p
    }

    /// One number from psql.
    func count(_ sql: String) throws -> Int {
        let r = try sh("psql \"$Q\" -qAt -c \"\(sql)\"")
        return Int(text(r.stdout).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}

/// The lines of `file` with their timings removed and keys sorted, for comparing two runs' results.
func normalised(_ s: RunScratch, _ file: String) throws -> [String] {
    let r = try s.sh("jq -cS 'del(.payload.timings_ms)' \(file)")
    return text(r.stdout).split(separator: "\n").map(String.init)
}

@Suite(.serialized, .enabled(if: TestPostgres.available)) struct QueueTests {
    @Test func workersOutputEqualsHosRun() throws {
        let s = try QueueScratch(users: 10, days: 30)
        let e = try s.sh("hos-run enqueue --queue \"$Q\" users.jsonl > queued.jsonl")
        #expect(e.status == 0, "\(text(e.stderr))")
        #expect(text(e.stderr).contains("10 requests queued, 0 already on the queue"))
        let full = "\(pipelines)/full-analysis.yaml"
        let workers = try (0..<2).map { _ in
            try s.start("hos-run worker \(full) --queue \"$Q\" --memory q.sqlite --batch 3 --drain")
        }
        for w in workers { w.waitUntilExit() }
        #expect(workers.allSatisfy { $0.terminationStatus == 0 })
        let r = try s.sh("hos-run results --queue \"$Q\" > queue.jsonl")
        #expect(r.status == 0, "\(text(r.stderr))")
        try s.run.sh("hos-run \(full) --memory direct.sqlite -i users.jsonl > direct.jsonl")
        let queued = try normalised(s.run, "queue.jsonl")
        #expect(queued.count == 10)
        #expect(queued == (try normalised(s.run, "direct.jsonl")))
    }

    @Test func enqueueingTwiceQueuesOnceUnderHosRunsAnalysisIDs() throws {
        // No analysis_request in the input: each user's is the implicit one hos-run makes, with its id.
        let s = try QueueScratch(users: 4, days: 10, request: false)
        try s.sh("hos-run enqueue --queue \"$Q\" < users.jsonl > first.jsonl")
        let again = try s.sh("hos-run enqueue --queue \"$Q\" users.jsonl > second.jsonl")
        #expect(text(again.stderr).contains("0 requests queued, 4 already on the queue"))
        #expect(s.run.lines("first.jsonl").allSatisfy { $0["queued"] as? Bool == true })
        #expect(s.run.lines("second.jsonl").allSatisfy { $0["queued"] as? Bool == false })
        try s.run.sh("hos-run \(pipelines)/quick.yaml --memory m.sqlite -i users.jsonl > direct.jsonl")
        let ids = Set(s.run.lines("direct.jsonl").compactMap { $0["analysis_id"] as? String })
        #expect(ids.count == 4)
        #expect(Set(s.run.lines("first.jsonl").compactMap { $0["request_id"] as? String }) == ids)
        #expect(try s.count("SELECT count(*) FROM hos_queue WHERE state = 'pending'") == 4)
    }

    /// The issue's test: four workers, one killed with SIGKILL while it holds claims; every request is
    /// completed once, by the others, after its lease expires, and the results are hos-run's.
    @Test func requestsOfAKilledWorkerAreCompletedOnce() throws {
        let s = try QueueScratch(users: 16, days: 20)
        try s.sh("hos-run enqueue --queue \"$Q\" users.jsonl > /dev/null")
        // The victim's pipeline sleeps before its first step, so that it is killed mid-run, claims held.
        let full = try String(contentsOfFile: "\(pipelines)/full-analysis.yaml", encoding: .utf8)
        try s.run.write(
            "slow.yaml",
            full.replacingOccurrences(
                of: "steps:\n", with: "steps:\n  - run: \"sleep 31.4159; exec cat\"\n    id: slow\n    timeout: 1m\n"))
        try s.run.sh("mkdir tmp")
        let victim = try s.start(
            "env TMPDIR=\"$PWD/tmp\" hos-run worker slow.yaml --queue \"$Q\" --memory q.sqlite --batch 4 --lease 2 --drain"
        )
        var held = 0
        for _ in 0..<200 where held == 0 {
            held = try s.count("SELECT count(*) FROM hos_queue WHERE state = 'running'")
            if held == 0 { usleep(50_000) }
        }
        #expect(held == 4)
        let others = try (0..<3).map { _ in
            try s.start(
                "hos-run worker \(pipelines)/full-analysis.yaml --queue \"$Q\" --memory q.sqlite --batch 2 --lease 2 --drain"
            )
        }
        kill(victim.processIdentifier, SIGKILL)
        // Its orphaned step holds a descriptor that Foundation waits on; the worker itself is gone.
        try s.sh("pkill -f 'sleep 31.4159'")
        victim.waitUntilExit()
        for w in others { w.waitUntilExit() }
        #expect(others.allSatisfy { $0.terminationStatus == 0 })
        // The dead worker's batch folder, which holds its users' events, stays readable by this user only.
        let left = try s.run.sh("stat -c '%a' tmp/hos-batch-*")
        #expect(text(left.stdout) == "700\n")
        #expect(try s.count("SELECT count(*) FROM hos_queue WHERE state = 'done'") == 16)
        // The victim's four were claimed twice: once by it, once by the worker that completed them.
        #expect(try s.count("SELECT count(*) FROM hos_queue WHERE attempts = 2") == 4)
        let r = try s.sh("hos-run results --queue \"$Q\" > queue.jsonl")
        #expect(r.status == 0)
        let done = s.run.lines("queue.jsonl")
        #expect(done.count == 16)
        #expect(Set(done.compactMap { $0["analysis_id"] as? String }).count == 16)
        try s.run.sh("hos-run \(pipelines)/full-analysis.yaml --memory direct.sqlite -i users.jsonl > direct.jsonl")
        #expect(try normalised(s.run, "queue.jsonl") == (try normalised(s.run, "direct.jsonl")))
        // The memory stored each analysis once, though four of them ran twice: as many rows as hos-run's.
        let count = "sqlite3 %@ 'SELECT count(*), count(DISTINCT user_id) FROM analyses'"
        let stored = try s.run.sh(count.replacingOccurrences(of: "%@", with: "q.sqlite"))
        let direct = try s.run.sh(count.replacingOccurrences(of: "%@", with: "direct.sqlite"))
        #expect(text(stored.stdout).hasSuffix("|16\n"))
        #expect(text(stored.stdout) == text(direct.stdout))
    }

    @Test func aWrongPasswordIsNeverPrinted() throws {
        let s = try QueueScratch(users: 1, days: 2)
        var env = s.pg.environment
        env["PGPASSWORD"] = "not-the-password-7f3a"
        env["Q"] = s.queue
        let r = try s.run.sh("hos-run results --counts --queue \"$Q\"", env: env)
        #expect(r.status == 74)
        #expect(text(r.stderr).contains("postgresql: connect to postgresql://hos@127.0.0.1:"))
        #expect(!text(r.stderr).contains("not-the-password-7f3a"))
        let inURL = try s.run.sh("hos-run results --counts --queue postgresql://hos:secret-9c1@127.0.0.1/hos")
        #expect(inURL.status == 78)
        #expect(text(inURL.stderr).contains("put it in PGPASSWORD or ~/.pgpass"))
        #expect(!text(inURL.stderr).contains("secret-9c1"))
    }
}
