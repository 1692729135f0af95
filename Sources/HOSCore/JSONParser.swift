// One pass over a JSON text: validates syntax and UTF-8, and either builds values or skips them.

/// Why a line is not valid JSON; `isEncoding` separates bad UTF-8 from bad syntax.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// 1-based byte column of the problem.
    public var column: Int
    public var isEncoding: Bool

    public var description: String {
        isEncoding ? "invalid UTF-8 at column \(column)" : "invalid JSON: \(message) at column \(column)"
    }
}

/// Bytes that need a closer look inside a string: quote, backslash, controls, and non-ASCII.
nonisolated(unsafe) private let stringSpecial: UnsafePointer<Bool> = {
    let t = UnsafeMutablePointer<Bool>.allocate(capacity: 256)
    for b in UInt8.min...UInt8.max {
        t[Int(b)] = b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < UInt8(ascii: " ") || b >= 0x80
    }
    return UnsafePointer(t)
}()

/// Deepest nesting accepted; deeper input is rejected rather than risking the stack.
public let maxJSONDepth = 256

/// A parser over one line of bytes.
public struct JSONParser {
    @usableFromInline let p: UnsafeBufferPointer<UInt8>
    @usableFromInline var i: Int = 0
    var depth = 0
    let special: UnsafePointer<Bool>
    /// Members of the objects being built, innermost last.
    var members: [(String, JSON)] = []

    /// The bit that tells an ASCII letter's cases apart: `c | lowercaseBit` is `c` in lower case.
    static let lowercaseBit: UInt8 = 0x20

    public init(_ bytes: UnsafeBufferPointer<UInt8>) {
        p = bytes
        special = stringSpecial
    }

    /// Parses the whole input as one JSON value (surrounding white space allowed).
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> JSON {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        let v = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.i == bytes.count else { throw parser.fail("unexpected data after the value") }
        return v
    }

    /// Parses a whole input that is one JSON array; each element comes with the byte offset it starts at
    /// (so a file's reader can name an element's line). Nil when the value is not an array.
    public static func parseArrayElements(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError)
        -> [(value: JSON, offset: Int)]?
    {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        guard parser.i < bytes.count, bytes[parser.i] == UInt8(ascii: "[") else {
            _ = try parse(bytes)
            return nil
        }
        parser.i += 1
        var out: [(value: JSON, offset: Int)] = []
        parser.skipWhitespace()
        if parser.i < bytes.count, bytes[parser.i] == UInt8(ascii: "]") {
            parser.i += 1
        } else {
            while true {
                parser.skipWhitespace()
                let start = parser.i
                out.append((try parser.parseValue(), start))
                parser.skipWhitespace()
                guard parser.i < bytes.count else { throw parser.fail("unexpected end of input") }
                if bytes[parser.i] == UInt8(ascii: ",") {
                    parser.i += 1
                    continue
                }
                guard bytes[parser.i] == UInt8(ascii: "]") else {
                    throw parser.fail("expected ',' or ']', found \(parser.describe(bytes[parser.i]))")
                }
                parser.i += 1
                break
            }
        }
        parser.skipWhitespace()
        guard parser.i == bytes.count else { throw parser.fail("unexpected data after the value") }
        return out
    }

    /// Parses a string's bytes as JSON.
    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSON {
        var copy = text
        let result = copy.withUTF8 { buf in Result { () throws(JSONSyntaxError) -> JSON in try parse(buf) } }
        return try result.get()
    }

    // MARK: - Primitives

    func fail(_ message: String, at position: Int? = nil) -> JSONSyntaxError {
        JSONSyntaxError(message: message, column: (position ?? i) + 1, isEncoding: false)
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while i < p.count {
            let c = p[i]
            guard
                c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r")
            else { return }
            i += 1
        }
    }

    func describe(_ c: UInt8) -> String {
        c >= UInt8(ascii: "!") && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x" + String(c, radix: 16)
    }

