// The pipeline file: parsing, every problem with its key path and line, variables, graphs, test expectations.

import Foundation
import HOSCore
import Testing

@testable import HOSPipeline

func parse(_ text: String, env: [String: String] = [:]) throws -> PipelineSpec {
    try PipelineSpec.parse(text, file: "p.yaml", environment: env)
}

func problems(_ text: String, env: [String: String] = [:]) -> [String] {
    do {
        _ = try parse(text, env: env)
        return []
    } catch let PipelineError.invalid(p) {
        return p.map(\.description)
    } catch {
        return ["\(error)"]
    }
}

@Suite struct SpecTests {
    @Test func fullFileParses() throws {
        let spec = try parse(
            """
            version: 1
            name: full
            description: all of it
            memory: /tmp/m.sqlite
            defaults: {timeout: 500ms, retries: 2, on_failure: fail}
            output: all
            steps:
              - agent: behavior
              - agent: hos-memory
                args: [--context-items, "8"]
              - parallel:
                  - agent: nutrition
                    timeout: 2m
                  - agent: routine
                    retries: 0
                    on_failure: degrade
              - run: "jq -c ."
                id: copy
                env: {LC_ALL: C}
            """)
        #expect(spec.name == "full")
        #expect(spec.output == .all)
        #expect(spec.memory == "/tmp/m.sqlite")
        #expect(spec.steps.map(\.id) == ["behavior", "memory", "nutrition", "routine", "copy"])
        #expect(spec.steps[0].policy.timeout == 0.5 && spec.steps[0].policy.retries == 2)
        #expect(spec.steps[0].policy.onFailure == .fail)
        #expect(spec.steps[1].args == ["--context-items", "8"])
        #expect(spec.steps[2].policy.timeout == 120)
        #expect(spec.steps[3].policy.retries == 0 && spec.steps[3].policy.onFailure == .degrade)
        #expect(spec.steps[4].kind == .run("jq -c .") && spec.steps[4].env == ["LC_ALL": "C"])
        guard case .parallel(let b, _) = spec.stages[2] else {
            Issue.record("stage 2 is not parallel")
            return
        }
        #expect(b.count == 2)
    }

