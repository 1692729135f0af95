// The JSON parser, the envelope scanner and the deterministic encoder.

import Testing

@testable import HOSCore

@Suite struct JSONTests {
    @Test func parsesEveryType() throws {
        let v = try JSONParser.parse(#" {"a":[1,-2.5,3e2,true,false,null],"b":{"c":"d\u00e9\n\"x\""},"e":""} "#)
        #expect(v["a"] == [1, -2.5, 300, true, false, nil])
        #expect(v["b"]?["c"] == .string("dé\n\"x\""))
        #expect(v["e"] == "")
    }

    @Test func nestedObjectsKeepTheirOwnMembersAndTheLastDuplicateWins() throws {
        let v = try JSONParser.parse(#"{"a":1,"o":{"a":2,"p":{"a":3},"b":4,"b":5},"a":6,"q":{}}"#)
        #expect(v == ["a": 6, "o": ["a": 2, "p": ["a": 3], "b": 5], "q": [:]])
    }

    @Test func decodesSurrogatePairsAndReplacesLoneOnes() throws {
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONParser.parse(#""\ud83d""#) == .string("\u{FFFD}"))
    }

    @Test(arguments: [
        (#"{"a":1"#, "invalid JSON: unexpected end of input at column 7"),
        (#"{"a" 1}"#, "invalid JSON: expected ':', found '1' at column 6"),
        (#"{"a":01}"#, "invalid JSON: leading zero in number at column 6"),
        (#"{"a":NaN}"#, "invalid JSON: NaN is not a JSON number at column 6"),
        (#"{"a":Infinity}"#, "invalid JSON: Infinity is not a JSON number at column 6"),
        (#"{"a":-Infinity}"#, "invalid JSON: Infinity is not a JSON number at column 6"),
        (#"{"a":1e999}"#, "invalid JSON: number out of range at column 6"),
        (#"{"a":"x"} x"#, "invalid JSON: unexpected data after the value at column 11"),
        (#"{"a":[1,]}"#, "invalid JSON: unexpected ']' at column 9"),
        ("{\"a\":\"\t\"}", "invalid JSON: control character in string at column 7"),
        (#"{"a":"\q"}"#, #"invalid JSON: bad escape \q at column 7"#),
        (#"{'a':1}"#, "invalid JSON: expected a key, found ''' at column 2"),
    ])
    func rejectsBadJSON(input: String, message: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(input) }
        do {
            _ = try JSONParser.parse(input)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func rejectsInvalidUTF8InStrings() {
        for bad: [UInt8] in [[0xC3], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF]] {
            let bytes = Array(#"{"a":""#.utf8) + bad + Array(#""}"#.utf8)
            let error = bytes.withUnsafeBufferPointer { buf -> JSONSyntaxError? in
                do {
                    _ = try JSONParser.parse(buf)
                    return nil
                } catch {
                    return error as? JSONSyntaxError
                }
            }
            #expect(error?.isEncoding == true, "bytes \(bad)")
            #expect(error?.description.hasPrefix("invalid UTF-8 at column") == true)
        }
    }

    @Test func rejectsDeepNesting() {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(deep) }
    }

    @Test func encodesWithSortedKeysAndStableNumbers() {
        let v: JSON = ["b": 1, "a": ["z": 2.5, "y": .number(1e-7)], "c": "é\"\n\u{01}", "d": .number(Double.nan)]
        #expect(v.text == #"{"a":{"y":1e-07,"z":2.5},"b":1,"c":"é\"\n\u0001","d":null}"#)
        #expect(JSON.number(2.0 / 3.0, places: 2).text == "0.67")
        #expect(JSON.number(-0.0001, places: 2).text == "0")
    }

    @Test func roundTripsThroughEncoding() throws {
        let text = #"{"a":[1,2.25,"x",{"k":null}],"b":true}"#
        #expect(try JSONParser.parse(text).text == text)
    }
}

@Suite struct EnvelopeTests {
    func scan(_ line: String) throws -> (Envelope, [UInt8]) {
        let bytes = Array(line.utf8)
        let env = try bytes.withUnsafeBufferPointer { try Envelope.scan($0) }
        return (env, bytes)
    }

    @Test func findsEnvelopeFieldsAtTopLevelOnly() throws {
        let line =
            #"{"payload":{"user_id":"inner"},"user_id":"u\"1","event_type":"x","timestamp":"2026-01-01T00:00:00Z","target_agent":null}"#
        let (env, bytes) = try scan(line)
        bytes.withUnsafeBufferPointer { buf in
            #expect(env.string(env.userID, in: buf) == "u\"1")
            #expect(env.string(env.eventType, in: buf) == "x")
            #expect(env.field(env.eventType, in: buf, equals: "x"))
            #expect(env.targetAgent == .null)
            #expect(env.eventID == nil)
        }
    }

    @Test(arguments: [
        (#"{"event_type":"x","timestamp":"2026-01-01T00:00:00Z"}"#, "missing user_id"),
        (#"{"user_id":"u","timestamp":"2026-01-01T00:00:00Z"}"#, "missing event_type"),
        (#"{"user_id":"u","event_type":"x"}"#, "missing timestamp"),
        (#"{"user_id":7,"event_type":"x","timestamp":"2026-01-01T00:00:00Z"}"#, "user_id must be a string, not number"),
        (#"{"user_id":"","event_type":"x","timestamp":"2026-01-01T00:00:00Z"}"#, "empty user_id"),
        (
            #"{"user_id":"u","event_type":"x","timestamp":"2026-13-01T00:00:00Z"}"#,
            "timestamp is not an RFC 3339 date-time"
        ),
        (#"{"user_id":"u","event_type":"x","timestamp":"yesterday"}"#, "timestamp is not an RFC 3339 date-time"),
        (
            #"{"user_id":"u","event_type":"x","timestamp":"2026-01-01T00:00:00Z","target_agent":[1]}"#,
            "target_agent must be a string, not array"
        ),
    ])
    func checksRequiredFields(line: String, message: String) throws {
        let (env, bytes) = try scan(line)
        let problem = bytes.withUnsafeBufferPointer { buf -> String? in
            do {
                try env.check(in: buf)
                return nil
            } catch {
                return (error as? EventProblem)?.message
            }
        }
        #expect(problem == message)
    }

    @Test func rejectsNonObjects() {
        #expect(throws: JSONSyntaxError.self) { try scan("[1,2]") }
        #expect(throws: JSONSyntaxError.self) { try scan("") }
    }

    /// The plain decoding of `line` (nil when it is off the plain shape) and the general one, or the
    /// general decoder's error message.
    func bothDecodings(_ line: String) throws -> (plain: Event?, general: Result<Event, EventProblem>) {
        let (env, bytes) = try scan(line)
        return try bytes.withUnsafeBufferPointer { buf in
            try env.check(in: buf)
            let plain = env.plainHealthRecord(in: buf, fallbackID: "fallback")
            let general = Result { () throws(EventProblem) in
                try ContractCheck.decoded(Event(json: try! JSONParser.parse(buf), fallbackID: "fallback"))
            }
            return (plain, general)
        }
    }

    static let head = #"{"event_type":"health_record","user_id":"u-1","timestamp":"2026-01-02T07:00:00Z""#

    @Test(arguments: [
        head
            + #","event_id":"e1","source_agent":"hos-synth","archetype":"Peak Performer","analysis_id":"a1","payload":{"date":"2026-01-02","metrics":{"steps":9687,"hrv_rmssd_ms":129.3,"sleep_start":"23:06","sleep_end":"07:00","weight_kg":70.5},"source":"hos-synth"}}"#,
        head + #","payload":{"metrics":{},"date":"2026-01-02"}}"#,
        head
            + #","event_id":"e2","payload":{"date":"2026-01-02","metrics":{"steps":1,"steps":2,"x_focus_score":-0.0}}}"#,
        head
            + #","event_id":"e3","payload":{"date":"2026-01-01","date":"2026-01-02","metrics":{"distance_km":1e1},"source":"caf\u00e9"}}"#,
        #"{"user_id":"u\u002d1","event_type":"health_record","timestamp":"2026-01-02T07:00:00Z","target_agent":null,"payload":{"date":"2026-01-02","metrics":{"resting_hr_bpm":51}}}"#,
    ])
    func aPlainRecordDecodesAsTheGeneralDecoderDoes(line: String) throws {
        let (plain, general) = try bothDecodings(line)
        let event = try #require(plain, "a record of the plain shape takes the direct path")
        let expected = try general.get()
        #expect(event == expected)
        #expect(event.record == expected.record)
        #expect(event.payload == expected.payload)
        #expect(event.json == expected.json)
    }

    @Test(
        arguments: [
            // Off the plain shape: the general decoder alone decides, with its own messages.
            (head + #","extra":1,"payload":{"date":"2026-01-02","metrics":{"steps":1}}}"#, nil),
            (head + #","payload":{"date":"2026-01-02","metrics":{"steps":1},"note":"x"}}"#, nil),
            (head + #","payload":{"date":"2026-01-02","metrics":{"steps":1},"source":null}}"#, nil),
            (head + #","payload":{"date":"2026-01-02","metrics":{"sleep_start":"7:05"}}}"#, nil),
            (head + #","payload":{"date":"2026-01-02","metrics":{"st\u0065ps":1}}}"#, nil),
            (
                head + #","source_agent":"","payload":{"date":"2026-01-02","metrics":{"steps":1}}}"#,
                "empty source_agent"
            ),
            (
                head + #","payload":{"date":"2026-01-02","metrics":{"steps":-1}}}"#,
                "metric steps outside its plausible range 0–200000"
            ),
            (head + #","payload":{"date":"2026-01-02","metrics":{"stepz":1}}}"#, "unknown metric stepz"),
            (
                head + #","payload":{"date":"2026-02-30","metrics":{"steps":1}}}"#,
                "payload.date is not a YYYY-MM-DD calendar date"
            ),
            (head + #","payload":{"metrics":{"steps":1}}}"#, "missing payload.date"),
            (
                head + #","payload":{"date":"2026-01-02","metrics":{"sleep_start":1}}}"#,
                "metric sleep_start must be a \"HH:MM\" string, not number"
            ),
            (head + #","payload":{"date":"2026-01-02","metrics":[]}}"#, "payload.metrics must be an object"),
            (head + #","payload":null}"#, "missing payload.date"),
        ] as [(String, String?)])
    func aRecordOffThePlainShapeIsLeftToTheGeneralDecoder(line: String, message: String?) throws {
        let (plain, general) = try bothDecodings(line)
        #expect(plain == nil)
        switch general {
        case .success: #expect(message == nil)
        case .failure(let problem): #expect(problem.message == message)
        }
    }

    @Test func shortDecimalsParseAsStrtodParsesThem() throws {
        var rng = SplitMix(seed: 7)
        var texts = [
            "0.1", "-0.0", "0.5", "129.3", "87.1", "999999999999.999", "123456789012345.0", "0.000000000000001",
            "-12.75", "1.0", "70.5",
        ]
        for _ in 0..<200_000 {
            let digits = Int(rng.next() % 15) + 1
            let point = Int(rng.next() % UInt64(digits))
            var t = ""
            for k in 0..<digits {
                if k == digits - point && point > 0 { t += "." }
                t += String(rng.next() % 10)
            }
            if !t.contains(".") { t = "0." + t }
            if rng.next() % 4 == 0 { t = "-" + t }
            texts.append(t)
        }
        var checked = 0
        for text in texts {
            guard case .number(let v)? = try? JSONParser.parse(text), let expected = Double(text) else { continue }
            #expect(v.bitPattern == expected.bitPattern, "\(text)")
            checked += 1
        }
        #expect(checked > 100_000, "most texts are valid JSON numbers (no leading zeros)")
        let parser = Array("129.3".utf8).withUnsafeBufferPointer { JSONParser($0).shortDecimal(0, 5) }
        #expect(parser == 129.3, "the fast path itself, not strtod, produced these")
    }
}

/// A small deterministic generator for test inputs.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D1_049B_133B_EB11
        return z ^ (z >> 31)
    }
}
