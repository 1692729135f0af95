// A streaming RFC 4180 CSV reader: quoted fields, doubled quotes, newlines inside quotes, CRLF.

import HOSCore

/// One CSV record with the line it starts on.
public struct CSVRow: Sendable {
    public var fields: [String]
    public var line: Int
    /// The record's text as it stood in the file, for dead-letter files.
    public var raw: String
}

/// Reads CSV records from a file without holding more than one record.
public struct CSVReader {
    public let file: InputFile
    public var maxLineBytes: Int

    public init(file: InputFile, maxLineBytes: Int = RunConfig.defaultMaxLineBytes) {
        self.file = file
        self.maxLineBytes = maxLineBytes
    }

    /// Calls `body` for each record; blank lines are skipped. A UTF-8 byte-order mark is dropped.
    /// A record that cannot be read (a stray quote, invalid UTF-8, longer than the limit) goes to
    /// `problem` with its text when it has one; by default that stops the read with exit 65.
    public func forEach(
        _ body: (CSVRow) throws -> Void,
        problem: ((SourceLocation, String, String?) throws -> Void)? = nil
    ) throws {
        let name = file.name
        let report = problem ?? { location, message, _ in throw HOSError.badInput(location, message) }
        try withoutActuallyEscaping(body) { body in
            try withoutActuallyEscaping(report) { report in
                var handler = Handler(name: name, maxBytes: maxLineBytes, body: body, problem: report)
                try file.readLines(maxLineBytes: maxLineBytes, into: &handler)
                if !handler.pending.isEmpty {
                    try report(
                        SourceLocation(file: name, line: handler.pendingStart), "unterminated quoted field",
                        String(decoding: handler.pending, as: UTF8.self))
                }
            }
        }
    }

    struct Handler: LineHandler {
        let name: String
        let maxBytes: Int
        let body: (CSVRow) throws -> Void
        let problem: (SourceLocation, String, String?) throws -> Void
        var pending: [UInt8] = []
        var pendingStart = 0
        /// Whether the record so far ends inside a quoted field (so the next line continues it).
        var inQuote = false
        var first = true

        mutating func line(_ bytes: UnsafeBufferPointer<UInt8>, number: Int) throws {
            var b = Array(bytes)
            if first {
                first = false
                if b.starts(with: [0xEF, 0xBB, 0xBF]) { b.removeFirst(3) }
            }
            if inQuote {
                pending.append(UInt8(ascii: "\n"))
                pending.append(contentsOf: b)
            } else {
                if b.isEmpty || b.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { return }
                pending = b
                pendingStart = number
            }
            // Only the new line is scanned: the state carries the quote over from the lines before.
            inQuote = CSVReader.endsInQuote(b, startingInQuote: inQuote)
            let location = SourceLocation(file: name, line: pendingStart)
            if inQuote {
                if pending.count > maxBytes {
                    let raw = String(decoding: pending, as: UTF8.self)
                    pending = []
                    inQuote = false
                    try problem(location, "quoted field runs past \(maxBytes) bytes (an unclosed quote?)", raw)
                }
                return
            }
            let record = pending
            pending = []
            guard let text = String(validating: record, as: UTF8.self) else {
                try problem(location, "invalid UTF-8", String(decoding: record, as: UTF8.self))
                return
            }
            let fields: [String]
            do {
                fields = try CSVReader.split(record)
            } catch {
                try problem(location, (error as? EventProblem)?.message ?? "unreadable record", text)
                return
            }
            try body(CSVRow(fields: fields, line: pendingStart, raw: text))
        }

        mutating func oversizeChunk(_ bytes: UnsafeBufferPointer<UInt8>, number: Int, isEnd: Bool) throws {
            if isEnd {
                try problem(SourceLocation(file: name, line: number), "line longer than \(maxBytes) bytes", nil)
            }
        }
    }

    /// Whether a line leaves a quoted field open. A quote opens a field only at the field's start.
    static func endsInQuote(_ line: [UInt8], startingInQuote: Bool) -> Bool {
        var inQuote = startingInQuote
        var atFieldStart = !startingInQuote
        var i = 0
        while i < line.count {
            let c = line[i]
            if inQuote {
                if c == UInt8(ascii: "\"") {
                    if i + 1 < line.count, line[i + 1] == UInt8(ascii: "\"") { i += 1 } else { inQuote = false }
                }
            } else if c == UInt8(ascii: ",") {
                atFieldStart = true
                i += 1
                continue
            } else if c == UInt8(ascii: "\""), atFieldStart {
                inQuote = true
            }
            if c != UInt8(ascii: " ") { atFieldStart = false }
            i += 1
        }
        return inQuote
    }

    /// Splits one record into fields; a stray quote or text after a closing quote is a problem.
    static func split(_ r: [UInt8]) throws -> [String] {
        var fields: [String] = []
        var field: [UInt8] = []
        var i = 0
        var quoted = false
        var wasQuoted = false
        while i < r.count {
            let c = r[i]
            if quoted {
                if c == UInt8(ascii: "\"") {
                    if i + 1 < r.count, r[i + 1] == UInt8(ascii: "\"") {
                        field.append(UInt8(ascii: "\""))
                        i += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
            } else if c == UInt8(ascii: ",") {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                wasQuoted = false
            } else if c == UInt8(ascii: "\""), !wasQuoted, field.allSatisfy({ $0 == UInt8(ascii: " ") }) {
                field.removeAll()
                quoted = true
                wasQuoted = true
            } else if c == UInt8(ascii: "\"") {
                throw EventProblem("stray quote inside an unquoted field")
            } else if wasQuoted {
                if c != UInt8(ascii: " ") { throw EventProblem("text after a closing quote") }
            } else {
                field.append(c)
            }
            i += 1
        }
        fields.append(String(decoding: field, as: UTF8.self))
        return fields.map { $0.trimmingSpaces }
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    public var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
