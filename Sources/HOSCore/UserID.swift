// User ids: one spelling per user, so that every store and dictionary agrees on who is who.

import Foundation

/// Rules for `user_id` values.
public enum UserID {
    /// True when `id` is in Unicode normalization form C.
    ///
    /// Swift compares strings by canonical equivalence ("caf\u{e9}" == "cafe\u{301}") while SQLite, files
    /// and other tools compare bytes. Requiring NFC makes canonically equal ids byte-identical, so no
    /// two users can be one in one place and two in another.
    public static func isNFC(_ id: String) -> Bool {
        guard id.utf8.contains(where: { $0 >= 0x80 }) else { return true }
        return Array(id.precomposedStringWithCanonicalMapping.utf8) == Array(id.utf8)
    }

    /// The problem with an id, if any.
    public static func check(_ id: String) throws(EventProblem) {
        guard isNFC(id) else { throw EventProblem("user_id is not in Unicode normalization form C (NFC)") }
    }
}
