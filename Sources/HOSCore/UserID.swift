// User ids: one spelling per user, so that every store, table, dictionary and output agrees on who is who.

import Foundation

/// The rule for `user_id` values, applied by every command that reads or makes one.
///
/// A user id is the key of a person's data in every table of the memory file and in every output, so
/// two different input ids must never become one (or one become two) anywhere. An id is valid when it:
/// - is valid UTF-8 with no lone surrogate (`"\ud800"` in JSON has no UTF-8 form; decoders turn it into
///   U+FFFD, which would merge it with `"\ufffd"` and with every other lone surrogate),
/// - holds no control character (U+0000–U+001F, U+007F–U+009F): a NUL ends the id in C strings, so one
///   store would key it by a prefix (another user's id) and another by the whole,
/// - is in Unicode normalization form C (Swift compares strings by canonical equivalence, SQLite and
///   files by bytes: NFC makes canonically equal ids byte-identical),
/// - is 1 to `maxBytes` bytes long in UTF-8.
public enum UserID {
    /// The longest id accepted, in UTF-8 bytes.
    public static let maxBytes = 256

    /// True when `id` is in Unicode normalization form C.
    public static func isNFC(_ id: String) -> Bool {
        guard id.utf8.contains(where: { $0 >= 0x80 }) else { return true }
        return Array(id.precomposedStringWithCanonicalMapping.utf8) == Array(id.utf8)
    }

    /// The problem with an id, if any. A Swift `String` cannot hold a lone surrogate; ids read from JSON
    /// are checked for those before decoding (`check(jsonString:)`).
    public static func check(_ id: String) throws(EventProblem) {
        let bytes = id.utf8.count
        guard bytes > 0 else { throw EventProblem("empty user_id") }
        guard bytes <= maxBytes else {
            throw EventProblem("user_id is \(bytes) bytes long (at most \(maxBytes))")
        }
        if let c = id.unicodeScalars.first(where: isControl) {
            throw EventProblem("user_id holds a control character (U+\(hex(c.value)))")
        }
        guard isNFC(id) else { throw EventProblem("user_id is not in Unicode normalization form C (NFC)") }
    }

    /// Checks a JSON string's content, `bytes[start..<end]` with its escapes unresolved: a lone surrogate
    /// escape is refused here, then the decoded id goes through `check(_:)`.
    public static func check(
        jsonString line: UnsafeBufferPointer<UInt8>, start: Int, end: Int,
        escaped: Bool
    ) throws(EventProblem) {
        // Plain printable ASCII within the limit, the common case, needs no decoding.
        if !escaped, end - start <= maxBytes, !line[start..<end].contains(where: { $0 >= 0x7F }) { return }
        let parser = JSONParser(line)
        if escaped, parser.hasLoneSurrogate(start, end) {
            throw EventProblem("user_id holds a lone UTF-16 surrogate escape")
        }
        try check(parser.decodeString(start, end, escaped: escaped))
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (s.value >= 0x7F && s.value <= 0x9F)
    }

    static func hex(_ v: UInt32) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - h.count)) + h
    }
}

extension JSONParser {
    /// True when the (validated) string content between `start` and `end` holds a `\uD800`–`\uDFFF`
    /// escape that is not half of a high-low pair.
    func hasLoneSurrogate(_ start: Int, _ end: Int) -> Bool {
        var k = start
        while k < end {
            guard p[k] == UInt8(ascii: "\\") else {
                k += 1
                continue
            }
            guard p[k + 1] == UInt8(ascii: "u") else {
                k += 2
                continue
            }
            let unit = hex4(k + 2)
            k += 6
            if (0xDC00...0xDFFF).contains(unit) { return true }
            if (0xD800...0xDBFF).contains(unit) {
                guard k + 6 <= end, p[k] == UInt8(ascii: "\\"), p[k + 1] == UInt8(ascii: "u"),
                    (0xDC00...0xDFFF).contains(hex4(k + 2))
                else { return true }
                k += 6
            }
        }
        return false
    }
}
