// hos-run end to end: real agent processes, real pipes, one memory file; failover proven by injected faults.

import Foundation
import HOSTestSupport
import Testing

/// A scratch folder with synthetic users in `users.jsonl`.
final class RunScratch {
    let dir: URL

    init(users: Int = 12, days: Int = 45) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hos-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let r = try sh("hos-synth --users \(users) --days \(days) --request > users.jsonl")
        precondition(r.status == 0)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    @discardableResult
    func sh(_ command: String, env: [String: String] = [:]) throws -> ShellResult {
        try shell(command, in: dir, environment: env)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func lines(_ name: String) -> [[String: Any]] {
        let text = (try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}

let pipelines = packageRoot.appendingPathComponent("examples/pipelines").path

func text(_ d: Data) -> String { String(decoding: d, as: UTF8.self) }

/// An event's payload (empty when it has none), so that a failed expectation never crashes the suite.
func payload(_ e: [String: Any]) -> [String: Any] { e["payload"] as? [String: Any] ?? [:] }

@Suite(.serialized) struct RunTests {
    @Test func fullPipelineCompletesEveryAnalysis() throws {
        let s = try RunScratch()
        let r = try s.sh(
            "hos-run \(pipelines)/full-analysis.yaml --memory m.sqlite -i users.jsonl -o out.jsonl --status")
        #expect(r.status == 0, "\(text(r.stderr))")
        let out = s.lines("out.jsonl")
        #expect(out.count == 12)
        #expect(out.allSatisfy { $0["event_type"] as? String == "analysis_complete" })
        for e in out {
            let p = payload(e)
            #expect(p["behavior"] is [String: Any] && p["memory"] is [String: Any] && p["nutrition"] is [String: Any])
            #expect(p["routine"] is [String: Any] && p["insights"] is [Any] && p["adapt"] is [String: Any])
            #expect((p["degraded"] as? [Any])?.isEmpty == true)
            #expect(
                Set((p["timings_ms"] as? [String: Any] ?? [:]).keys) == [
                    "history", "behavior", "memory", "nutrition", "routine", "insights", "adapt",
                ])
            // The replay step's records are data for the agents, not a result.
            #expect(p["history"] == nil)
            #expect(p["analysis_id"] as? String == e["analysis_id"] as? String)
        }
        #expect(text(r.stderr).contains("analyses=12 degraded=0"))
    }

    /// The issue's own case: hos-insights dies at its 5th input event; every analysis still completes.
    @Test func crashedAgentIsRestartedAndReplayed() throws {
        let s = try RunScratch()
        let r = try s.sh(
            "hos-run \(pipelines)/full-analysis.yaml --memory m.sqlite -i users.jsonl --output-mode all -o out.jsonl",
            env: ["HOS_FAULT": "crash:insights:5"])
        #expect(r.status == 0, "\(text(r.stderr))")
        #expect(text(r.stderr).contains("step insights exited with status 70; restarting it (retry 1 of 1)"))
        let done = s.lines("out.jsonl").filter { $0["event_type"] as? String == "analysis_complete" }
        #expect(done.count == 12)
        #expect(done.allSatisfy { (payload($0)["degraded"] as? [Any])?.isEmpty == true })
        try expectNothingLost(s, "out.jsonl")
    }

    @Test(arguments: ["hang:nutrition:30", "garbage:behavior:50", "crash:memory:100"])
    func everyKindOfFaultRecovers(fault: String) throws {
        let s = try RunScratch(users: 4, days: 30)
        try s.write(
            "p.yaml",
            """
            version: 1
            name: faults
            defaults: {timeout: 2s, retries: 1}
            steps:
              - agent: behavior
              - agent: memory
              - parallel: [{agent: nutrition}, {agent: routine}]
            """)
        let r = try s.sh(
            "hos-run p.yaml --memory m.sqlite -i users.jsonl --output-mode all -o out.jsonl", env: ["HOS_FAULT": fault])
        #expect(r.status == 0, "\(text(r.stderr))")
        #expect(text(r.stderr).contains("restarting it (retry 1 of 1)"))
        #expect(s.lines("out.jsonl").filter { $0["event_type"] as? String == "analysis_complete" }.count == 4)
        try expectNothingLost(s, "out.jsonl")
    }

    /// A step that fails every time: each analysis completes degraded, with its events and an agent_error.
    @Test func failingStepDegradesAndTheOthersGoOn() throws {
        let s = try RunScratch(users: 5, days: 20)
        let r = try s.sh(
            "hos-run \(pipelines)/quick.yaml --memory m.sqlite -i users.jsonl --output-mode all -o out.jsonl",
            env: ["HOS_FAULT": "crash:routine:3:99"])
        #expect(r.status == 1)
        #expect(text(r.stderr).contains("hos-run: 5 of 5 analyses degraded"))
        let out = s.lines("out.jsonl")
        let done = out.filter { $0["event_type"] as? String == "analysis_complete" }
        #expect(done.count == 5)
        for d in done {
            let p = payload(d)
            #expect(p["degraded"] as? [String] == ["routine"])
            #expect(p["routine"] == nil && p["behavior"] != nil)
        }
        let errors = out.filter { $0["event_type"] as? String == "agent_error" }
        #expect(errors.count == 5)
        #expect(errors.allSatisfy { payload($0)["agent"] as? String == "routine" })
        try expectNothingLost(s, "out.jsonl")
        let allowed = try s.sh(
            "hos-run \(pipelines)/quick.yaml --memory m2.sqlite -i users.jsonl --allow-degraded > /dev/null",
            env: ["HOS_FAULT": "crash:routine:3:99"])
        #expect(allowed.status == 0)
    }

    /// Degrading the first user only: the next users go on in a fresh process, with their results.
    @Test func followingUsersGoOnAfterADegradedOne() throws {
        let s = try RunScratch(users: 3, days: 20)
        // The first three starts crash (the first try and its retry, then one more): user 1 degrades; later starts work.
        let r = try s.sh(
            "hos-run \(pipelines)/quick.yaml --memory m.sqlite -i users.jsonl -o out.jsonl",
            env: ["HOS_FAULT": "crash:routine:3:2"])
        #expect(r.status == 1)
        let degraded = s.lines("out.jsonl").filter { $0["event_type"] as? String == "analysis_complete" }
            .map { payload($0)["degraded"] as? [String] ?? ["?"] }
        #expect(degraded == [["routine"], [], []])
    }

    @Test func sameEventsAsAPlainPipe() throws {
        let s = try RunScratch(users: 6, days: 40)
        let a = try s.sh(
            "hos-behavior users.jsonl | hos-memory --memory a.sqlite | hos-nutrition | hos-routine | sort > pipe.txt")
        #expect(a.status == 0)
        try s.write(
            "p.yaml",
            """
            version: 1
            name: same
            output: all
            steps:
              - agent: behavior
              - agent: memory
              - parallel: [{agent: nutrition}, {agent: routine}]
            """)
        let b = try s.sh(
            "hos-run p.yaml --memory b.sqlite -i users.jsonl | grep -v '\"analysis_complete\"' | sort > run.txt && cmp pipe.txt run.txt"
        )
        #expect(b.status == 0, "\(text(b.stdout))\(text(b.stderr))")
    }

    /// analysis_complete's daily series holds each user's own records of the window, whether the input is
    /// grouped by user or interleaved (records of every user first, then the requests), with any --jobs.
    @Test func dailySeriesHoldsEachUsersOwnRecordsHoweverTheInputIsOrdered() throws {
        let s = try RunScratch(users: 3, days: 20)
        try s.sh(
            "jq -c 'select(.event_type == \"health_record\")' users.jsonl > mixed.jsonl && "
                + "jq -c 'select(.event_type == \"analysis_request\")' users.jsonl >> mixed.jsonl")
        let query =
            "jq -c 'select(.event_type == \"analysis_complete\") | [.user_id, (.payload.daily.values.steps | map(select(. != null)))]'"
        // The steps the records hold, per user in date order: all 20 days are in the 30-day window.
        let want = try s.sh(
            "jq -sc 'map(select(.event_type == \"health_record\")) | group_by(.user_id) | map([.[0].user_id, "
                + "(sort_by(.payload.date) | map(.payload.metrics.steps | select(. != null)))]) | .[]' users.jsonl")
        #expect(want.status == 0)
        for (input, jobs) in [("users.jsonl", 1), ("mixed.jsonl", 1), ("mixed.jsonl", 2)] {
            let r = try s.sh(
                "hos-run \(pipelines)/quick.yaml --memory m\(jobs)\(input).sqlite --jobs \(jobs) -i \(input) | \(query) | sort"
            )
            #expect(r.status == 0, "\(text(r.stderr))")
            #expect(text(r.stdout) == text(want.stdout), "\(input), --jobs \(jobs)")
        }
    }

    /// Issue 21: a user without an archetype became Foundation Builder without a word. The agent that falls
    /// back says so once, counting users, and stamps the archetype on its results, so a whole pipeline (hos-run
    /// or a plain pipe) prints one note; users with an archetype get none.
    @Test func aUserWithoutAnArchetypeIsNotedOncePerPipeline() throws {
        let s = try RunScratch(users: 3, days: 20)
        try s.sh("jq -c 'del(.archetype) | del(.payload.archetype)' users.jsonl > bare.jsonl")
        let note = "note: 3 users without an archetype were analysed as Foundation Builder"
        let run = try s.sh("hos-run \(pipelines)/full-analysis.yaml --memory r.sqlite -i bare.jsonl > /dev/null")
        let pipe = try s.sh(
            "hos-behavior bare.jsonl | hos-memory --memory p.sqlite | hos-nutrition | hos-routine "
                + "| hos-insights --memory p.sqlite | hos-adapt --memory p.sqlite > /dev/null")
        for r in [run, pipe] {
            #expect(r.status == 0)
            let lines = text(r.stderr).split(separator: "\n").filter { $0.contains("note:") }
            #expect(
                lines == ["hos-behavior: " + note[...] + " (set one with --archetype on the importer or in the events)"]
            )
        }
        let named = try s.sh("hos-run \(pipelines)/full-analysis.yaml --memory n.sqlite -i users.jsonl > /dev/null")
        #expect(!text(named.stderr).contains("note:"))
    }

    @Test func jobsGiveTheSameResults() throws {
        let s = try RunScratch(users: 12, days: 30)
        let strip = "jq -c 'del(.payload.timings_ms)'"
        let r = try s.sh(
            """
            hos-run \(pipelines)/full-analysis.yaml --memory one.sqlite -i users.jsonl --output-mode all | \(strip) > one.txt &&
            hos-run \(pipelines)/full-analysis.yaml --memory three.sqlite -i users.jsonl --output-mode all --jobs 3 | \(strip) > three.txt &&
            cmp one.txt three.txt && wc -l < one.txt
            """)
        #expect(r.status == 0, "\(text(r.stderr))")
        #expect(Int(text(r.stdout).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > 12 * 30)
    }

    @Test func tenRunsShareOneMemoryFile() throws {
        let s = try RunScratch(users: 10, days: 20)
        let r = try s.sh(
            """
            for i in 0 1 2 3 4 5 6 7 8 9; do
              jq -c "select(.user_id == \\"u-000$((i + 1))\\" or .user_id == \\"u-00$((i + 1))\\")" users.jsonl > in$i.jsonl
              (hos-run \(pipelines)/quick.yaml --memory shared.sqlite -i in$i.jsonl -o out$i.jsonl; echo $? > status$i) &
            done
            wait
            [ "$(cat status* | sort -u)" = 0 ] && cat out*.jsonl | wc -l && sqlite3 shared.sqlite 'SELECT count(DISTINCT user_id), count(*) FROM short_term_record; PRAGMA integrity_check;'
            """)
        #expect(r.status == 0, "\(text(r.stderr))")
        let records = s.lines("users.jsonl").filter { $0["event_type"] as? String == "health_record" }
        let metrics = records.reduce(0) { $0 + (payload($1)["metrics"] as? [String: Any] ?? [:]).count }
        #expect(text(r.stdout) == "10\n10|\(metrics)\nok\n")
    }

    @Test func memoryFlagBeatsEnvironmentBeatsFile() throws {
        let s = try RunScratch(users: 1, days: 10)
        try s.write("p.yaml", "version: 1\nname: m\nmemory: from-file.sqlite\nsteps: [{agent: memory}]\n")
        _ = try s.sh("hos-run p.yaml -i users.jsonl > /dev/null")
        _ = try s.sh("hos-run p.yaml -i users.jsonl > /dev/null", env: ["HOS_MEMORY": "from-env.sqlite"])
        _ = try s.sh(
            "hos-run p.yaml -i users.jsonl --memory from-flag.sqlite > /dev/null",
            env: ["HOS_MEMORY": "from-env.sqlite"])
        let files = try FileManager.default.contentsOfDirectory(atPath: s.dir.path).filter { $0.hasSuffix(".sqlite") }
            .sorted()
        #expect(files == ["from-env.sqlite", "from-file.sqlite", "from-flag.sqlite"])
    }

    @Test func progressAsEventsAndAsABarOnATerminal() throws {
        let s = try RunScratch(users: 3, days: 20)
        let r = try s.sh(
            "hos-run \(pipelines)/quick.yaml --memory m.sqlite -i users.jsonl --progress json=progress.jsonl > /dev/null 2> err.txt"
        )
        #expect(r.status == 0)
        let progress = s.lines("progress.jsonl")
        #expect(!progress.isEmpty && progress.allSatisfy { $0["event_type"] as? String == "progress" })
        let last = progress.last.map(payload) ?? [:]
        #expect(
            last["stage"] as? String == "done" && last["users_done"] as? Int == 3 && last["users_total"] as? Int == 3)
        // No terminal, no bar.
        #expect(try String(contentsOf: s.dir.appendingPathComponent("err.txt"), encoding: .utf8).isEmpty)
        // Under a pseudo-terminal (script(1)), the bar is drawn on standard error.
        let tty = try s.sh(
            "script -qec 'hos-run \(pipelines)/quick.yaml --memory t.sqlite -i users.jsonl -o out.jsonl' /dev/null")
        #expect(tty.status == 0)
        #expect(text(tty.stdout).contains("3/3 users"))
    }

