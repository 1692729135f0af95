// `hos-import cronometer`: Cronometer's dailysummary.csv and servings.csv exports.

import HOSCore

/// Reads Cronometer exports into one user's daily nutrition records.
public struct CronometerImporter {
    public let user: String
    /// Leave out the nutrients outside the vocabulary (no x_ metrics).
    public var vocabularyOnly: Bool

    public init(user: String, vocabularyOnly: Bool = false) {
        self.user = user
        self.vocabularyOnly = vocabularyOnly
    }

    /// The format's description for --help, --list-formats and the man page.
    public static let documentation = """
        Reads Cronometer's exports (Settings > Account > Export Data): dailysummary.csv ("Daily \
        Nutrition", a row per day: Date, then a column per nutrient named with its unit, Energy \
        (kcal), Protein (g)...) and servings.csv ("Food & Recipe Entries", a row per food eaten: Day, \
        Time, Group, Food Name, Amount, then the same nutrient columns). Which file is which is told \
        by its header (Food Name makes it servings). Every record goes to the one user given by \
        --user. Dates are YYYY-MM-DD, the local day as Cronometer writes it.

        Columns read, with their conversions: calories_in_kcal = Energy (kcal), or Energy (kJ) / \
        4.184; protein_g = Protein (g); carbs_g = Carbs (g) (total carbohydrate, not Net Carbs); fat_g \
        = Fat (g); fiber_g = Fiber (g); water_ml = Water (g) x 1 (a gram of water is a millilitre), or \
        Water (ml); caffeine_mg = Caffeine (mg); alcohol_units = Alcohol (g) / 8 (a UK unit is 8 g of \
        ethanol), rounded to 0.01. A vocabulary nutrient in another unit is bad input (the header \
        names it). Every other nutrient column "Name (unit)" becomes the custom metric x_<name>_<unit> \
        in lowercase letters and digits joined by _ (Vitamin C (mg) -> x_vitamin_c_mg, B12 \
        (Cobalamin) (µg) -> x_b12_cobalamin_ug), unconverted, unless --vocabulary-only; columns \
        without a unit (Completed, Time, Group, Food Name, Amount, Category) are not read.

        An empty cell is a missing value: a day with only some nutrients filled keeps what it has. \
        servings.csv rows are summed per day (an empty cell adds nothing; a nutrient no row of the \
        day has stays missing), for the days that no daily summary given with it holds: with both \
        files, a day of dailysummary.csv is never added to from servings. Sums are rounded to 0.01. A \
        number that does not parse, a negative amount, or a value outside its metric's range is bad \
        input, reported with file and line.
        """

    /// A nutrient column: the metric it becomes and the factor to its unit.
    struct Nutrient {
        var index: Int
        var column: String
        var metric: String
        var factor: Double
    }

    /// Vocabulary nutrients by column name (without unit), with the units accepted and their factors.
    static let vocabulary: [String: (metric: String, units: [String: Double], places: Int?)] = [
        "energy": ("calories_in_kcal", ["kcal": 1, "kj": 1 / 4.184], 2),
        "protein": ("protein_g", ["g": 1], nil),
        "carbs": ("carbs_g", ["g": 1], nil),
        "fat": ("fat_g", ["g": 1], nil),
        "fiber": ("fiber_g", ["g": 1], nil),
        "water": ("water_ml", ["g": 1, "ml": 1], nil),
        "caffeine": ("caffeine_mg", ["mg": 1], nil),
        "alcohol": ("alcohol_units", ["g": 1.0 / 8], 2),
    ]

    /// `Vitamin C (mg)` → (`Vitamin C`, `mg`); nil without a unit in parentheses at the end.
    static func split(_ column: String) -> (name: String, unit: String)? {
        guard column.hasSuffix(")"), let open = column.lastIndex(of: "(") else { return nil }
        let name = column[..<open].trimmingSpacesSubstring
        let unit = column[column.index(after: open)..<column.index(before: column.endIndex)].trimmingSpacesSubstring
        guard !name.isEmpty, !unit.isEmpty else { return nil }
        return (String(name), String(unit))
    }

    /// The nutrient columns of a header; an unknown unit on a vocabulary nutrient is bad input.
    func nutrients(_ header: [String], _ location: SourceLocation) throws -> [Nutrient] {
        var out: [Nutrient] = []
        for (i, column) in header.enumerated() {
            guard let (name, unit) = Self.split(column) else { continue }
            if let known = Self.vocabulary[name.lowercased()] {
                guard let factor = known.units[unit.lowercased()] else {
                    throw HOSError.badInput(
                        location,
                        "column \(quoted(column)): \(name) in \(printable(unit)) is not a unit hos-import converts")
                }
                out.append(Nutrient(index: i, column: column, metric: known.metric, factor: factor))
            } else if !vocabularyOnly, let metric = customMetricName(name + " " + unit) {
                out.append(Nutrient(index: i, column: column, metric: metric, factor: 1))
            }
        }
        return out
    }

