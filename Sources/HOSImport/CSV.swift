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
    public func forEach(_ body: (CSVRow) throws -> Void) throws {
        try withoutActuallyEscaping(body) { body in
            var handler = Handler(name: file.name, body: body)
            try file.readLines(maxLineBytes: maxLineBytes, into: &handler)
            if !handler.pending.isEmpty {
                throw HOSError.badInput(SourceLocation(file: file.name, line: handler.pendingStart),
                                        "unterminated quoted field")
            }
        }
    }

    struct Handler: LineHandler {
        let name: String
        let body: (CSVRow) throws -> Void
        var pending: [UInt8] = []
        var pendingStart = 0
        var first = true

        mutating func line(_ bytes: UnsafeBufferPointer<UInt8>, number: Int) throws {
            var b = Array(bytes)
            if first {
                first = false
                if b.starts(with: [0xEF, 0xBB, 0xBF]) { b.removeFirst(3) }
            }
            if !pending.isEmpty {
                pending.append(0x0A)
                pending.append(contentsOf: b)
            } else {
                if b.isEmpty || b.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
                pending = b
                pendingStart = number
            }
            // An odd number of quotes so far means a quoted field goes on to the next line.
            guard pending.lazy.filter({ $0 == 0x22 }).count % 2 == 0 else { return }
            let record = pending
            pending = []
            guard let text = String(validating: record, as: UTF8.self) else {
                throw HOSError.badInput(SourceLocation(file: name, line: pendingStart), "invalid UTF-8")
            }
            try body(CSVRow(fields: try CSVReader.split(record, file: name, line: pendingStart), line: pendingStart,
                            raw: text))
        }

        mutating func oversizeChunk(_ bytes: UnsafeBufferPointer<UInt8>, number: Int, isEnd: Bool) throws {
            throw HOSError.badInput(SourceLocation(file: name, line: number), "line longer than the limit")
        }
    }

    /// Splits one record into fields.
    static func split(_ r: [UInt8], file: String, line: Int) throws -> [String] {
        var fields: [String] = []
        var field: [UInt8] = []
        var i = 0
        var quoted = false
        var wasQuoted = false
        while i < r.count {
            let c = r[i]
            if quoted {
                if c == 0x22 {
                    if i + 1 < r.count, r[i + 1] == 0x22 {
                        field.append(0x22)
                        i += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
            } else if c == 0x2C {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                wasQuoted = false
            } else if c == 0x22, field.isEmpty, !wasQuoted {
                quoted = true
                wasQuoted = true
            } else if c == 0x22 {
                throw HOSError.badInput(SourceLocation(file: file, line: line), "stray quote in unquoted field")
            } else if wasQuoted {
                if c != 0x20 {
                    throw HOSError.badInput(SourceLocation(file: file, line: line), "text after a closing quote")
                }
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