    @Test func everyProblemHasItsPathAndLine() {
        let p = problems(
            """
            version: 2
            name: bad
            defaults: {timeout: fast, retries: 20}
            outptu: all
            steps:
              - agent: behavior
                argz: [--x]
              - run: "jq -c ."
              - parallel:
                  - agent: nutrition
              - agent: behavior
            """)
        #expect(
            p == [
                "p.yaml:1: version: unsupported version (this hos-run reads version 1)",
                "p.yaml:3: defaults.timeout: must be a duration from 1ms to 24h, such as 30s, 500ms, 2m or 1h",
                "p.yaml:3: defaults.retries: must be a whole number from 0 to 10",
                "p.yaml:4: outptu: unknown key (expected one of: version, name, description, memory, defaults, output, llm, incremental, steps)",
                "p.yaml:7: steps[0].argz: unknown key (expected one of: agent, run, id, args, env, timeout, retries, on_failure)",
                "p.yaml:8: steps[1].id: a 'run:' step needs an 'id:'",
                "p.yaml:10: steps[2].parallel: must be a list of at least two steps",
                "p.yaml:11: steps: step id 'behavior' is used twice (lines 6 and 11): give one an 'id:'",
            ])
    }

    /// Regression: 1e300h passed lint as finite and became an infinite timeout that
    /// trapped `hos-run graph` and the timeout messages.
    @Test func durationsAreBoundedAfterTheirUnit() {
        let bad = "p.yaml:3: defaults.timeout: must be a duration from 1ms to 24h, such as 30s, 500ms, 2m or 1h"
        for t in ["1e300h", "25h", "0.0001s", "0", "-5s", "nan", "infs"] {
            #expect(
                problems("version: 1\nname: x\ndefaults: {timeout: \"\(t)\"}\nsteps: [{agent: behavior}]\n") == [bad],
                "\(t)")
        }
        for t in ["24h", "1ms", "90", "2.5m"] {
            #expect(
                problems("version: 1\nname: x\ndefaults: {timeout: \"\(t)\"}\nsteps: [{agent: behavior}]\n").isEmpty,
                "\(t)")
        }
    }

    /// Issue #10: the llm: section reaches the agents as HOS_LLM_* variables; the key never is in the file.
    /// Issue 18, item 4: every agent step gets HOS_LLM=1, whatever its name, and no flag is added to its command.
    @Test func llmSectionBecomesEnvironment() throws {
        let spec = try parse(
            """
            version: 1
            name: llm
            llm:
              base_url: http://127.0.0.1:8080/v1
              model: tiny
              api_key_env: MY_KEY
              timeout: 90s
              budget: 1000
              stream: true
            steps:
              - agent: behavior
              - agent: memory
              - agent: insights
                args: [--llm]
              - agent: echo
              - run: cat
                id: cat
            """)
        let bin = FileManager.default.temporaryDirectory.appendingPathComponent("hos-bin-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: bin) }
        for name in ["behavior", "memory", "insights", "echo"] {
            _ = FileManager.default.createFile(
                atPath: "\(bin)/hos-\(name)", contents: nil, attributes: [.posixPermissions: 0o755])
        }
        let launches = try PipelineRunner(spec: spec, options: RunOptions(memory: "m", environment: ["PATH": bin]))
            .launches()
        for step in ["behavior", "memory", "insights", "echo"] {
            #expect(launches[step]?.environment["HOS_LLM"] == "1", "\(step)")
            #expect(launches[step]?.environment["HOS_LLM_MODEL"] == "tiny", "\(step)")
        }
        #expect(launches["behavior"]?.argv.count == 1, "no --llm added")
        #expect(launches["insights"]?.argv.dropFirst() == ["--llm"], "a step's own args pass as they are")
        #expect(launches["cat"]?.environment["HOS_LLM"] == nil, "a run: step is not an agent")
        #expect(
            spec.llm?.environment == [
                "HOS_LLM_BASE_URL": "http://127.0.0.1:8080/v1", "HOS_LLM_MODEL": "tiny",
                "HOS_LLM_API_KEY_ENV": "MY_KEY", "HOS_LLM_TIMEOUT": "90.0",
                "HOS_LLM_BUDGET": "1000", "HOS_LLM_STREAM": "1",
            ])
        #expect(
            problems(
                """
                version: 1
                name: llm
                llm:
                  base_url: ftp://x
                  api_key_env: sk-live-123
                  modle: tiny
                  budget: -1
                steps:
                  - agent: behavior
                """) == [
                    "p.yaml:4: llm.base_url: must start with http:// or https://",
                    "p.yaml:5: llm.api_key_env: must be the name of the environment variable that holds the key (letters, digits, '_'), not the key",
                    "p.yaml:6: llm.modle: unknown key (expected one of: base_url, model, api_key_env, timeout, budget, stream)",
                    "p.yaml:7: llm.budget: must be a whole number from 0 to 1000000000",
                ])
    }

    @Test func missingKeysAndWrongShapes() {
        #expect(
            problems("name: x\nsteps: []\n") == [
                "p.yaml:1: version: missing (add 'version: 1')", "p.yaml:2: steps: must be a non-empty list",
            ])
        #expect(
            problems("version: 1\nname: x\nsteps:\n  - agent: a\n    run: b\n    id: c\n")
                == ["p.yaml:4: steps[0]: has both 'agent' and 'run': a step is one or the other"])
        #expect(
            problems("version: 1\nname: x\nsteps:\n  - agent: a\n    id: degraded\n")
                == ["p.yaml:4: steps: step id 'degraded' is a key of analysis_complete: choose another 'id:'"])
        #expect(problems("- a\n- b\n") == ["p.yaml:1: : must be a mapping"])
    }

    @Test func brokenYAMLNamesItsLine() {
        #expect(
            throws: PipelineError.yaml(
                file: "p.yaml", line: 3, message: "mapping values are not allowed in this context")
        ) {
            try parse("version: 1\nname: x\nsteps: a: b\n")
        }
    }

    @Test func variablesExpand() throws {
        let spec = try parse(
            """
            version: 1
            name: ${NAME}-$$1
            memory: ${DIR:-/var/hos}/m.sqlite
            steps:
              - agent: behavior
                env: {HOME_COPY: "${HOME}"}
            """, env: ["NAME": "nightly", "HOME": "/home/u"])
        #expect(spec.name == "nightly-$1")
        #expect(spec.memory == "/var/hos/m.sqlite")
        #expect(spec.steps[0].env["HOME_COPY"] == "/home/u")
        #expect(
            problems("version: 1\nname: ${UNSET}\nsteps: [{agent: a}]\n")
                == ["p.yaml:2: name: ${UNSET} is not set (write ${UNSET:-default} for a default)"])
    }

    /// Regression: duplicate keys name their line; nested variables are refused, not mangled.
    @Test func duplicateKeysAndNestedVariables() {
        #expect(throws: PipelineError.yaml(file: "p.yaml", line: 5, message: "duplicated key: timeout")) {
            try parse("version: 1\nname: x\nsteps:\n  - agent: a\n    timeout: 5s\n    timeout: 6s\n")
        }
        #expect(
            problems("version: 1\nname: x\nmemory: ${A:-${HOME}}/m\nsteps: [{agent: a}]\n", env: ["HOME": "/h"])
                == ["p.yaml:3: memory: nested ${...} is not supported: write the default without '$'"])
    }

    /// `incremental:` is true (3 new days), false, or {min_new_days: N}; anything else names its key path.
    @Test func incrementalKey() throws {
        func days(_ value: String) throws -> Int? {
            try parse("version: 1\nname: x\nincremental: \(value)\nsteps: [{agent: a}]\n").incremental
        }
        #expect(try days("true") == 3)
        #expect(try days("false") == nil)
        #expect(try days("{min_new_days: 5}") == 5)
        #expect(try days("{}") == 3)
        #expect(try parse("version: 1\nname: x\nsteps: [{agent: a}]\n").incremental == nil)
        #expect(
            problems("version: 1\nname: x\nincremental: {min_new_days: 0, days: 2}\nsteps: [{agent: a}]\n") == [
                "p.yaml:3: incremental.days: unknown key (expected one of: min_new_days)",
                "p.yaml:3: incremental.min_new_days: must be a whole number from 1 to 366",
            ])
        #expect(
            problems("version: 1\nname: x\nincremental: yes\nsteps: [{agent: a}]\n")
                == ["p.yaml:3: incremental: must be true, false or a mapping with min_new_days"])
        #expect(
            problems("version: 1\nname: x\nsteps:\n  - agent: a\n    id: cached\n")
                == ["p.yaml:4: steps: step id 'cached' is a key of analysis_complete: choose another 'id:'"])
        let spec = try parse("version: 1\nname: x\nincremental: {min_new_days: 2}\nsteps: [{agent: a}]\n")
        #expect(spec.graphText().hasPrefix("input  [incremental: a user is analysed with at least 2 new days"))
        #expect(spec.graphDOT().contains("\"input\" [shape=oval, label=\"input\\nincremental: a user is analysed"))
    }

    @Test func graphs() throws {
        let spec = try parse(
            """
            version: 1
            name: g
            steps:
              - agent: behavior
              - parallel: [{agent: nutrition}, {agent: routine, timeout: 1500ms}]
            """)
        #expect(
            spec.graphText() == """
                input
                  -> behavior  [hos-behavior; timeout 60s, retries 1, degrade]
                  -> parallel
                       | nutrition  [hos-nutrition; timeout 60s, retries 1, degrade]
                       | routine  [hos-routine; timeout 1.5s, retries 1, degrade]
                     join
                  -> output (complete)

                """)
        let dot = spec.graphDOT()
        #expect(dot.contains("\"behavior\" -> \"nutrition\";") && dot.contains("\"routine\" -> \"join1\";"))
        #expect(dot.contains("\"join1\" -> \"output\";"))
    }
}

