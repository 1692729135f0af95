// Limits through the real commands (issue 17): line length between hos commands, `ulimit -f`, pipeline
// file size, steps and alias bombs, `${NAME}` in run: commands, and diagnostics that name the right place.

import Foundation
import HOSTestSupport
import Testing

/// A health_record line of exactly `bytes` bytes, with or without an event_id.
func paddedLine(bytes: Int, id: Bool) -> String {
    let head =
        (id ? #"{"event_id":"big-1","# : "{")
        + #""event_type":"health_record","user_id":"u1","timestamp":"2026-01-05T00:00:00Z","payload":{"date":"2026-01-05","metrics":{"steps":1000},"note":""#
    let tail = #""}}"#
    return head + String(repeating: "x", count: bytes - head.utf8.count - tail.utf8.count) + tail
}

@Suite(.serialized) struct LimitTests {
    static let limit = 1 << 20

    @Test func whatOneCommandWritesTheNextAccepts() throws {
        let s = try RunScratch(users: 1, days: 2)
        // The longest line without an id that still fits once hos adds its 40-byte event_id.
        try s.write("fits.jsonl", paddedLine(bytes: Self.limit - 40, id: false) + "\n")
        let piped = try s.sh(
            "hos-validate --pass fits.jsonl > a.jsonl; echo $?; hos-validate --pass a.jsonl > b.jsonl; echo $?; cmp a.jsonl b.jsonl && wc -c < b.jsonl"
        )
        #expect(text(piped.stdout) == "0\n0\n\(Self.limit + 1)\n")
        #expect(text(piped.stderr) == "")
        // 1,048,570 bytes (the issue's line): too long once its id is added, so refused where it is read,
        // naming the file and line, rather than by the next command.
        try s.write("long.jsonl", paddedLine(bytes: 1_048_570, id: false) + "\n")
        let long = try s.sh("hos-validate --pass long.jsonl > /dev/null")
        #expect(long.status == 65)
        #expect(
            text(long.stderr)
                == "hos-validate: long.jsonl:1: line longer than 1048576 bytes once its event_id is added (1048570 + 40)\n"
        )
        // A line of exactly the limit that has its id passes both.
        try s.write("exact.jsonl", paddedLine(bytes: Self.limit, id: true) + "\n")
        let exact = try s.sh("hos-validate --pass exact.jsonl | hos-validate --pass | cmp - exact.jsonl")
        #expect(exact.status == 0)
        // hos-run accepts what hos-validate wrote, and names the input line it cannot take.
        try s.write("p.yaml", "version: 1\nname: pass\nsteps: [{agent: validate, args: [--pass]}]\n")
        let run = try s.sh("hos-run p.yaml -i a.jsonl --memory m.sqlite")
        #expect(run.status == 0)
        #expect(text(run.stderr) == "")
        let bad = try s.sh("hos-run p.yaml -i long.jsonl --memory m.sqlite")
        #expect(bad.status == 65)
        #expect(
            text(bad.stderr)
                == "hos-run: long.jsonl:1: line longer than 1048576 bytes once its event_id is added (1048570 + 40)\n")
    }

    @Test func fileSizeLimitIsAnIOErrorAndLeavesNoTemporaryFile() throws {
        let s = try RunScratch(users: 6, days: 40)
        let behavior = try s.sh("ulimit -f 8; hos-behavior -o o.jsonl users.jsonl; echo $?; ls")
        #expect(text(behavior.stdout).hasPrefix("74\n"))
        #expect(!text(behavior.stdout).contains("o.jsonl"))
        #expect(text(behavior.stderr) == "hos-behavior: o.jsonl: write error: file too large\n")
        let memory = try s.sh("ulimit -f 16; hos-memory --memory m.sqlite users.jsonl > /dev/null")
        #expect(memory.status == 74)
        #expect(text(memory.stderr).hasPrefix("hos-memory: "))
        #expect(text(memory.stderr).split(separator: "\n").count == 1)
    }

    @Test func signalRemovesTheTemporaryOutputFile() throws {
        let s = try RunScratch(users: 2, days: 10)
        // Input that stays open, so the command is still running when the signal comes.
        let r = try s.sh(
            "(cat users.jsonl; sleep 3) 2>/dev/null | hos-behavior -o o.jsonl & pid=$!; sleep 1; ls | grep -c tmp-; kill -TERM $pid; wait $pid; echo $?; ls | grep -c o.jsonl"
        )
        #expect(text(r.stdout) == "1\n143\n0\n")
    }

    @Test func aliasBombsAndHugePipelinesAreRefusedQuickly() throws {
        let s = try RunScratch(users: 1, days: 1)
        try s.write("p.yaml", "version: 1\nname: x\nsteps: [{agent: behavior}]\n")
        var bomb = "version: 1\npipeline: p.yaml\ntests:\n  - name: bomb\n    input:\n"
        bomb +=
            "      - &a {event_type: health_record, user_id: u, timestamp: \"2026-01-01T00:00:00Z\", payload: {x: [1,1,1,1,1,1,1,1,1]}}\n"
        for (a, b) in zip("abcdefg", "bcdefgh") {
            bomb += "      - &\(b) [" + Array(repeating: "*\(a)", count: 9).joined(separator: ",") + "]\n"
        }
        try s.write("bomb.yaml", bomb + "    expect: [{count: 1}]\n")
        try s.write("keybomb.yaml", bomb + "      - {? *h : 1}\n    expect: [{count: 1}]\n")
        var start = Date()
        let r = try s.sh("hos-run test bomb.yaml")
        #expect(r.status == 78)
        #expect(
            text(r.stderr)
                == "hos-run: bomb.yaml:5: tests[0].input[4][5]: aliases expand to more than 100000 values (an alias bomb?)\n"
        )
        let k = try s.sh("hos-run test keybomb.yaml")
        #expect(k.status == 78)
        #expect(
            text(k.stderr).hasPrefix(
                "hos-run: keybomb.yaml:14: invalid YAML: a key that is a list, a mapping or an alias"))
        #expect(Date().timeIntervalSince(start) < 10)
        // A file over 1 MiB is refused before it is parsed; a pipeline of more than 1000 steps too.
        let steps = (0..<1001).map { "  - {agent: behavior, id: s\($0)}\n" }.joined()
        try s.write("many.yaml", "version: 1\nname: x\nsteps:\n" + steps)
        let huge = "version: 1\nname: x\nsteps:\n" + String(repeating: steps, count: 40)
        try s.write("huge.yaml", huge)
        start = Date()
        let lint = try s.sh("hos-run lint many.yaml huge.yaml")
        #expect(lint.status == 78)
        #expect(
            text(lint.stderr) == """
                hos-run: many.yaml:4: steps: has 1001 steps; the limit is 1000
                hos-run: huge.yaml:1: invalid YAML: the file is \(huge.utf8.count) bytes; the limit is 1048576

                """)
        #expect(Date().timeIntervalSince(start) < 10)
    }

    @Test func runVariableIsOneShellWordUnlessRaw() throws {
        let s = try RunScratch(users: 1, days: 2)
        // Outside quotes, in "..." and in '...': each expansion reaches the command as the literal value.
        try s.write(
            "p.yaml",
            """
            version: 1
            name: quoting
            steps:
              - run: test ${FILTER} = "$$FILTER" && test "${FILTER}" = "$$FILTER" && test '${FILTER}' = "$$FILTER" && cat
                id: filter

            """)
        let evil = "'.' ; touch PWNED ; cat \"$HOME\" `id` \\"
        let r = try s.sh(
            "hos-run p.yaml -i users.jsonl --memory m.sqlite > out.jsonl; echo $?; ls PWNED 2>&1 | grep -c 'No such'",
            env: ["FILTER": evil])
        #expect(text(r.stdout) == "0\n1\n")
        #expect(text(r.stderr) == "")
        let lint = try s.sh("hos-run lint p.yaml", env: ["FILTER": evil])
        #expect(lint.status == 0)
        #expect(text(lint.stderr) == "")
        // ${NAME:raw} pastes shell code, and lint says so.
        try s.write("raw.yaml", "version: 1\nname: raw\nsteps:\n  - run: ${CMD:raw}\n    id: f\n")
        let raw = try s.sh(
            "hos-run raw.yaml -i users.jsonl --memory m.sqlite --output-mode all | wc -l", env: ["CMD": "cat | cat"])
        #expect(text(raw.stdout).trimmingCharacters(in: .whitespacesAndNewlines) != "0")
        let rawLint = try s.sh("hos-run lint raw.yaml", env: ["CMD": "cat | cat"])
        #expect(rawLint.status == 0)
        #expect(
            text(rawLint.stderr)
                == "hos-run: warning: raw.yaml:4: steps[0].run: ${CMD:raw} is pasted into the shell command unquoted: its value runs as shell code\n"
        )
        let elsewhere = try s.sh(
            "printf 'version: 1\\nname: ${CMD:raw}\\nsteps: [{agent: behavior}]\\n' > n.yaml; hos-run lint n.yaml",
            env: ["CMD": "x"])
        #expect(text(elsewhere.stderr) == "hos-run: n.yaml:2: name: ${CMD:raw} is for run: commands only\n")
    }

    @Test func pipelineDiagnosticsNameTheRightPlace() throws {
        let s = try RunScratch(users: 1, days: 2)
        let r = try s.sh(
            #"""
            printf 'version: 1\nname: x\n# comment\nsteps:\n  - agent: behavior\n    id: "a\0b"\n' > nul.yaml
            printf 'version: 1\nname: x\nsteps:\n  - agent: behavior\n    id: "a\377b"\n' > utf.yaml
            hos-run lint nul.yaml utf.yaml
            """#)
        #expect(r.status == 78)
        #expect(
            text(r.stderr) == """
                hos-run: nul.yaml:6: invalid YAML: a NUL byte at column 11
                hos-run: utf.yaml:5: invalid YAML: not UTF-8: byte 0xFF at column 11

                """)
        try s.write("missing.yaml", "version: 1\nname: x\nsteps:\n  - agent: behavior\n  - agent: nosuchagent\n")
        let missing = try s.sh("hos-run missing.yaml -i users.jsonl --memory m.sqlite")
        #expect(missing.status == 78)
        #expect(
            text(missing.stderr)
                == "hos-run: missing.yaml:5: steps: hos-nosuchagent not found beside hos-run or on PATH\n")
        // Out of file descriptors: the step that could not start is named, not /bin/sh.
        try s.write(
            "fd.yaml",
            "version: 1\nname: x\nsteps:\n  - run: cat\n    id: first\n  - run: cat\n    id: second\n  - run: cat\n    id: third\n"
        )
        var blamed: [String] = []
        for n in 11...15 {
            let fd = try s.sh("ulimit -n \(n) && hos-run fd.yaml -i users.jsonl --memory m.sqlite > /dev/null")
            if fd.status != 0 { blamed.append(text(fd.stderr)) }
        }
        #expect(
            blamed.contains {
                $0.hasPrefix("hos-run: step first: cannot start: cannot make a pipe: too many open files")
                    || $0.hasPrefix("hos-run: step second: cannot start: cannot make a pipe: too many open files")
            })
        #expect(!blamed.contains { $0.contains("/bin/sh") })
    }
}
