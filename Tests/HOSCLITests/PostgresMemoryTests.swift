// The memory in PostgreSQL through the real commands: the same stream gives the same memory_context, insight
// and adaptation events as with a SQLite file, week after week of the learning loop; concurrent writers lose no
// count; what only a file can do is refused with a clear line.

import Foundation
import HOSTestSupport
import Testing

@Suite(.serialized, .enabled(if: TestPostgres.available)) struct PostgresMemoryTests {
    /// The learning loop of examples/adapt-loop for `weeks` weeks (the week's records, last week's answers to the
    /// plans, every agent that reads or writes the memory), with the memory in `memory`; each week's output in
    /// OUT/weekN.jsonl.
    static let loop = """
        set -e
        export HOS_MEMORY="$1"; out=$2; mkdir -p "$out"; : > "$out/feedback.jsonl"
        for w in 1 2 3; do
          { cat "$out/feedback.jsonl"; hos-synth --users 6 --days $((23 + 7 * w)) --seed 21 --request; } \\
            | hos-behavior | hos-memory | hos-routine | hos-insights | hos-adapt --seed 21 > "$out/week$w.jsonl"
          hos-synth respond --seed 21 --days 7 "$out/week$w.jsonl" > "$out/feedback.jsonl"
        done
        hos-memory export --user u-0002 > "$out/export.jsonl"
        """

    @Test func oneStreamGivesTheSameEventsThroughBothMemories() throws {
        let s = try QueueScratch(users: 1, days: 1)
        try s.run.write("loop.sh", Self.loop)
        let file = try s.sh("sh loop.sh \"$PWD/m.sqlite\" lite")
        #expect(file.status == 0, "\(text(file.stderr))")
        let pg = try s.sh("sh loop.sh \"$Q\" pg")
        #expect(pg.status == 0, "\(text(pg.stderr))")
        for week in 1...3 {
            let lite = s.run.lines("lite/week\(week).jsonl")
            let post = s.run.lines("pg/week\(week).jsonl")
            for type in ["memory_context", "insight", "adaptation", "routine_plan", "behavior_analysis"] {
                let a = lite.filter { $0["event_type"] as? String == type }
                #expect(!a.isEmpty || type == "insight", "week \(week): no \(type)")
                #expect(
                    a.map { NSDictionary(dictionary: $0) }
                        == post.filter { $0["event_type"] as? String == type }
                        .map { NSDictionary(dictionary: $0) }, "week \(week): \(type) differs")
            }
        }
        // The third week's context carries what the first two stored: the memory was used, not only filled.
        let context = s.run.lines("pg/week3.jsonl").first { $0["event_type"] as? String == "memory_context" }
        let history = payload(context ?? [:])["history"] as? [String: Any]
        #expect((history?["analyses"] as? [Any])?.count == 2)
        #expect(s.run.lines("pg/export.jsonl").count == s.run.lines("lite/export.jsonl").count)
        #expect(
            s.run.lines("pg/export.jsonl").map { NSDictionary(dictionary: $0) }
                == s.run.lines("lite/export.jsonl").map { NSDictionary(dictionary: $0) })
    }

    /// Eight writers at once add to the same counters (an insight seen again counts once more; the LLM's usage
    /// adds up per user) for the same users: every increment lands, in PostgreSQL as in a SQLite file.
    @Test(arguments: ["pg", "file"]) func eightConcurrentWritersLoseNoCount(_ engine: String) throws {
        let s = try QueueScratch(users: 3, days: 30)
        let memory = engine == "pg" ? "\"$Q\"" : "\"$PWD/m.sqlite\""
        let first = try s.sh("hos-behavior users.jsonl | hos-insights > out.jsonl")
        #expect(first.status == 0, "\(text(first.stderr))")
        try s.sh("jq -c 'select(.event_type == \"insight\")' out.jsonl > insights.jsonl")
        let insights = s.run.lines("insights.jsonl").count
        #expect(insights > 0)
        // Writer w stores every insight 5 times, each copy a new event (its own id) of the same content.
        for w in 1...8 {
            try s.sh(
                "for c in 1 2 3 4 5; do jq -c --arg id \"-w\(w)c$c\" '.event_id += $id' insights.jsonl; done > w\(w).jsonl"
            )
        }
        try s.sh("hos-memory store --memory \(memory) < /dev/null")
        let writers = try (1...8).map { w in try s.start("hos-memory store --memory \(memory) w\(w).jsonl") }
        for p in writers { p.waitUntilExit() }
        #expect(writers.allSatisfy { $0.terminationStatus == 0 })
        let seen = try s.sh(
            "hos-memory export --memory \(memory) --user u-0001 | jq -r 'select(.table == \"insight\") | .row.seen_count'"
        )
        let counts = text(seen.stdout).split(separator: "\n").map { Int($0) }
        #expect(!counts.isEmpty)
        #expect(counts.allSatisfy { $0 == 40 }, "\(counts)")
    }

    /// Regression: a write transaction that PostgreSQL aborts for a conflict is run again, and hos-memory's ran
    /// with the session's counts already added, so that new_events came out 4 times too high (seen with
    /// --jobs 2, whose two writers conflict). Two instances at once must give the file's analyses.
    @Test func aTransactionRunAgainCountsTheSessionOnce() throws {
        let s = try QueueScratch(users: 40, days: 20)
        let full = "\(pipelines)/full-analysis.yaml"
        try s.sh("hos-run \(full) --jobs 2 --memory \"$PWD/m.sqlite\" -i users.jsonl > file.jsonl")
        let pg = try s.sh("hos-run \(full) --jobs 2 --memory \"$Q\" -i users.jsonl > pg.jsonl")
        #expect(pg.status == 0, "\(text(pg.stderr))")
        #expect(try normalised(s.run, "pg.jsonl") == (try normalised(s.run, "file.jsonl")))
    }

    /// hos-serve with the memory in PostgreSQL: tokens, events and the analysis all live in the database.
    @Test func hosServeKeepsItsMemoryInPostgreSQL() throws {
        guard let pg = TestPostgres.shared else { return }
        let s = try ServeScratch()
        s.memory = try pg.freshDatabase()
        s.environment = pg.environment
        let ana = try s.token("ana --user u-0001")
        try s.start()
        let (status, id) = try s.analyse(user: "u-0001", days: 30, token: ana)
        #expect(status == 202)
        let sse = try s.events(id, token: ana)
        #expect(text(sse.stdout).contains("event: analysis_complete"))
        #expect(s.json(try s.curl("/v1/analyses/\(id)", token: ana).body)["status"] as? String == "complete")
        #expect(s.stop() == 0)
        let stored = try s.sh("hos-memory export --memory '\(s.memory)' --user u-0001 | jq -r .table | sort -u")
        #expect(text(stored.stdout).contains("short_term_record\n"))
        #expect(text(stored.stdout).contains("analyses\n"))
        #expect(!FileManager.default.fileExists(atPath: s.dir.appendingPathComponent("m.sqlite").path))
    }

    /// hos-serve --queue hands the analysis to a worker (here one on this machine, the memory in PostgreSQL)
    /// and follows it on the queue to its analysis_complete.
    @Test func hosServeHandsAnalysesToTheQueue() throws {
        guard let pg = TestPostgres.shared else { return }
        let s = try ServeScratch()
        s.memory = try pg.freshDatabase()
        s.environment = pg.environment
        let ana = try s.token("ana --user u-0001")
        try s.start("--queue '\(s.memory)'")
        let (posted, id) = try s.analyse(user: "u-0001", days: 30, token: ana)
        #expect(posted == 202)
        // The server puts the request on the queue as it starts the batch: the worker starts once it is there.
        let worker = try s.sh(
            """
            for i in $(seq 200); do
              hos-run results --counts --queue '\(s.memory)' | jq -e '.pending + .running + .done > 0' > /dev/null && break
              sleep 0.05
            done
            hos-run worker '\(pipelines)/full-analysis.yaml' --queue '\(s.memory)' --memory '\(s.memory)' --drain
            """)
        #expect(worker.status == 0, "\(text(worker.stderr))")
        let sse = try s.events(id, token: ana)
        #expect(text(sse.stdout).contains("event: analysis_complete"))
        #expect(!text(sse.stdout).contains("event: progress"))
        let status = s.json(try s.curl("/v1/analyses/\(id)", token: ana).body)
        #expect(status["status"] as? String == "complete")
        #expect((status["result"] as? [String: Any])?["behavior"] is [String: Any])
        let done = try s.sh("hos-run results --counts --queue '\(s.memory)'")
        #expect(text(done.stdout).contains("\"done\":1"))
        #expect(s.stop() == 0)
    }

    @Test func whatOnlyAFileCanDoIsRefusedClearly() throws {
        let s = try QueueScratch(users: 1, days: 3)
        let backup = try s.sh("hos-memory backup --memory \"$Q\" b.sqlite")
        #expect(backup.status == 64)
        #expect(text(backup.stderr).contains("not available for a PostgreSQL memory (postgresql://hos@127.0.0.1:"))
        #expect(!text(backup.stderr).contains(s.pg.password))
        let stored = try s.sh(
            "hos-memory store --memory \"$Q\" users.jsonl && hos-memory forget --memory \"$Q\" --user u-0001")
        #expect(stored.status == 0, "\(text(stored.stderr))")
        #expect(text(stored.stderr).contains("PostgreSQL frees their space when it vacuums"))
        #expect(text(stored.stdout).contains("\"erased\":false"))
        let left = try s.sh("hos-memory export --memory \"$Q\" --user u-0001 | wc -l")
        #expect(text(left.stdout).trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }
}
