// The runtime's input pieces that the agents and hos-run share (issue 18, item 4): bad lines by the error
// policy, open windows and their implicit requests, a forwarded line's event_id, the run's outputs.

import Foundation
import Testing

@testable import HOSCore

/// A reader built on the intake alone, as hos-run's is: it keeps the lines it accepts.
struct EnvelopeReader: EventLineReader {
    var intake: LineIntake
    var accepted: [String] = []

    mutating func accept(_ line: UnsafeBufferPointer<UInt8>) throws {
        let env = try Envelope.scan(line)
        try env.check(in: line)
        accepted.append(String(decoding: line, as: UTF8.self))
    }
}

@Suite struct IntakeTests {
    func read(_ input: String, policy: ErrorPolicy, in dir: TempDir) throws -> EnvelopeReader {
        let file = dir.write("in.jsonl", input)
        let dead = try policy.deadLetterSink()
        var intake = LineIntake(tool: "hos-x", onError: policy, maxLineBytes: 200, deadLetter: dead)
        intake.printProblems = false
        intake.file = "in.jsonl"
        var reader = EnvelopeReader(intake: intake)
        defer { try? dead?.flush() }
        try InputFile(name: "in.jsonl", path: file).readLines(maxLineBytes: 200, into: &reader)
        return reader
    }

    @Test func aReaderOnTheIntakeSkipsBlankLinesAndRejectsByThePolicy() throws {
        let dir = TempDir()
        let long = record("u", "2026-01-03", extra: #","pad":""# + String(repeating: "x", count: 300) + #"""#)
        let input =
            [record("u", "2026-01-01"), " \t", "{oops", long, record("u", "2026-01-02")]
            .joined(separator: "\n") + "\n"
        let skipped = try read(input, policy: .deadLetter(dir.path("dead.jsonl")), in: dir)
        #expect(skipped.accepted == [record("u", "2026-01-01"), record("u", "2026-01-02")])
        #expect(skipped.intake.linesIn == 4, "the blank line is no event and is not counted")
        #expect(skipped.intake.rejected == 2)
        #expect(dir.read("dead.jsonl") == "{oops\n" + long + "\n", "each rejected line, untouched")
        #expect(
            skipped.intake.problems.map { "\($0.0): \($0.1)" } == [
                "in.jsonl:3: invalid JSON: expected a key, found 'o' at column 2",
                "in.jsonl:4: line longer than 200 bytes",
            ])
        #expect(
            throws: HOSError.badInput(
                SourceLocation(file: "in.jsonl", line: 3), "invalid JSON: expected a key, found 'o' at column 2")
        ) {
            _ = try read(input, policy: .fail, in: dir)
        }
    }

    @Test func implicitRequestsFollowTheOrderTheWindowsOpened() {
        var open = OpenWindows()
        func event(_ user: String, _ id: String, _ day: String, archetype: String? = nil) -> Event {
            Event(
                id: id, type: EventType.healthRecord, user: user, timestamp: "2026-01-\(day)T00:00:00Z",
                archetype: archetype, payload: [:])
        }
        open.note(event("u2", "e1", "01", archetype: "Peak Performer"))
        open.note(event("u1", "e2", "01"))
        open.note(event("u3", "e3", "01"))
        open.note(event("u2", "e4", "02"))
        open.close(user: "u1")
        let requests = open.implicitRequests(agent: "hos-x")
        #expect(open.isEmpty)
        #expect(requests.map(\.userID) == ["u2", "u3"])
        let first = requests[0]
        #expect(first.eventID == EventID.derive("implicit", "hos-x", "u2", "e4"), "named after the window's last event")
        #expect(first.timestamp == "2026-01-02T00:00:00Z")
        #expect(first.archetype == "Peak Performer", "an archetype seen once is kept")
        #expect(first.sourceAgent == "hos-x")
        #expect(first.payload["implicit"] == .bool(true))
        #expect(first.payload["analysis_id"] == .string(first.analysisID ?? ""))
    }

    /// An agent's implicit request is the one `OpenWindows` makes: hos-run makes its own with the same piece.
    @Test func theAgentsImplicitRequestIsTheSharedOne() {
        let lines = [record("u1", "2026-01-01", id: "e1"), record("u1", "2026-01-02", id: "e2")]
        let r = runStage(CountingStage(), input: lines.joined(separator: "\n") + "\n", agent: "hos-x")
        var open = OpenWindows()
        for l in lines { open.note(try! Event(json: parse(l), fallbackID: "")) }
        let expected = open.implicitRequests(agent: "hos-x")[0].encoded()
        #expect(r.output.last == String(decoding: expected, as: UTF8.self))
    }

    @Test func aLineWithoutAnEventIDIsForwardedWithOneAtTheFrontOfItsBody() throws {
        for (line, expected) in [
            (#"{"event_type":"x","user_id":"u"}"#, #"{"event_id":"ID","event_type":"x","user_id":"u"}"#),
            (#"  { "event_type":"x"}"#, #"  {"event_id":"ID", "event_type":"x"}"#),
            (#"{"event_id":"e","event_type":"x"}"#, #"{"event_id":"e","event_type":"x"}"#),
        ] {
            let out = try Array(line.utf8).withUnsafeBufferPointer { buf in
                try Envelope.scan(buf).forwarded(buf, id: "ID")
            }
            #expect(String(decoding: out, as: UTF8.self) == expected)
        }
    }

    @Test func runOutputsCommitOnSuccessAndKeepDeadLettersOnFailure() throws {
        let dir = TempDir()
        let ok = try RunOutputs(path: dir.path("out.jsonl"), onError: .deadLetter(dir.path("dead.jsonl")))
        try ok.run {
            try ok.events.writeLine(Array("one".utf8))
            try ok.deadLetter?.writeLine(Array("bad 1".utf8))
        }
        #expect(dir.read("out.jsonl") == "one\n")
        #expect(dir.read("dead.jsonl") == "bad 1\n")

        struct Boom: Error {}
        let failing = try RunOutputs(path: dir.path("out2.jsonl"), onError: .deadLetter(dir.path("dead.jsonl")))
        #expect(throws: Boom.self) {
            try failing.run {
                try failing.events.writeLine(Array("two".utf8))
                try failing.deadLetter?.writeLine(Array("bad 2".utf8))
                throw Boom()
            }
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path("out2.jsonl")), "a failed run leaves no output")
        #expect(dir.read("dead.jsonl") == "bad 1\nbad 2\n", "its dead letters are not lost")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.contains(".tmp-") }
        #expect(left.isEmpty, "no temporary file is left behind")
    }

    @Test func aDeadLetterFileThatCannotBeWrittenFailsTheRun() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let dir = TempDir()
        let outputs = try RunOutputs(path: dir.path("out.jsonl"), onError: .deadLetter("/dev/full"))
        #expect(throws: HOSError.io("/dev/full: write error: no space left on device")) {
            try outputs.run { try outputs.deadLetter?.writeLine(Array("bad".utf8)) }
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path("out.jsonl")), "the run failed: no output appears")
    }
}
