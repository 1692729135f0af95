// The stream protocol and the bad-input rules of hos-events(7), run in-process over real files.

import Foundation
import Testing

@testable import HOSCore

/// A stage that keeps the records it is given.
struct RecordingStage: Stage {
    var consumes: Set<String> { [EventType.healthRecord] }
    var events: [Event] = []
    mutating func process(_ event: Event, emit: (Event) throws -> Void) throws { events.append(event) }
}

/// A stage that counts a user's records and writes one result per barrier, as an agent would.
struct CountingStage: Stage {
    var consumes: Set<String> { [EventType.healthRecord] }
    var seen: [String: Int] = [:]
    var barriers: [String] = []
    var finished = false

    mutating func process(_ event: Event, emit: (Event) throws -> Void) throws {
        seen[event.userID, default: 0] += 1
    }

    mutating func barrier(_ request: Event, emit: (Event) throws -> Void) throws {
        barriers.append(request.userID)
        let n = seen.removeValue(forKey: request.userID) ?? 0
        try emit(
            Event(
                id: "result-\(request.userID)", type: "test_result", user: request.userID,
                timestamp: request.timestamp, payload: ["records": .number(Double(n))]))
    }

    mutating func finish(emit: (Event) throws -> Void) throws { finished = true }
}

@Suite struct RuntimeTests {
    @Test func forwardsUnknownFieldsAndTypesByteForByte() {
        let lines = [
            #"{"event_id":"e1","event_type":"mystery","user_id":"u","timestamp":"2026-01-01T00:00:00Z","zz":[1, 2 ,{"q":"é"}],"payload":{"x":1.50}}"#,
            record("u", "2026-01-02", id: "e2", extra: #","custom":{"k":true}"#),
        ]
        let r = runStage(PassThroughStage(), input: lines.joined(separator: "\n") + "\n")
        #expect(r.output == lines)
        #expect(r.stats == RunStats(linesIn: 2, forwarded: 2, generated: 0, rejected: 0))
    }

    @Test func aConsumedRecordComesDecodedAndEqualToTheEventOfItsPayload() throws {
        let line = record("u", "2026-01-02", id: "e1")
        let r = runStage(RecordingStage(), input: line + "\n")
        let event = try #require(r.stage.events.first)
        let decoded = try #require(event.record)
        #expect(decoded == (try HealthRecord(payload: event.payload)))
        #expect(try event.healthRecord() == decoded)
        var plain = event
        plain.record = nil
        #expect(plain == event, "the decoded record is derived, not part of the event's identity")
    }

    @Test func givesAnIdToAnEventWithoutOne() throws {
        let line = record("u", "2026-01-02")
        let r = runStage(PassThroughStage(), input: line + "\n" + line + "\n")
        let first = parse(r.output[0])
        let id = try #require(first["event_id"]?.stringValue)
        #expect(id.count == 26)
        #expect(r.output[0] == r.output[1], "the id is derived from the line, so it is stable")
        #expect(first["payload"] == parse(line)["payload"])
    }

    @Test func writesResultsBeforeTheBarrierAndDropsState() {
        let input = [
            record("a", "2026-01-01", id: "1"), record("a", "2026-01-02", id: "2"), request("a", id: "ra"),
            record("b", "2026-01-01", id: "3"), request("b", id: "rb"),
        ].joined(separator: "\n")
        let r = runStage(CountingStage(), input: input)
        let types = r.output.map { parse($0)["event_type"]!.stringValue! }
        #expect(
            types == [
                "health_record", "health_record", "test_result", "analysis_request",
                "health_record", "test_result", "analysis_request",
            ])
        #expect(parse(r.output[2])["payload"]?["records"] == 2)
        #expect(r.stage.seen.isEmpty)
        #expect(r.stage.finished)
        #expect(r.stats.out == r.stats.linesIn + 2)
    }

