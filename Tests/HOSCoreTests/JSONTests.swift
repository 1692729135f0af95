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
        let line = #"{"payload":{"user_id":"inner"},"user_id":"u\"1","event_type":"x","timestamp":"2026-01-01T00:00:00Z","target_agent":null}"#
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
        (#"{"user_id":"u","event_type":"x","timestamp":"2026-13-01T00:00:00Z"}"#, "timestamp is not an RFC 3339 date-time"),
        (#"{"user_id":"u","event_type":"x","timestamp":"yesterday"}"#, "timestamp is not an RFC 3339 date-time"),
        (#"{"user_id":"u","event_type":"x","timestamp":"2026-01-01T00:00:00Z","target_agent":[1]}"#, "target_agent must be a string, not array"),
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
}