    @Test func badInputAndMissingAgents() throws {
        let s = try RunScratch(users: 1, days: 3)
        let bad = try s.sh(
            "(head -2 users.jsonl; echo '{oops'; tail -n +3 users.jsonl) > bad.jsonl; hos-run \(pipelines)/quick.yaml --memory m.sqlite -i bad.jsonl"
        )
        #expect(bad.status == 65)
        #expect(text(bad.stderr) == "hos-run: bad.jsonl:3: invalid JSON: expected a key, found 'o' at column 2\n")
        let skip = try s.sh(
            "hos-run \(pipelines)/quick.yaml --memory m.sqlite -i bad.jsonl --on-error dead-letter=dead.jsonl | wc -l; cat dead.jsonl"
        )
        #expect(text(skip.stdout) == "1\n{oops\n")
        try s.write("p.yaml", "version: 1\nname: x\nsteps: [{agent: nosuchagent}]\n")
        let missing = try s.sh("hos-run p.yaml -i users.jsonl")
        #expect(missing.status == 78)
        #expect(
            text(missing.stderr) == "hos-run: p.yaml:3: steps: hos-nosuchagent not found beside hos-run or on PATH\n")
    }

    @Test func eventLogKeepsEveryEvent() throws {
        let s = try RunScratch(users: 2, days: 5)
        let r = try s.sh(
            "hos-run \(pipelines)/quick.yaml --memory m.sqlite -i users.jsonl --event-log > /dev/null && sqlite3 m.sqlite 'SELECT count(*) FROM event_log'"
        )
        #expect(r.status == 0)
        // Every input event, each agent's result (behavior_analysis, memory_context, routine_plan) and analysis_complete.
        let input = s.lines("users.jsonl").count
        #expect(text(r.stdout) == "\(input + 2 * 4)\n")
    }

    /// Regression: a closed output ends a sharded run at once, with status 0 (hos-events(7), EXIT STATUS).
    @Test func closedOutputEndsAShardedRun() throws {
        let s = try RunScratch(users: 40, days: 30)
        let r = try s.sh(
            "hos-run \(pipelines)/quick.yaml --jobs 2 --memory m.sqlite -i users.jsonl --output-mode all | head -1 | wc -l"
        )
        #expect(r.status == 0)
        #expect(text(r.stdout) == "1\n")
    }

    /// Regression: SIGINT and SIGTERM stop the run and its steps (128 + the signal), no restarts.
    @Test(arguments: [SIGINT, SIGTERM])
    func signalStopsTheRunAndItsSteps(signal: Int32) throws {
        let s = try RunScratch(users: 12, days: 5)
        try s.write(
            "slow.yaml",
            "version: 1\nname: slow\nsteps:\n  - run: \"while read -r l; do echo \\\"$l\\\"; sleep 0.3; done\"\n    id: slow\n"
        )
        let r = try s.sh(
            "hos-run slow.yaml --memory m.sqlite -i users.jsonl > out.jsonl 2> err.txt & pid=$!; sleep 1; kill -\(signal) $pid; wait $pid; echo $?; sleep 0.5; pgrep -f 'sleep 0[.]3' | wc -l"
        )
        #expect(text(r.stdout) == "\(128 + signal)\n0\n")
        #expect(
            !(try String(contentsOf: s.dir.appendingPathComponent("err.txt"), encoding: .utf8)).contains("restarting"))
    }

    /// Regression: a step that chatters without answering, one that lingers after its input,
    /// and a run: pipeline that hangs are all stopped by their timeout, leaving no process behind.
    @Test func timeoutsStopEveryKindOfStuckStep() throws {
        let s = try RunScratch(users: 2, days: 3)
        try s.write(
            "chatter.yaml",
            """
            version: 1
            name: chatter
            steps:
              - run: "yes '{\\"event_id\\":\\"x\\",\\"event_type\\":\\"x_note\\",\\"user_id\\":\\"u\\",\\"timestamp\\":\\"2026-01-01T00:00:00Z\\",\\"payload\\":{}}'"
                id: chatter
                timeout: 1s
                retries: 0
            """)
        try s.write(
            "linger.yaml",
            "version: 1\nname: linger\nsteps:\n  - run: \"cat; sleep 30\"\n    id: linger\n    timeout: 1s\n")
        try s.write(
            "stuck.yaml",
            "version: 1\nname: stuck\nsteps:\n  - run: \"cat | sleep 31\"\n    id: stuck\n    timeout: 1s\n    retries: 0\n"
        )
        let r = try s.sh(
            """
            for p in chatter linger stuck; do timeout 20 hos-run $p.yaml --memory m.sqlite -i users.jsonl > /dev/null 2>> err.txt; echo "$p $?"; done
            sleep 0.5; pgrep -f 'sleep 3[01]$' | wc -l
            """)
        #expect(text(r.stdout) == "chatter 1\nlinger 1\nstuck 1\n0\n")
        let err = try String(contentsOf: s.dir.appendingPathComponent("err.txt"), encoding: .utf8)
        #expect(err.contains("step linger did not end within its timeout of 1s after its input ended"))
        #expect(err.contains("step chatter passed no analysis_request on within its timeout of 1s"))
    }

    /// Regression: what a parallel branch writes after the last request is not dropped by the join.
    @Test func joinKeepsWhatABranchWritesAtTheEnd() throws {
        let s = try RunScratch(users: 2, days: 3)
        try s.write(
            "p.yaml",
            """
            version: 1
            name: tail
            output: all
            steps:
              - parallel:
                  - {run: "cat", id: a}
                  - {run: "cat; echo '{\\"event_id\\":\\"end\\",\\"event_type\\":\\"x_summary\\",\\"user_id\\":\\"u\\",\\"timestamp\\":\\"2026-01-01T00:00:00Z\\",\\"payload\\":{}}'", id: b}
            """)
        let r = try s.sh("hos-run p.yaml --memory m.sqlite -i users.jsonl | grep -c x_summary")
        #expect(text(r.stdout) == "1\n")
    }

    /// Regression: on_failure: fail stops the run with status 1 and no output file.
    @Test func failPolicyStopsTheRun() throws {
        let s = try RunScratch(users: 3, days: 5)
        try s.write(
            "p.yaml", "version: 1\nname: f\ndefaults: {on_failure: fail, retries: 0}\nsteps: [{agent: behavior}]\n")
        let r = try s.sh(
            "hos-run p.yaml --memory m.sqlite -i users.jsonl -o out.jsonl", env: ["HOS_FAULT": "crash:behavior:3"])
        #expect(r.status == 1)
        #expect(text(r.stderr).hasSuffix("hos-run: step behavior failed: exited with status 70\n"))
        #expect(!FileManager.default.fileExists(atPath: s.dir.appendingPathComponent("out.jsonl").path))
    }

    /// Regression: hos-run's own events fed back in open no analysis.
    @Test func ownOutputFedBackOpensNoAnalysis() throws {
        let s = try RunScratch(users: 3, days: 5)
        let r = try s.sh(
            "hos-run \(pipelines)/quick.yaml --memory m.sqlite -i users.jsonl > done.jsonl && hos-run \(pipelines)/quick.yaml --memory m.sqlite -i done.jsonl | wc -l"
        )
        #expect(text(r.stdout) == "0\n")
    }

    /// Regression: hos-run's own events after a shard's last request were never sent on,
    /// with or without a parallel block, with one shard or two.
    @Test func ownEventsAfterTheLastRequestAreNotLost() throws {
        let s = try RunScratch(users: 2, days: 10)
        try s.write(
            "fed.jsonl",
            """
            {"event_id":"ac-old","event_type":"analysis_complete","user_id":"u-0009","timestamp":"2026-01-01T00:00:00Z","payload":{}}
            {"event_id":"ae-old","event_type":"agent_error","user_id":"u-0001","timestamp":"2026-01-01T00:00:00Z","payload":{"agent":"x","code":1,"message":"m"}}

            """)
        try s.sh("cat fed.jsonl >> users.jsonl")
        try s.write(
            "par.yaml", "version: 1\nname: par\nsteps:\n  - parallel:\n    - agent: behavior\n    - agent: routine\n")
        for (pipeline, jobs) in [("\(pipelines)/quick.yaml", 1), ("par.yaml", 1), ("par.yaml", 2)] {
            let r = try s.sh(
                "rm -f m.sqlite*; hos-run \(pipeline) --memory m.sqlite -i users.jsonl --jobs \(jobs) --output-mode all -o all.jsonl"
            )
            #expect(r.status == 0, "\(text(r.stderr))")
            try expectNothingLost(s, "all.jsonl")
        }
    }

    /// Regression: with input not grouped by user, a user's early events can pass on in
    /// another user's segment; a restarted step must still see them, so its result is what it would have
    /// been without the crash.
    @Test func restartReplaysAnInterleavedUsersEarlierEvents() throws {
        let s = try RunScratch(users: 2, days: 30)
        // u-0001's first 20 events, all of u-0002 with its request, then the rest of u-0001.
        try s.sh(
            """
            jq -c 'select(.user_id == "u-0001")' users.jsonl > a.jsonl
            jq -c 'select(.user_id == "u-0002")' users.jsonl > b.jsonl
            { head -n 20 a.jsonl; cat b.jsonl; tail -n +21 a.jsonl; } > inter.jsonl
            """)
        try s.write(
            "p.yaml", "version: 1\nname: p\ndefaults: {retries: 2}\nsteps: [{agent: behavior}, {agent: insights}]\n")
        let clean = try s.sh(
            "hos-run p.yaml -i inter.jsonl --output-mode all --memory m1.sqlite | jq -c 'select(.event_type != \"analysis_complete\")'"
        )
        // The crash comes after u-0002's request has passed on, with u-0001's first events in its segment.
        let crashed = try s.sh(
            "hos-run p.yaml -i inter.jsonl --output-mode all --memory m2.sqlite | jq -c 'select(.event_type != \"analysis_complete\")'",
            env: ["HOS_FAULT": "crash:behavior:58"])
        #expect(text(crashed.stderr).contains("restarting it"))
        #expect(!text(clean.stdout).isEmpty)
        #expect(text(crashed.stdout) == text(clean.stdout))
    }

    /// Every input event leaves exactly once, and every output event_id is unique.
    func expectNothingLost(_ s: RunScratch, _ output: String) throws {
        let inputIDs = s.lines("users.jsonl").compactMap { $0["event_id"] as? String }
        let outIDs = s.lines(output).compactMap { $0["event_id"] as? String }
        #expect(Set(outIDs).count == outIDs.count, "an event left twice")
        let out = Set(outIDs)
        #expect(inputIDs.allSatisfy { out.contains($0) }, "an input event was lost")
    }
}