@Suite struct ExpectationTests {
    let events: [JSON] = [
        [
            "event_id": "e1", "event_type": "analysis_complete",
            "payload": ["routine": ["difficulty": 2, "items": [["category": "sleep"]]]],
        ],
        ["event_id": "e2", "event_type": "agent_error", "payload": ["agent": "insights"]],
    ]

    @Test func pathsReachIntoObjectsAndArrays() {
        #expect(Expectation.lookup(events[0], "payload.routine.items.0.category") == "sleep")
        #expect(Expectation.lookup(events[0], "payload.routine.items.1.category") == nil)
        #expect(Expectation.lookup(events[0], "payload.routine.difficulty.x") == nil)
    }

    @Test func countsEqualsAndExists() {
        var x = Expectation(
            line: 3, whereFields: [("event_type", "analysis_complete")], count: 1,
            equals: [("payload.routine.difficulty", 2)], exists: ["payload.routine.items.0"])
        #expect(x.check(events) == nil)
        x.count = 2
        #expect(x.check(events) == "1 events match {event_type: \"analysis_complete\"}, expected 2")
        x.count = nil
        x.equals = [("payload.routine.difficulty", 3)]
        #expect(x.check(events) == "output event 1 (event_id e1): payload.routine.difficulty is 2, expected 3")
        x.equals = []
        x.exists = ["payload.behavior"]
        #expect(x.check(events) == "output event 1 (event_id e1): payload.behavior is missing")
        x.whereFields = [("event_type", "insight")]
        #expect(x.check(events) == "no event matches {event_type: \"insight\"}")
        // None expected: then nothing is wrong with the fields of none.
        x.count = 0
        #expect(x.check(events) == nil)
    }
}

@Suite struct CreatedTests {
    func line(_ id: String) -> Line { Line(bytes: Array(id.utf8), id: id, user: "u", isAgentError: false) }

    /// What a step created is its output less every line whose id was in its input, whatever the order.
    @Test func createdIsTheOutputLessTheInputIDs() {
        struct SplitMix: RandomNumberGenerator {
            var state: UInt64 = 7
            mutating func next() -> UInt64 {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return z ^ (z >> 31)
            }
        }
        var rng = SplitMix()
        func next(_ n: Int) -> Int { Int.random(in: 0..<n, using: &rng) }
        for _ in 0..<500 {
            let input = (0..<next(40)).map { i in line(next(6) == 0 ? "" : "in\(i)") }
            var output: [Line] = []
            for l in input where next(5) != 0 { output.append(l) } // most forwarded, some dropped
            for k in 0..<next(20) { // new ones, some with no id
                output.insert(line(next(4) == 0 ? "" : "new\(k)"), at: next(output.count + 1))
            }
            if next(3) == 0 { output.shuffle(using: &rng) } // an agent that reorders
            if next(4) == 0, let l = input.randomElement(using: &rng), !l.id.isEmpty { output.append(l) } // twice
            let ids = Set(input.map(\.id).filter { !$0.isEmpty })
            let expected = output.filter { $0.id.isEmpty || !ids.contains($0.id) }.map(\.id)
            #expect(StepNode.created(output, input: input).map(\.id) == expected)
        }
    }
}
