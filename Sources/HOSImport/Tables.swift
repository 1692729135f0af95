// What the folder importers share: an export folder's files, CSV tables read by header name, user-day keys.

import Glibc
import HOSCore

/// A user and local day.
struct DayKey: Hashable, Comparable {
    var user: String
    var date: LocalDate
    static func < (a: DayKey, b: DayKey) -> Bool { (a.user, a.date) < (b.user, b.date) }
}

/// A header's column positions.
struct Table {
    var index: [String: Int]
    var count: Int
    func callAsFunction(_ row: CSVRow, _ column: String) -> String {
        index[column].map { row.fields[$0] } ?? ""
    }
    func has(_ column: String) -> Bool { index[column] != nil }
}

/// A vendor's export folder: checked to be one, its files found by name.
struct ExportFolder {
    let path: String
    let base: String

    /// Opens `path`; a missing path or a file that is not a folder is exit 66.
    init(_ path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else { throw HOSError.noInput(path, "cannot open: \(errnoText())") }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw HOSError.noInput(path, "not a directory") }
        self.path = path
        base = path.hasSuffix("/") ? path : path + "/"
    }

    /// The path of `name` inside the folder when it exists.
    func file(_ name: String) -> String? {
        var s = stat()
        return stat(base + name, &s) == 0 ? base + name : nil
    }

    /// The names of the entries of the folder (or a subfolder), sorted; none when it cannot be read.
    func entries(_ sub: String = "") -> [String] {
        guard let dir = opendir(base + sub) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

/// Streams a CSV file's data rows with its header's column positions; a missing `required` column,
/// an empty file or a broken header is bad input (exit 65). A row with the wrong number of fields, or
/// one the reader cannot read, is rejected by the run's policy; every data row counts as input.
func readTable(
    _ path: String, required: [String], records: RecordSet, reporter: ProblemReporter,
    maxLineBytes: Int = RunConfig.defaultMaxLineBytes,
    header onHeader: (([String], SourceLocation) throws -> Void)? = nil,
    _ body: (CSVRow, Table, SourceLocation) throws -> Void
) throws {
    let file = InputFile(argument: path)
    var header: Table?
    try CSVReader(file: file, maxLineBytes: maxLineBytes).forEach(
        { row in
            let location = SourceLocation(file: file.name, line: row.line)
            guard let table = header else {
                let index = Dictionary(row.fields.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
                let missing = required.filter { index[$0] == nil }
                guard missing.isEmpty else {
                    throw HOSError.badInput(location, "missing column \(missing.map(quoted).joined(separator: ", "))")
                }
                try onHeader?(row.fields, location)
                header = Table(index: index, count: row.fields.count)
                return
            }
            records.inputCount += 1
            guard row.fields.count == table.count else {
                try reporter.reject(
                    location, "\(row.fields.count) fields where the header has \(table.count)", raw: row.raw)
                return
            }
            try body(row, table, location)
        },
        problem: { location, message, raw in
            guard header != nil else { throw HOSError.badInput(location, message) }
            records.inputCount += 1
            try reporter.reject(location, message, raw: raw)
        })
    guard header != nil else {
        throw HOSError.badInput(SourceLocation(file: file.name, line: 0), "empty file: no header")
    }
}

/// A custom metric name made from a vendor's label: `x_` + `prefix` + the label in lowercase ASCII letters
/// and digits, every other run of characters one `_` (`µ` is `u`), cut to the 64 bytes a custom name may
/// have. Nil when the label has no letter or digit. The same label always gives the same name.
func customMetricName(_ label: String, prefix: String = "") -> String? {
    var slug = ""
    var gap = false
    for scalar in label.unicodeScalars {
        var c = scalar
        if c == "µ" || c == "μ" { c = "u" }
        if c.isASCII, let ch = Character(c).lowercased().first, ch.isLetter || ch.isNumber {
            if gap, !slug.isEmpty { slug.append("_") }
            slug.append(ch)
            gap = false
        } else {
            gap = true
        }
    }
    guard !slug.isEmpty else { return nil }
    var name = Metrics.customPrefix + prefix + slug
    if name.utf8.count > 64 { name = String(name.utf8.prefix(64))! }
    while name.hasSuffix("_") { name.removeLast() }
    return Metrics.isCustom(name) ? name : nil
}