    /// Skips a string starting at the opening quote; returns the content's bounds and whether it holds escapes.
    @inline(__always)
    mutating func scanString() throws(JSONSyntaxError) -> (start: Int, end: Int, escaped: Bool) {
        i += 1
        let start = i
        var escaped = false
        let n = p.count
        while true {
            while i < n, !special[Int(p[i])] { i += 1 }
            guard i < n else { throw fail("unterminated string", at: start - 1) }
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return (start, i - 1, escaped)
            } else if c == UInt8(ascii: "\\") {
                escaped = true
                try skipEscape()
            } else if c < UInt8(ascii: " ") {
                throw fail("control character in string")
            } else {
                try skipUTF8Sequence()
            }
        }
    }

    mutating func skipEscape() throws(JSONSyntaxError) {
        guard i + 1 < p.count else { throw fail("unterminated string") }
        switch p[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            i += 2
        case UInt8(ascii: "u"):
            guard i + 5 < p.count, (2...5).allSatisfy({ isHex(p[i + $0]) }) else {
                throw fail("bad \\u escape")
            }
            i += 6
        default:
            throw fail("bad escape \\\(Character(Unicode.Scalar(p[i + 1])))")
        }
    }

    func isHex(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
            || (c | Self.lowercaseBit >= UInt8(ascii: "a") && c | Self.lowercaseBit <= UInt8(ascii: "f"))
    }

    /// Validates one multi-byte UTF-8 sequence at `i` (RFC 3629: no overlongs, surrogates or > U+10FFFF).
    mutating func skipUTF8Sequence() throws(JSONSyntaxError) {
        let b0 = p[i]
        var need = 0
        var lo: UInt8 = 0x80
        var hi: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: need = 1
        case 0xE0:
            need = 2
            lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: need = 2
        case 0xED:
            need = 2
            hi = 0x9F
        case 0xF0:
            need = 3
            lo = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4:
            need = 3
            hi = 0x8F
        default: throw JSONSyntaxError(message: "", column: i + 1, isEncoding: true)
        }
        guard i + need < p.count else { throw JSONSyntaxError(message: "", column: i + 1, isEncoding: true) }
        let b1 = p[i + 1]
        // The column is the start of the broken sequence, wherever in it the fault lies.
        guard b1 >= lo, b1 <= hi else { throw JSONSyntaxError(message: "", column: i + 1, isEncoding: true) }
        for k in stride(from: 2, through: need, by: 1) where p[i + k] & 0xC0 != 0x80 {
            throw JSONSyntaxError(message: "", column: i + 1, isEncoding: true)
        }
        i += need + 1
    }

    /// Skips a number; returns its bounds and whether it is a plain integer.
    mutating func scanNumber() throws(JSONSyntaxError) -> (start: Int, end: Int, integer: Bool) {
        let start = i
        if p[i] == UInt8(ascii: "-") {
            i += 1
            if i < p.count, p[i] == UInt8(ascii: "I") { throw fail("Infinity is not a JSON number", at: start) }
        }
        guard i < p.count, isDigit(p[i]) else { throw fail("bad number", at: start) }
        if p[i] == UInt8(ascii: "0") {
            i += 1
            if i < p.count, isDigit(p[i]) { throw fail("leading zero in number", at: start) }
        } else {
            while i < p.count, isDigit(p[i]) { i += 1 }
        }
        var integer = true
        if i < p.count, p[i] == UInt8(ascii: ".") {
            integer = false
            i += 1
            guard i < p.count, isDigit(p[i]) else { throw fail("bad number", at: start) }
            while i < p.count, isDigit(p[i]) { i += 1 }
        }
        if i < p.count, p[i] | Self.lowercaseBit == UInt8(ascii: "e") {
            integer = false
            i += 1
            if i < p.count, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
            guard i < p.count, isDigit(p[i]) else { throw fail("bad number", at: start) }
            while i < p.count, isDigit(p[i]) { i += 1 }
        }
        return (start, i, integer)
    }

    @inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    mutating func expectLiteral(_ word: StaticString) throws(JSONSyntaxError) {
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        guard i + n <= p.count else { throw fail("unexpected end of input") }
        for k in 0..<n where p[i + k] != w[k] { throw fail("unexpected \(describe(p[i]))") }
        i += n
    }

    // MARK: - Skipping (validation without building values)

    /// Validates and skips one value of any type.
    public mutating func skipValue() throws(JSONSyntaxError) {
        guard i < p.count else { throw fail("unexpected end of input") }
        switch p[i] {
        case UInt8(ascii: "\""): _ = try scanString()
        case UInt8(ascii: "{"):
            depth += 1
            guard depth <= maxJSONDepth else { throw fail("nesting deeper than \(maxJSONDepth)") }
            i += 1
            skipWhitespace()
            if i < p.count, p[i] == UInt8(ascii: "}") {
                i += 1
            } else {
                while true {
                    guard i < p.count else { throw fail("unexpected end of input") }
                    guard p[i] == UInt8(ascii: "\"") else { throw fail("expected a key, found \(describe(p[i]))") }
                    _ = try scanString()
                    try expectColon()
                    try skipValue()
                    if try endOfMember(close: UInt8(ascii: "}")) { break }
                }
            }
            depth -= 1
        case UInt8(ascii: "["):
            depth += 1
            guard depth <= maxJSONDepth else { throw fail("nesting deeper than \(maxJSONDepth)") }
            i += 1
            skipWhitespace()
            if i < p.count, p[i] == UInt8(ascii: "]") {
                i += 1
            } else {
                while true {
                    skipWhitespace()
                    try skipValue()
                    if try endOfMember(close: UInt8(ascii: "]")) { break }
                }
            }
            depth -= 1
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        case UInt8(ascii: "N"): throw fail("NaN is not a JSON number")
        case UInt8(ascii: "I"): throw fail("Infinity is not a JSON number")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try scanNumber()
        default: throw fail("unexpected \(describe(p[i]))")
        }
    }

    @inline(__always)
    mutating func expectColon() throws(JSONSyntaxError) {
        skipWhitespace()
        guard i < p.count else { throw fail("unexpected end of input") }
        guard p[i] == UInt8(ascii: ":") else { throw fail("expected ':', found \(describe(p[i]))") }
        i += 1
        skipWhitespace()
    }

    /// After a member: true at the closing bracket, false after a comma.
    @inline(__always)
    mutating func endOfMember(close: UInt8) throws(JSONSyntaxError) -> Bool {
        skipWhitespace()
        guard i < p.count else { throw fail("unexpected end of input") }
        let c = p[i]
        i += 1
        if c == close { return true }
        guard c == UInt8(ascii: ",") else {
            throw fail("expected ',' or '\(Character(Unicode.Scalar(close)))', found \(describe(c))", at: i - 1)
        }
        skipWhitespace()
        return false
    }

    // MARK: - Building values

    /// Parses one value at the current position.
    public mutating func parseValue() throws(JSONSyntaxError) -> JSON {
        guard i < p.count else { throw fail("unexpected end of input") }
        switch p[i] {
        case UInt8(ascii: "\""):
            let s = try scanString()
            return .string(decodeString(s.start, s.end, escaped: s.escaped))
        case UInt8(ascii: "{"):
            depth += 1
            guard depth <= maxJSONDepth else { throw fail("nesting deeper than \(maxJSONDepth)") }
            defer { depth -= 1 }
            i += 1
            skipWhitespace()
            if i < p.count, p[i] == UInt8(ascii: "}") {
                i += 1
                return .object([:])
            }
            // Members wait on a stack shared by all depths, so the dictionary is made once at its final
            // size: growing it member by member rehashes every key at each doubling.
            let base = members.count
            defer { members.removeSubrange(base...) }
            while true {
                guard i < p.count else { throw fail("unexpected end of input") }
                guard p[i] == UInt8(ascii: "\"") else { throw fail("expected a key, found \(describe(p[i]))") }
                let k = try scanString()
                try expectColon()
                let key = decodeString(k.start, k.end, escaped: k.escaped)
                members.append((key, try parseValue()))
                if try endOfMember(close: UInt8(ascii: "}")) { break }
            }
            var object = [String: JSON](minimumCapacity: members.count - base)
            // Later duplicates win, as in jq.
            for m in members[base...] { object[m.0] = m.1 }
            return .object(object)
        case UInt8(ascii: "["):
            depth += 1
            guard depth <= maxJSONDepth else { throw fail("nesting deeper than \(maxJSONDepth)") }
            defer { depth -= 1 }
            i += 1
            skipWhitespace()
            var array: [JSON] = []
            if i < p.count, p[i] == UInt8(ascii: "]") {
                i += 1
                return .array(array)
            }
            while true {
                skipWhitespace()
                array.append(try parseValue())
                if try endOfMember(close: UInt8(ascii: "]")) { return .array(array) }
            }
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "N"): throw fail("NaN is not a JSON number")
        case UInt8(ascii: "I"): throw fail("Infinity is not a JSON number")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let n = try scanNumber()
            return .number(try numberValue(n.start, n.end, integer: n.integer))
        default: throw fail("unexpected \(describe(p[i]))")
        }
    }

    func numberValue(_ start: Int, _ end: Int, integer: Bool) throws(JSONSyntaxError) -> Double {
        if integer, end - start <= 15 {
            var v = 0
            var k = start
            let negative = p[k] == UInt8(ascii: "-")
            if negative { k += 1 }
            while k < end {
                v = v * 10 + Int(p[k] - UInt8(ascii: "0"))
                k += 1
            }
            return Double(negative ? -v : v)
        }
        if let d = shortDecimal(start, end) { return d }
        let text = String(decoding: UnsafeBufferPointer(rebasing: p[start..<end]), as: UTF8.self)
        guard let d = Double(text), d.isFinite else { throw fail("number out of range", at: start) }
        return d
    }

    /// A number written `-?digits.digits` with at most 15 digits, which most recorded values are, without
    /// `strtod`: its digits as an integer and the power of ten are both exact doubles, so one IEEE division
    /// rounds correctly (Clinger's fast path). Nil for any other number.
    func shortDecimal(_ start: Int, _ end: Int) -> Double? {
        guard end - start <= 17 else { return nil }
        var k = start
        let negative = p[k] == UInt8(ascii: "-")
        if negative { k += 1 }
        var m = 0
        var digits = 0
        var fraction = -1
        while k < end {
            let c = p[k]
            if c == UInt8(ascii: ".") {
                fraction = 0
            } else if c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
                m = m * 10 + Int(c - UInt8(ascii: "0"))
                digits += 1
                if fraction >= 0 { fraction += 1 }
            } else {
                return nil
            }
            k += 1
        }
        guard fraction > 0, digits <= 15 else { return nil }
        let d = Double(m) / JSONParser.powersOfTen[fraction]
        return negative ? -d : d
    }

    static let powersOfTen: [Double] = (0...15).map { k in (0..<k).reduce(1.0) { a, _ in a * 10 } }

    /// The string between `start` and `end` (already validated), with escapes resolved.
    public func decodeString(_ start: Int, _ end: Int, escaped: Bool) -> String {
        let raw = UnsafeBufferPointer(rebasing: p[start..<end])
        guard escaped else { return String(decoding: raw, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var k = start
        while k < end {
            let c = p[k]
            guard c == UInt8(ascii: "\\") else {
                out.append(c)
                k += 1
                continue
            }
            let e = p[k + 1]
            k += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08) // backspace
            case UInt8(ascii: "f"): out.append(0x0C) // form feed
            case UInt8(ascii: "n"): out.append(UInt8(ascii: "\n"))
            case UInt8(ascii: "r"): out.append(UInt8(ascii: "\r"))
            case UInt8(ascii: "t"): out.append(UInt8(ascii: "\t"))
            case UInt8(ascii: "u"):
                var scalar = hex4(k)
                k += 4
                if (0xD800...0xDBFF).contains(scalar), k + 6 <= end, p[k] == UInt8(ascii: "\\"),
                    p[k + 1] == UInt8(ascii: "u")
                {
                    let low = hex4(k + 2)
                    if (0xDC00...0xDFFF).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        k += 6
                    }
                }
                // A lone surrogate has no UTF-8 form: it becomes U+FFFD, as jq does.
                let u = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: out.append(e)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    func hex4(_ at: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in at..<at + 4 {
            let c = p[k]
            let d: UInt8 =
                c <= UInt8(ascii: "9") ? c - UInt8(ascii: "0") : (c | Self.lowercaseBit) - UInt8(ascii: "a") + 10
            v = v << 4 | UInt32(d)
        }
        return v
    }
}