    static func places(_ metric: String) -> Int {
        vocabulary.values.first(where: { $0.metric == metric })?.places ?? 2
    }

    /// Reads the files (a daily summary, servings, or both, in any order) into `records`.
    public func read(
        _ files: [InputFile], into records: RecordSet, reporter: ProblemReporter,
        maxLineBytes: Int = RunConfig.defaultMaxLineBytes
    ) throws {
        for f in files {
            guard f.path != nil else { throw HOSError.usage("cronometer reads files, not standard input") }
            try f.checkReadable()
            records.noteFileTime(f)
        }
        var summaryDays: Set<LocalDate> = []
        var servings: [InputFile] = []
        // Headers first: daily summaries are read before servings, whatever the order given.
        var summaries: [InputFile] = []
        for f in files {
            let header = try Self.header(f, maxLineBytes: maxLineBytes)
            if header.contains("Food Name") { servings.append(f) } else { summaries.append(f) }
        }
        for f in summaries {
            try readTable(f, required: ["Date"], records: records, reporter: reporter, maxLineBytes: maxLineBytes) {
                row, t, nutrients, location in
                guard let date = LocalDate(t(row, "Date")) else {
                    try reporter.reject(location, "Date is not a YYYY-MM-DD calendar date", raw: row.raw)
                    return
                }
                guard let amounts = try Self.amounts(row, nutrients, reporter, location) else { return }
                summaryDays.insert(date)
                let values = amounts.map {
                    (metric: $0.metric, value: JSON.number($0.value, places: Self.places($0.metric)))
                }
                try records.addRow(user: user, date: date, values: values, at: location, raw: row.raw)
            }
        }
        for f in servings {
            struct Sum {
                var total = 0.0
                var line: Int
            }
            var sums: [LocalDate: [String: Sum]] = [:]
            try readTable(f, required: ["Day"], records: records, reporter: reporter, maxLineBytes: maxLineBytes) {
                row, t, nutrients, location in
                guard let date = LocalDate(t(row, "Day")) else {
                    try reporter.reject(location, "Day is not a YYYY-MM-DD calendar date", raw: row.raw)
                    return
                }
                guard let amounts = try Self.amounts(row, nutrients, reporter, location) else { return }
                guard !summaryDays.contains(date) else { return }
                for (metric, v) in amounts { sums[date, default: [:]][metric, default: Sum(line: row.line)].total += v }
            }
            for date in sums.keys.sorted() {
                let day = sums[date]!
                let values = day.keys.sorted().map {
                    (metric: $0, value: JSON.number(day[$0]!.total, places: Self.places($0)))
                }
                let line = day.values.map(\.line).min() ?? 0
                try records.addRow(user: user, date: date, values: values, at: SourceLocation(file: f.name, line: line))
            }
        }
    }

    /// The converted amounts of a row's filled nutrient cells, or nil after rejecting the row.
    static func amounts(
        _ row: CSVRow, _ nutrients: [Nutrient], _ reporter: ProblemReporter,
        _ location: SourceLocation
    ) throws -> [(metric: String, value: Double)]? {
        var out: [(metric: String, value: Double)] = []
        for n in nutrients {
            let text = row.fields[n.index]
            if text.isEmpty { continue }
            guard let v = parseDecimal(text) else {
                try reporter.reject(location, "\(n.column) is not a number", raw: row.raw)
                return nil
            }
            guard v >= 0 else {
                try reporter.reject(location, "\(n.column) is negative", raw: row.raw)
                return nil
            }
            out.append((n.metric, v * n.factor))
        }
        return out
    }

    /// The first record of a file (its header); an empty file is bad input.
    static func header(_ file: InputFile, maxLineBytes: Int) throws -> [String] {
        struct Stop: Error {}
        var header: [String]?
        do {
            try CSVReader(file: file, maxLineBytes: maxLineBytes).forEach { row in
                header = row.fields
                throw Stop()
            }
        } catch is Stop {}
        guard let header else {
            throw HOSError.badInput(SourceLocation(file: file.name, line: 0), "empty file: no header")
        }
        return header
    }

    /// A table read with its nutrient columns found from the header.
    func readTable(
        _ file: InputFile, required: [String], records: RecordSet, reporter: ProblemReporter, maxLineBytes: Int,
        _ body: (CSVRow, Table, [Nutrient], SourceLocation) throws -> Void
    ) throws {
        var found: [Nutrient] = []
        try HOSImport.readTable(
            file.path ?? "-", required: required, records: records, reporter: reporter,
            maxLineBytes: maxLineBytes,
            header: { fields, location in found = try nutrients(fields, location) },
            { row, t, location in try body(row, t, found, location) }
        )
    }
}