    @Test func addsImplicitRequestsAtEndOfInputInFirstSeenOrder() throws {
        let input = [
            record("b", "2026-01-01"), record("a", "2026-01-01"), record("b", "2026-01-02"),
            record("c", "2026-01-01"), request("c"),
        ].joined(separator: "\n")
        let r = runStage(CountingStage(), input: input, agent: "hos-test")
        #expect(r.stage.barriers == ["c", "b", "a"])
        let tail = r.output.suffix(4).map(parse)
        #expect(
            tail.map { $0["event_type"]!.stringValue! } == [
                "test_result", "analysis_request", "test_result", "analysis_request",
            ])
        #expect(tail.map { $0["user_id"]!.stringValue! } == ["b", "b", "a", "a"])
        #expect(tail[1]["payload"]?["implicit"] == true)
        #expect(tail[1]["source_agent"] == "hos-test")
        #expect(tail[1]["timestamp"] == "2026-01-02T00:00:00Z", "the user's latest event time")
        #expect(tail[1]["analysis_id"] == tail[1]["payload"]?["analysis_id"])
        #expect(tail[1]["payload"]?["window_days"] == 30)
    }

    @Test func passThroughMakesNoImplicitRequests() {
        let r = runStage(PassThroughStage(), input: record("a", "2026-01-01"))
        #expect(r.output.count == 1)
    }

    @Test func skipsButForwardsEventsTargetedAtAnotherAgent() {
        let other = record("a", "2026-01-01", id: "t1", extra: #","target_agent":"hos-nutrition""#)
        let mine = record("a", "2026-01-02", id: "t2", extra: #","target_agent":"hos-test""#)
        let otherRequest =
            #"{"event_id":"r9","event_type":"analysis_request","user_id":"a","timestamp":"2026-01-10T00:00:00Z","target_agent":"hos-nutrition"}"#
        let r = runStage(CountingStage(), input: [other, mine, otherRequest, request("a")].joined(separator: "\n"))
        #expect(r.output[0] == other)
        #expect(r.output[2] == otherRequest, "a request for another agent is no barrier here")
        #expect(parse(r.output[3])["payload"]?["records"] == 1)
        #expect(r.stage.barriers == ["a"])
    }

    /// Each kind of bad input, with its message; under `skip`, nothing is lost: in == out + rejected.
    @Test(arguments: [
        ("{\"event_type\":", "invalid JSON: unexpected end of input at column 15"),
        (record("u", "2026-01-01", #"{"steps":NaN}"#), "invalid JSON: NaN is not a JSON number at column"),
        (record("u", "2026-01-01", #"{"steps":Infinity}"#), "invalid JSON: Infinity is not a JSON number at column"),
        (#"{"event_type":"health_record","timestamp":"2026-01-01T00:00:00Z","payload":{}}"#, "missing user_id"),
        (#"{"user_id":"u","timestamp":"2026-01-01T00:00:00Z","payload":{}}"#, "missing event_type"),
        (record("u", "2026-01-01", #"{"steps":"many"}"#), "metric steps must be a number, not string"),
        (
            record("u", "2026-01-01", #"{"resting_hr_bpm":400}"#),
            "metric resting_hr_bpm outside its plausible range 25–220"
        ),
        (record("u", "2026-01-01", #"{"steps":1e999}"#), "invalid JSON: number out of range at column"),
        (
            #"{"event_type":"health_record","user_id":"u","timestamp":"2026-03-01T00:00:00Z","payload":{"date":"2026-02-30","metrics":{}}}"#,
            "payload.date is not a YYYY-MM-DD calendar date"
        ),
        (record("u", "2026-01-01", #"{"sleep_start":"25:00"}"#), "metric sleep_start is not a valid HH:MM time"),
    ])
    func rejectsBadInputWithItsReason(bad: String, message: String) throws {
        let good = record("u", "2026-01-03", id: "g")
        let input = good + "\n" + bad + "\n" + good + "\n"
        let failed = runStage(CountingStage(), input: input)
        let error = try #require(failed.error as? HOSError)
        guard case .badInput(let location, let text) = error else {
            Issue.record("expected badInput, got \(error)")
            return
        }
        #expect(location == SourceLocation(file: "in.jsonl", line: 2))
        #expect(text.hasPrefix(message))
        #expect(error.exitCode == .badInput)
        #expect(failed.output == [good], "output up to the bad line is kept")

        let skipped = runStage(CountingStage(), input: input, policy: .skip)
        #expect(skipped.error == nil)
        #expect(skipped.stats.rejected == 1)
        #expect(skipped.stats.linesIn == skipped.stats.forwarded + skipped.stats.rejected)

        let dead = runStage(CountingStage(), input: input, policy: .deadLetter("x"))
        #expect(dead.deadLetter == bad + "\n", "the bad line, untouched")
    }

    @Test func rejectsInvalidUTF8() throws {
        let bytes =
            Array(#"{"event_type":"x","user_id":"u"#.utf8) + [0xC3, 0x28]
            + Array(#"","timestamp":"2026-01-01T00:00:00Z"}"#.utf8) + [0x0A]
        let r = runStage(PassThroughStage(), bytes: bytes, policy: .deadLetter("x"))
        #expect(r.stats.rejected == 1)
        #expect(r.deadLetterBytes == bytes, "the line, byte for byte")
        let failed = runStage(PassThroughStage(), bytes: bytes)
        #expect((failed.error as? HOSError)?.description == "in.jsonl:1: invalid UTF-8 at column 31")
    }

    @Test func rejectsLinesOverTheLimitWithoutHoldingThem() throws {
        let long = record("u", "2026-01-01", extra: #","pad":""# + String(repeating: "x", count: 5000) + #"""#)
        let good = record("u", "2026-01-02", id: "g")
        let input = good + "\n" + long + "\n" + good
        let r = runStage(PassThroughStage(), input: input, policy: .deadLetter("x"), maxLineBytes: 1000)
        #expect(r.output == [good, good])
        #expect(r.stats.rejected == 1)
        #expect(r.deadLetter == long + "\n")
        let failed = runStage(PassThroughStage(), input: input, maxLineBytes: 1000)
        #expect((failed.error as? HOSError)?.description == "in.jsonl:2: line longer than 1000 bytes")
    }

    @Test func handlesCRLFBlankLinesAndNoFinalNewline() {
        let a = record("u", "2026-01-01", id: "a")
        let b = record("u", "2026-01-02", id: "b")
        let r = runStage(PassThroughStage(), input: a + "\r\n\n   \n" + b)
        #expect(r.output == [a, b])
        #expect(r.stats.linesIn == 2)
    }

    @Test func linesSplitAcrossReadsStayWhole() {
        // Many lines whose total passes the 1 MiB read size, so some straddle two reads.
        let lines = (0..<12_000).map { record("u\($0 % 7)", "2026-01-01", id: "id-\($0)") }
        let r = runStage(PassThroughStage(), input: lines.joined(separator: "\n"))
        #expect(r.output == lines)
    }

    @Test func deepCheckRejectsPayloadsThatPassThroughForwards() {
        let bad =
            #"{"event_type":"plan_feedback","user_id":"u","timestamp":"2026-01-01T00:00:00Z","payload":{"plan_id":"p","item_id":"i","status":"maybe","date":"2026-01-01"}}"#
        #expect(runStage(PassThroughStage(), input: bad).stats.rejected == 0)
        #expect(runStage(DeepPassStage(), input: bad, policy: .skip).stats.rejected == 1)
    }

    @Test func validateStageSummarises() {
        let input = [
            record("a", "2026-01-03"), record("a", "2026-01-01", #"{"steps":1,"mood":3}"#),
            #"{"event_type":"mystery","user_id":"b","timestamp":"2026-01-01T00:00:00Z"}"#, request("a"),
        ]
        let r = runStage(ValidateStage(), input: input.joined(separator: "\n"))
        #expect(r.stage.types == ["health_record": 2, "mystery": 1, "analysis_request": 1])
        #expect(r.stage.users["a"]?.first == LocalDate("2026-01-01"))
        #expect(r.stage.users["a"]?.last == LocalDate("2026-01-03"))
        #expect(r.stage.metrics == ["steps": 2, "mood": 1])
        #expect(r.stage.unknownTypes == ["mystery"])
    }
}

/// Collects what the line splitter hands out.
struct CollectingHandler: LineHandler {
    var lines: [(Int, [UInt8])] = []
    var oversize: [(Int, [UInt8])] = []
    var partial: [UInt8] = []

    mutating func line(_ bytes: UnsafeBufferPointer<UInt8>, number: Int) throws { lines.append((number, Array(bytes))) }

    mutating func oversizeChunk(_ bytes: UnsafeBufferPointer<UInt8>, number: Int, isEnd: Bool) throws {
        partial += Array(bytes)
        if isEnd {
            oversize.append((number, partial))
            partial = []
        }
    }
}

@Suite struct LineSplitterTests {
    /// Regression: every read boundary, with CRLF lines at and around the limit.
    @Test func splitsTheSameWhateverTheReadSize() throws {
        let limit = 10
        var rng = SystemRandomNumberGenerator()
        var text: [UInt8] = []
        var expectedLines: [(Int, [UInt8])] = []
        var expectedOversize: [(Int, [UInt8])] = []
        for n in 1...400 {
            let length = Int.random(in: 0...14, using: &rng)
            let body = (0..<length).map { _ in UInt8.random(in: 0x61...0x7A, using: &rng) }
            let crlf = Bool.random(using: &rng)
            text += body + (crlf ? [0x0D, 0x0A] : [0x0A])
            if body.count > limit {
                expectedOversize.append((n, body + (crlf ? [0x0D] : [])))
            } else {
                expectedLines.append((n, body))
            }
        }
        let dir = TempDir()
        let path = dir.write("lines", bytes: text)
        for readSize in [1, 2, 3, 5, 7, 10, 11, 12, 13, 64, 1 << 20] {
            var h = CollectingHandler()
            try InputFile(name: "lines", path: path).readLines(maxLineBytes: limit, readSize: readSize, into: &h)
            #expect(h.lines.map(\.0) == expectedLines.map(\.0), "read size \(readSize)")
            #expect(h.lines.map(\.1) == expectedLines.map(\.1), "read size \(readSize)")
            #expect(h.oversize.map(\.0) == expectedOversize.map(\.0), "read size \(readSize)")
            #expect(h.oversize.map(\.1) == expectedOversize.map(\.1), "read size \(readSize)")
        }
    }

    @Test func aLineAtTheLimitWithCRLFIsAccepted() throws {
        let dir = TempDir()
        let line = [UInt8](repeating: 0x78, count: 10)
        for tail: [UInt8] in [[0x0D, 0x0A], [0x0D], []] {
            let path = dir.write("f", bytes: line + tail)
            for readSize in 1...12 {
                var h = CollectingHandler()
                try InputFile(name: "f", path: path).readLines(maxLineBytes: 10, readSize: readSize, into: &h)
                #expect(h.lines.map(\.1) == [line] && h.oversize.isEmpty, "tail \(tail) read size \(readSize)")
            }
        }
    }
}

@Suite struct EnvelopeRegressionTests {
    /// Regression: a null event_id cannot be forwarded as it is.
    @Test func nullEventIDIsRejected() {
        let line = #"{"event_id":null,"event_type":"x","user_id":"u","timestamp":"2026-01-01T00:00:00Z"}"#
        let r = runStage(PassThroughStage(), input: line)
        #expect((r.error as? HOSError)?.description == "in.jsonl:1: event_id must be a string, not null")
    }

    /// Regression: an escaped envelope key is the key it spells, in the fast path too.
    @Test func escapedEnvelopeKeysAreRecognised() throws {
        let line = #"{"event\u005fid":"abc","event_type":"x","user_id":"u","timestamp":"2026-01-01T00:00:00Z"}"#
        let r = runStage(PassThroughStage(), input: line)
        #expect(r.output == [line], "no second event_id is added")
        let other = record("a", "2026-01-01", id: "t", extra: #","target\u005fagent":"hos-other""#)
        let counted = runStage(CountingStage(), input: other + "\n" + request("a"))
        #expect(parse(counted.output[1])["payload"]?["records"] == 0, "targeted elsewhere, so not read")
    }

    /// Regression: another agent's barrier ends the user's window here too.
    @Test func aRequestForAnotherAgentLeavesNothingBehindIt() {
        let targeted =
            #"{"event_id":"q","event_type":"analysis_request","user_id":"a","timestamp":"2026-01-02T00:00:00Z","target_agent":"hos-insights"}"#
        let r = runStage(CountingStage(), input: record("a", "2026-01-01", id: "r") + "\n" + targeted)
        #expect(r.output.map { parse($0)["event_type"]!.stringValue! } == ["health_record", "analysis_request"])
        #expect(r.stage.barriers.isEmpty)
    }

    /// Regression: "caf\u{e9}" and "cafe\u{301}" are one String in Swift and two ids in SQLite;
    /// only the NFC spelling is accepted, so they can never be one user here and two users there.
    @Test func userIDsMustBeNFC() {
        let nfc = record("caf\u{e9}", "2026-01-01", id: "a")
        let nfd = record("cafe\u{301}", "2026-01-01", id: "b")
        let escapedNFD = #"{"event_id":"c","event_type":"x","user_id":"cafe\u0301","timestamp":"2026-01-01T00:00:00Z"}"#
        #expect(runStage(PassThroughStage(), input: nfc).stats.rejected == 0)
        for line in [nfd, escapedNFD] {
            let r = runStage(PassThroughStage(), input: line)
            #expect(
                (r.error as? HOSError)?.description
                    == "in.jsonl:1: user_id is not in Unicode normalization form C (NFC)")
        }
        #expect(UserID.isNFC("u-0001") && UserID.isNFC("ユーザー") && !UserID.isNFC("cafe\u{301}"))
    }

    /// Issue 17: ids that alias or split users (NUL, lone surrogates, controls, overlong) are bad lines;
    /// a surrogate pair, U+FFFD itself and an id of exactly the limit are valid.
    @Test func userIDRuleRefusesAliasingIDs() {
        func line(_ rawID: String) -> String {
            #"{"event_id":"e","event_type":"x","user_id":"\#(rawID)","timestamp":"2026-01-01T00:00:00Z"}"#
        }
        let refused: [(String, String)] = [
            (#"bob\u0000x"#, "user_id holds a control character (U+0000)"),
            (#"a\ud800"#, "user_id holds a lone UTF-16 surrogate escape"),
            (#"a\udfff"#, "user_id holds a lone UTF-16 surrogate escape"),
            (#"a\ud800\u0041"#, "user_id holds a lone UTF-16 surrogate escape"),
            (#"a\udc00\ud800"#, "user_id holds a lone UTF-16 surrogate escape"),
            ("a\u{7f}", "user_id holds a control character (U+007F)"),
            ("c1\u{9f}", "user_id holds a control character (U+009F)"),
            (String(repeating: "x", count: 257), "user_id is 257 bytes long (at most 256)"),
            (String(repeating: "é", count: 129), "user_id is 258 bytes long (at most 256)"),
            (String(repeating: #"\u0078"#, count: 257), "user_id is 257 bytes long (at most 256)"),
        ]
        for (id, message) in refused {
            let r = runStage(PassThroughStage(), input: line(id))
            #expect((r.error as? HOSError)?.description == "in.jsonl:1: \(message)", "\(id.prefix(20))")
        }
        for id in [
            #"a\ufffd"#, #"a\ud83d\ude00"#, "a\u{a0}b", String(repeating: "x", count: 256),
            String(repeating: "é", count: 128), #"\u0062ob"#,
        ] {
            let r = runStage(PassThroughStage(), input: line(id))
            #expect(r.error == nil && r.stats.rejected == 0, "\(id.prefix(20))")
        }
        #expect(throws: EventProblem.self) { try UserID.check("") }
        #expect(throws: Never.self) { try UserID.check("ユーザー") }
    }

    /// Regression: an as_of whose window or next day leaves the calendar is bad input.
    @Test func asOfMustLeaveRoomForItsWindow() {
        #expect(throws: EventProblem.self) { try AnalysisRequest(payload: ["as_of": "0001-01-05", "window_days": 30]) }
        #expect(throws: EventProblem.self) { try AnalysisRequest(payload: ["as_of": "9999-12-31"]) }
        #expect(throws: Never.self) { try AnalysisRequest(payload: ["as_of": "0001-01-30", "window_days": 30]) }
    }

    /// Regression: names from input cannot forge a second diagnostic line.
    @Test func messagesEscapeControlCharacters() {
        let line =
            #"{"event_type":"health_record","user_id":"u","timestamp":"2026-01-01T00:00:00Z","payload":{"date":"2026-01-01","metrics":{"72 bpm\nhos-validate: ok\u001b[31m":1}}}"#
        let r = runStage(DeepPassStage(), input: line)
        let message = (r.error as? HOSError)?.description ?? ""
        #expect(!message.contains("\n") && !message.contains("\u{1b}"))
        #expect(message.contains(#"\u{a}"#))
        #expect(printable(String(repeating: "x", count: 100)).count == 41)
    }

    /// Regression: -o writes a private file through an exclusive temporary name.
    @Test func outputFilesArePrivateAndReplaceKeepsMode() throws {
        let dir = TempDir()
        let path = dir.path("out.jsonl")
        let sink = try OutputSink(path: path)
        try sink.writeLine(Array("{}".utf8))
        try sink.commit()
        var st = stat()
        stat(path, &st)
        #expect(st.st_mode & 0o777 == 0o600)
        chmod(path, 0o640)
        let again = try OutputSink(path: path)
        try again.commit()
        stat(path, &st)
        #expect(st.st_mode & 0o777 == 0o640)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter {
            $0.contains(".tmp-")
        }
        #expect(leftovers.isEmpty)
    }
}
