// The agents with --llm as real processes against the fake server: words beside unchanged numbers, the
// cache in the memory file (a second run sends nothing), accounting per user and agent, fallbacks that
// never fail the analysis, the budget, and the API key in no output, message, event or file.

import Foundation
import HOSCore
import HOSLLM
import HOSMemory
import Testing

@testable import HOSCommandLine

@Suite(.serialized) struct AgentLLMTests {
    /// Payload keys that --llm adds; everything else is the deterministic result.
    static let llmKeys: Set<String> = ["llm", "llm_reason", "narrative"]

    func withoutLLM(_ e: JSON) -> JSON {
        guard case .object(var o) = e, case .object(var p)? = o["payload"] else { return e }
        for k in Self.llmKeys { p[k] = nil }
        o["payload"] = .object(p)
        return .object(o)
    }

    @Test func behaviorNarrativeIsCachedAndAccounted() throws {
        let server = try FakeLLM()
        let dir = TempDir()
        let input = try synthInput()
        let plain = try run("hos-behavior", [], input: input)
        var env = server.environment()
        env["HOS_MEMORY"] = dir.path("m.sqlite")
        let first = try run("hos-behavior", ["--llm"], input: input, environment: env)
        #expect(first.status == 0, "\(first.stderr)")
        let analyses = first.events("behavior_analysis")
        #expect(analyses.count == 2)
        for a in analyses {
            #expect(a["payload"]?["llm"] == "ok")
            #expect(a["payload"]?["narrative"]?.stringValue?.isEmpty == false)
        }
        // The numbers are the deterministic ones, untouched.
        #expect(analyses.map(withoutLLM) == plain.events("behavior_analysis"))
        #expect(try server.count() == 2)

        // The same analysis again costs nothing: no request reaches the server.
        let second = try run("hos-behavior", ["--llm"], input: input, environment: env)
        #expect(second.stdout == first.stdout)
        #expect(try server.count() == 2)

        let usage = try sqlite(
            dir.path("m.sqlite"),
            "SELECT user_id, agent, model, requests, cache_hits, fallbacks, completion_tokens FROM llm_usage ORDER BY user_id"
        )
        #expect(usage == ["u-0001|hos-behavior|fake-model|1|1|0|12", "u-0002|hos-behavior|fake-model|1|1|0|12"])
        #expect(
            try sqlite(dir.path("m.sqlite"), "SELECT user_id, agent FROM llm_cache ORDER BY user_id")
                == ["u-0001|hos-behavior", "u-0002|hos-behavior"])

