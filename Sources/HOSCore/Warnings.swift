// Repeated warnings summed up: one line per kind with its count and first place, so a known quirk of an
// export (a hundred days given twice) reads as one line, not a hundred.

import Foundation

/// The process's warnings, grouped by kind. A kind seen once is printed as its own line; a kind seen
/// more often is one line with the count, what it touched and where it first happened. With `verbose`
/// every warning is printed as it comes and nothing is summed up.
public enum Warnings {
    /// Print each warning as it comes (`--verbose`).
    nonisolated(unsafe) public static var verbose = false

    struct Tally {
        var count = 0
        var keys: Set<String> = []
        var first: String
        var firstLine: String
        var summary: (_ count: Int, _ distinct: Int) -> String
        var level: String
    }

    nonisolated(unsafe) static var tallies: [String: Tally] = [:]
    nonisolated(unsafe) static var order: [String] = []
    static let lock = NSLock()

    /// Notes one warning. `line` is the whole message as `--verbose` prints it (after `tool: warning: `);
    /// `place` is where it happened (file:line) and `key` what it touched (a user-day), both for the summary,
    /// whose words `summary` gives from the count and the number of distinct keys. A `level` other than
    /// warning (`note`: nothing is wrong, the user should know) is always printed as its summary alone.
    public static func note(
        _ kind: String, tool: String, place: String?, key: String? = nil, line: String, level: String = "warning",
        summary: @escaping (_ count: Int, _ distinct: Int) -> String
    ) {
        if verbose {
            printError("\(tool): \(level): \(line)")
            return
        }
        lock.lock()
        defer { lock.unlock() }
        let id = tool + "\u{1F}" + kind
        if tallies[id] == nil {
            tallies[id] = Tally(first: place ?? "", firstLine: line, summary: summary, level: level)
            order.append(id)
        }
        tallies[id]!.count += 1
        if let key { tallies[id]!.keys.insert(key) }
    }

    /// Prints the summary lines of what was noted, in the order the kinds first came, and forgets them.
    public static func flush() {
        lock.lock()
        let kinds = order.compactMap { id in tallies[id].map { (id, $0) } }
        tallies = [:]
        order = []
        lock.unlock()
        for (id, t) in kinds {
            let tool = id.prefix { $0 != "\u{1F}" }
            if t.level != "warning" {
                printError("\(tool): \(t.level): \(t.summary(t.count, t.keys.count))")
            } else if t.count == 1 {
                printError("\(tool): warning: \(t.firstLine)")
            } else {
                let first = t.first.isEmpty ? "" : " (first: \(t.first))"
                printError("\(tool): warning: \(t.summary(t.count, t.keys.count))\(first); --verbose lists each")
            }
        }
    }
}
