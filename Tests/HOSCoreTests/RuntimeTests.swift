// The stream protocol (DESIGN.md §5) and the bad-input rules (§8), run in-process over real files.

import Testing
@testable import HOSCore

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
        try emit(Event(id: "result-\(request.userID)", type: "test_result", user: request.userID,
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
        let input = [record("a", "2026-01-01", id: "1"), record("a", "2026-01-02", id: "2"), request("a", id: "ra"),
                     record("b", "2026-01-01", id: "3"), request("b", id: "rb")].joined(separator: "\n")
        let r = runStage(CountingStage(), input: input)
        let types = r.output.map { parse($0)["event_type"]!.stringValue! }
        #expect(types == ["health_record", "health_record", "test_result", "analysis_request",
                          "health_record", "test_result", "analysis_request"])
        #expect(parse(r.output[2])["payload"]?["records"] == 2)
        #expect(r.stage.seen.isEmpty)
        #expect(r.stage.finished)
        #expect(r.stats.out == r.stats.linesIn + 2)
    }

    @Test func addsImplicitRequestsAtEndOfInputInFirstSeenOrder() throws {
        let input = [record("b", "2026-01-01"), record("a", "2026-01-01"), record("b", "2026-01-02"),
                     record("c", "2026-01-01"), request("c")].joined(separator: "\n")
        let r = runStage(CountingStage(), input: input, agent: "hos-test")
        #expect(r.stage.barriers == ["c", "b", "a"])
        let tail = r.output.suffix(4).map(parse)
        #expect(tail.map { $0["event_type"]!.stringValue! } == ["test_result", "analysis_request", "test_result", "analysis_request"])
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
        let otherRequest = #"{"event_id":"r9","event_type":"analysis_request","user_id":"a","timestamp":"2026-01-10T00:00:00Z","target_agent":"hos-nutrition"}"#
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
        (record("u", "2026-01-01", #"{"resting_hr_bpm":400}"#), "metric resting_hr_bpm outside its plausible range 25–220"),
        (record("u", "2026-01-01", #"{"steps":1e999}"#), "invalid JSON: number out of range at column"),
        (#"{"event_type":"health_record","user_id":"u","timestamp":"2026-03-01T00:00:00Z","payload":{"date":"2026-02-30","metrics":{}}}"#,
         "payload.date is not a YYYY-MM-DD calendar date"),
        (record("u", "2026-01-01", #"{"sleep_start":"25:00"}"#), "metric sleep_start is not a valid HH:MM time"),
    ])
    func rejectsBadInputWithItsReason(bad: String, message: String) throws {
        let good = record("u", "2026-01-03", id: "g")
        let input = good + "\n" + bad + "\n" + good + "\n"
        let failed = runStage(CountingStage(), input: input)
        let error = try #require(failed.error as? HOSError)
        guard case let .badInput(location, text) = error else {
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
        let bytes = Array(#"{"event_type":"x","user_id":"u"#.utf8) + [0xC3, 0x28] + Array(#"","timestamp":"2026-01-01T00:00:00Z"}"#.utf8) + [0x0A]
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
        let a = record("u", "2026-01-01", id: "a"), b = record("u", "2026-01-02", id: "b")
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
        let bad = #"{"event_type":"plan_feedback","user_id":"u","timestamp":"2026-01-01T00:00:00Z","payload":{"plan_id":"p","item_id":"i","status":"maybe","date":"2026-01-01"}}"#
        #expect(runStage(PassThroughStage(), input: bad).stats.rejected == 0)
        #expect(runStage(DeepPassStage(), input: bad, policy: .skip).stats.rejected == 1)
    }

    @Test func validateStageSummarises() {
        let input = [record("a", "2026-01-03"), record("a", "2026-01-01", #"{"steps":1,"mood":3}"#),
                     #"{"event_type":"mystery","user_id":"b","timestamp":"2026-01-01T00:00:00Z"}"#, request("a")]
        let r = runStage(ValidateStage(), input: input.joined(separator: "\n"))
        #expect(r.stage.types == ["health_record": 2, "mystery": 1, "analysis_request": 1])
        #expect(r.stage.users["a"]?.first == LocalDate("2026-01-01"))
        #expect(r.stage.users["a"]?.last == LocalDate("2026-01-03"))
        #expect(r.stage.metrics == ["steps": 2, "mood": 1])
        #expect(r.stage.unknownTypes == ["mystery"])
    }
}
