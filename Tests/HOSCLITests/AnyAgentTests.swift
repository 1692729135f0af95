// hos-run keeps no list of agents (issue 18, item 4): any hos-NAME found runs as a step, and the llm:
// section reaches every agent the same way; dead letters that cannot be written fail a run loudly.

import Foundation
import HOSTestSupport
import Testing

/// An agent hos does not ship: it forwards every event and writes one of its own before each request, and
/// notes its HOS_LLM and arguments in $ECHO_LOG.
let echoAgent = #"""
    #!/bin/sh
    echo "HOS_LLM=${HOS_LLM:-} args=$*" >> "$ECHO_LOG"
    exec awk '/"event_type":"analysis_request"/ {
        n++
        match($0, /"user_id":"[^"]*"/)
        printf "{\"event_id\":\"echo-%d\",\"event_type\":\"echo\",%s,\"timestamp\":\"2026-01-01T00:00:00Z\",\"source_agent\":\"hos-echo\",\"payload\":{\"n\":%d}}\n", n, substr($0, RSTART, RLENGTH), n
    }
    { print; fflush() }'

    """#

@Suite(.serialized) struct AnyAgentTests {
    func scratchWithEcho() throws -> RunScratch {
        let s = try RunScratch(users: 2, days: 3)
        try s.sh("mkdir -p agents")
        try s.write("agents/hos-echo", echoAgent)
        try s.sh("chmod +x agents/hos-echo")
        return s
    }

    @Test func anAgentIsWhateverHosNameIsFound() throws {
        let s = try scratchWithEcho()
        try s.write("echo.yaml", "version: 1\nname: echo\nsteps:\n  - agent: echo\n    args: [--shout]\n")
        try s.write("llm.yaml", "version: 1\nname: echo\nllm: {model: tiny}\nsteps: [{agent: echo}]\n")
        let run = #"PATH="$PWD/agents:$PATH" ECHO_LOG="$PWD/log" "#
        let r = try s.sh(run + "hos-run echo.yaml --memory m.sqlite -i users.jsonl -o out.jsonl")
        #expect(r.status == 0, "\(text(r.stderr))")
        let done = s.lines("out.jsonl")
        #expect(done.count == 2)
        #expect(done.map { (payload($0)["echo"] as? [String: Any])?["n"] as? Int } == [1, 2])
        let lint = try s.sh(run + "hos-run lint echo.yaml")
        #expect(lint.status == 0, "\(text(lint.stderr))")

        // With an llm: section the step is asked for words as hos's own agents are, by HOS_LLM=1 and not by
        // a flag it might not know; it ignores the variable and runs as before.
        let llm = try s.sh(run + "hos-run llm.yaml --memory m.sqlite -i users.jsonl -o llm.jsonl")
        #expect(llm.status == 0, "\(text(llm.stderr))")
        #expect(s.lines("llm.jsonl").count == 2)
        #expect(
            try String(contentsOf: s.dir.appendingPathComponent("log"), encoding: .utf8)
                == "HOS_LLM= args=--shout\nHOS_LLM=1 args=\n")

        // Not found: named by its line and executable before anything runs.
        let missing = try s.sh("hos-run echo.yaml --memory m.sqlite -i users.jsonl")
        #expect(missing.status == 78)
        #expect(text(missing.stderr) == "hos-run: echo.yaml:4: steps: hos-echo not found beside hos-run or on PATH\n")
        #expect(text(missing.stdout).isEmpty)
    }

    /// An agent used to drop its dead letters without a word when the file could not be written.
    @Test(arguments: ["hos-behavior", "hos-run \(pipelines)/quick.yaml --memory m.sqlite -i"])
    func deadLettersThatCannotBeWrittenFailTheRun(command: String) throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let s = try RunScratch(users: 1, days: 3)
        let r = try s.sh(
            "(head -2 users.jsonl; echo '{oops'; tail -n +3 users.jsonl) > bad.jsonl; "
                + "\(command) bad.jsonl --on-error dead-letter=/dev/full -o out.jsonl")
        #expect(r.status == 74)
        #expect(text(r.stderr).hasSuffix("/dev/full: write error: no space left on device\n"), "\(text(r.stderr))")
        #expect(!FileManager.default.fileExists(atPath: s.dir.appendingPathComponent("out.jsonl").path))
    }
}