        // hos-memory stats shows the totals per agent and model.
        let stats = try JSONParser.parse(try run("hos-memory", ["stats", "--memory", dir.path("m.sqlite")]).stdout)
        let row = stats["llm"]?["usage"]?.arrayValue?.first
        #expect(
            row?["agent"] == "hos-behavior" && row?["users"] == 2 && row?["requests"] == 2 && row?["cache_hits"] == 2)
        #expect(stats["llm"]?["cache_entries"] == 2)

        // forget takes a user's cache and accounting rows with the rest.
        let forget = try run("hos-memory", ["forget", "--user", "u-0001", "--memory", dir.path("m.sqlite")])
        #expect(forget.status == 0, "\(forget.stderr)")
        #expect(
            try sqlite(dir.path("m.sqlite"), "SELECT user_id FROM llm_cache UNION ALL SELECT user_id FROM llm_usage")
                == ["u-0002", "u-0002"])
    }

    @Test func promptsCarryNoIdentifiers() throws {
        let server = try FakeLLM()
        let dir = TempDir()
        let input = try synthInput(users: 1)
        var env = server.environment()
        env["HOS_MEMORY"] = dir.path("m.sqlite")
        let r = try run("hos-behavior", ["--llm"], input: input, environment: env)
        #expect(r.status == 0)
        let sent = try server.requests()
        let eventIDs = input.split(separator: "\n").compactMap {
            try? JSONParser.parse(String($0))["event_id"]?.stringValue
        }
        #expect(!sent.contains("u-0001"))
        #expect(!eventIDs.contains { sent.contains($0) })
        #expect(!sent.contains("analysis_id") && !sent.contains("2026-"))
    }

    @Test func everyFailureFallsBackAndMarksTheEvent() throws {
        let server = try FakeLLM()
        let dir = TempDir()
        let input = try synthInput(users: 1)
        var env = server.environment()
        env["HOS_MEMORY"] = dir.path("m.sqlite")
        env["HOS_LLM_RETRIES"] = "1"
        env["HOS_LLM_TIMEOUT"] = "0.5"
        let plain = try run("hos-behavior", [], input: input).events("behavior_analysis")
        for (script, reason) in [
            (["500", "500"], "http_500"), (["slow:3"], "timeout"), (["malformed"], "malformed"),
            (["schema"], "schema"), (["429:0", "429:0"], "http_429"),
        ] {
            try server.script(script)
            let r = try run("hos-behavior", ["--llm"], input: input, environment: env)
            #expect(r.status == 0, "\(script): \(r.stderr)")
            let a = r.events("behavior_analysis")
            #expect(a.first?["payload"]?["llm"] == "fallback", "\(script)")
            #expect(a.first?["payload"]?["llm_reason"] == .string(reason), "\(script)")
            #expect(a.first?["payload"]?["narrative"] == nil)
            #expect(a.map(withoutLLM) == plain)
            #expect(
                r.stderr.contains(
                    "hos-behavior: warning: llm: hos-behavior: fell back to the deterministic text (\(reason))"))
        }
        // Nothing failed is cached; every fallback is counted.
        #expect(try sqlite(dir.path("m.sqlite"), "SELECT count(*) FROM llm_cache") == ["0"])
        #expect(try sqlite(dir.path("m.sqlite"), "SELECT fallbacks, requests FROM llm_usage") == ["5|7"])
        // After a 500 then a good reply, the retry succeeds.
        try server.script(["500"])
        let ok = try run("hos-behavior", ["--llm"], input: input, environment: env)
        #expect(ok.events("behavior_analysis").first?["payload"]?["llm"] == "ok")
    }

    @Test func theBudgetStopsTheCalls() throws {
        let server = try FakeLLM()
        let dir = TempDir()
        var env = server.environment()
        env["HOS_MEMORY"] = dir.path("m.sqlite")
        let input = try synthInput(users: 3)
        // The first reply spends more than 100 tokens: the other two users get no call.
        let r = try run("hos-behavior", ["--llm", "--llm-budget", "100"], input: input, environment: env)
        #expect(r.status == 0)
        #expect(
            r.events("behavior_analysis").map { $0["payload"]?["llm_reason"] ?? "ok" } == ["ok", "budget", "budget"])
        #expect(try server.count() == 1)
        // Issue 18: the same fallback twice is one warning line with its count; --verbose lists each.
        let fallback = "hos-behavior: warning: llm: hos-behavior: fell back to the deterministic text (budget)"
        #expect(r.stderr.split(separator: "\n").map(String.init) == [fallback + " (2 times); --verbose lists each"])
        // The first user's reply is cached now, so a budget of 0 leaves two fallbacks.
        let verbose = try run(
            "hos-behavior", ["--llm", "--llm-budget", "0", "--verbose"], input: input, environment: env)
        #expect(verbose.stderr.split(separator: "\n").map(String.init) == Array(repeating: fallback, count: 2))
        env["HOS_LLM_BUDGET"] = "0"
        let none = try run("hos-behavior", ["--llm"], input: try synthInput(users: 4), environment: env)
        #expect(none.events("behavior_analysis").last?["payload"]?["llm_reason"] == "budget")
        #expect(try server.count() == 1)
    }

    @Test func insightsAndRoutineAreWordedPerItem() throws {
        let server = try FakeLLM()
        let dir = TempDir()
        var env = server.environment()
        env["HOS_MEMORY"] = dir.path("m.sqlite")
        let input = try synthInput(users: 1)
        let analysed = try run("hos-behavior", [], input: input).stdout
        let routine = try run("hos-routine", ["--llm"], input: analysed, environment: env)
        #expect(routine.status == 0, "\(routine.stderr)")
        let plan = try #require(routine.events("routine_plan").first?["payload"])
        #expect(plan["llm"] == "ok")
        let ids = (plan["items"]?.arrayValue ?? []).compactMap { $0["item_id"]?.stringValue }
        #expect(plan["narrative"]?.objectValue.map { Array($0.keys).sorted() } == ids.sorted())

        let insights = try run("hos-insights", ["--llm"], input: routine.stdout, environment: env)
        #expect(insights.status == 0, "\(insights.stderr)")
        let found = insights.events("insight")
        #expect(!found.isEmpty)
        for (k, i) in found.enumerated() {
            #expect(i["payload"]?["llm"] == "ok")
            #expect(i["payload"]?["narrative"] == .string("Reworded item \(k + 1), numbers unchanged."))
        }
        // One call per barrier for all of a user's insights; a list of the wrong length is a fallback.
        #expect(try server.count() == 2)
        try server.script(["schema"])
        let bad = try run(
            "hos-insights", ["--llm", "--memory", dir.path("other.sqlite")], input: routine.stdout,
            environment: env)
        #expect(bad.events("insight").allSatisfy { $0["payload"]?["llm_reason"] == "schema" })
        #expect(
            try sqlite(dir.path("m.sqlite"), "SELECT agent, requests FROM llm_usage ORDER BY agent")
                == ["hos-insights|1", "hos-routine|1"])
    }

    @Test func theAPIKeyAppearsNowhere() throws {
        let key = "sk-hos-FAKE-KEY-7f3a9c"
        let server = try FakeLLM(key: "the-right-key")
        let dir = TempDir()
        var env = server.environment(key: key)
        env["HOS_MEMORY"] = dir.path("m.sqlite")
        let input = try synthInput(users: 1)
        let r = try run("hos-behavior", ["--llm", "--stats"], input: input, environment: env)
        #expect(r.status == 0)
        #expect(r.events("behavior_analysis").first?["payload"]?["llm_reason"] == "http_401")
        // Through hos-run with an event log, and a bad configuration: the key is in no output either.
        let pipeline = dir.path("p.yaml")
        try """
        version: 1
        name: llm
        output: all
        llm:
          base_url: \(server.baseURL)
          model: fake-model
          api_key_env: MY_LLM_KEY
          timeout: 2s
          budget: 5000
        steps:
          - agent: behavior
          - agent: memory
        """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        var runEnv = env
        runEnv["MY_LLM_KEY"] = key
        let piped = try run("hos-run", [pipeline, "--event-log"], input: input, environment: runEnv)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.events("behavior_analysis").first?["payload"]?["llm_reason"] == "http_401")
        var badEnv = env
        badEnv["HOS_LLM_BASE_URL"] = key
        let bad = try run("hos-behavior", ["--llm"], input: input, environment: badEnv)
        #expect(bad.status == 78)
        #expect(bad.stderr.contains("base URL"))
        let memory = try Data(contentsOf: URL(fileURLWithPath: dir.path("m.sqlite")))
        let dump = try sqlite(dir.path("m.sqlite"), ".dump").joined(separator: "\n")
        #expect(dump.contains("behavior_analysis"), "the event log holds the run")
        for (name, text) in [
            ("stdout", r.stdout), ("stderr", r.stderr), ("hos-run stdout", piped.stdout),
            ("hos-run stderr", piped.stderr), ("config error", bad.stdout + bad.stderr),
            ("memory file", String(decoding: memory, as: UTF8.self)), ("dump", dump),
        ] {
            #expect(!text.contains(key), "the key is in \(name)")
            #expect(!text.contains("FAKE-KEY"), "part of the key is in \(name)")
        }
        // It was sent, as a bearer token, and only there.
        #expect(try server.requests().contains("Bearer \(key)"))
    }

    /// Issue 18, item 4: hos-run keeps no list of the agents that can use an LLM. With an llm: section every
    /// agent step gets HOS_LLM=1, which hos-behavior reads as its --llm and hos-memory ignores.
    @Test func hosRunTurnsTheLLMOnThroughTheEnvironmentWithoutAListOfAgents() throws {
        let server = try FakeLLM()
        let dir = TempDir()
        let input = try synthInput(users: 1)
        var env = server.environment()
        env["HOS_MEMORY"] = dir.path("m.sqlite")
        let alone = try run("hos-behavior", [], input: input, environment: env.merging(["HOS_LLM": "1"]) { $1 })
        let flagged = try run("hos-behavior", ["--llm"], input: input, environment: env)
        #expect(alone.status == 0, "\(alone.stderr)")
        #expect(alone.stdout == flagged.stdout, "HOS_LLM=1 is --llm")
        #expect(alone.events("behavior_analysis").allSatisfy { $0["payload"]?["llm"] == "ok" })

        _ = FileManager.default.createFile(atPath: dir.path("in.jsonl"), contents: Data(input.utf8))
        let pipeline = dir.path("p.yaml")
        try """
        version: 1
        name: words
        llm: {base_url: "\(server.baseURL)", model: fake-model}
        steps:
          - agent: behavior
          - agent: memory
          - agent: behavior
            id: plain
            env: {HOS_LLM: "0"}
        """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let r = try run(
            "hos-run", [pipeline, "-i", dir.path("in.jsonl"), "--memory", dir.path("run.sqlite")],
            environment: ["OPENAI_API_KEY": "sk-test"])
        #expect(r.status == 0, "\(r.stderr)")
        let done = r.events("analysis_complete")
        #expect(done.count == 1)
        #expect(done.first?["payload"]?["behavior"]?["llm"] == "ok")
        #expect(done.first?["payload"]?["memory"]?["llm"] == nil)
        #expect(done.first?["payload"]?["plain"]?["llm"] == nil, "a step's env: turns it off")

        let bad = try run("hos-behavior", [], input: input, environment: ["HOS_LLM": "maybe"])
        #expect(bad.status == 78)
        #expect(bad.stderr == "hos-behavior: HOS_LLM must be 0 or 1\n")
    }

    @Test func withoutTheFlagNothingChangesAndNothingIsOpened() throws {
        let dir = TempDir()
        let input = try synthInput(users: 1)
        let r = try run(
            "hos-behavior", [], input: input,
            environment: [
                "HOS_MEMORY": dir.path("m.sqlite"),
                "HOS_LLM_BASE_URL": "http://127.0.0.1:9/v1",
            ])
        #expect(!r.stdout.contains("\"llm\""))
        #expect(!FileManager.default.fileExists(atPath: dir.path("m.sqlite")))
    }
}
