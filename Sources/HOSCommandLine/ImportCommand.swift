// hos-import: recorded health data (CSV, Fitbit, Apple Health, WHOOP, Cronometer) to health_record events.

import ArgumentParser
import Foundation
import HOSCore
import HOSImport

/// Options every import format shares: requests, output, bad-value policy.
public struct ImportOptions: ParsableArguments {
    @Flag(help: "Append one analysis_request per user after that user's records (as of its last day).")
    public var request = false

    @Option(help: ArgumentHelp("Archetype written on the records (and requests) (name or slug).", valueName: "name"))
    public var archetype: Archetype?

    @Option(help: ArgumentHelp("window_days of the requests.", valueName: "n"))
    public var windowDays = AnalysisRequest.defaultWindowDays

    @Option(name: .shortAndLong, help: ArgumentHelp("Write events to this file (atomically).", valueName: "file"))
    public var output: String?

    @Option(
        name: .customLong("on-error"),
        help: ArgumentHelp(
            "What a bad row or value does: fail (stop, exit 65), skip (report and go on), or dead-letter=FILE (also append the row, untouched, to FILE).",
            valueName: "policy"))
    public var onError: ErrorPolicy = .fail

    @Flag(help: "At exit, print 'in=N out=M rejected=K' on standard error (in counts the rows or records read).")
    public var stats = false

    @Flag(help: "Print each warning as it happens instead of one line per kind with its count and first place.")
    public var verbose = false

    @Flag(
        help:
            "Write the records of days not lived (after the export's date, or far after the user's other records) instead of leaving them out; a request is still never after the export's date."
    )
    public var keepFuture = false

    public init() {}

    public mutating func validate() throws {
        // --archetype alone labels the records; --window-days only shapes requests.
        if windowDays != AnalysisRequest.defaultWindowDays, !request {
            throw ValidationError("--window-days goes with --request")
        }
        guard (1...3660).contains(windowDays) else { throw ValidationError("--window-days must be from 1 to 3660") }
    }

    /// Runs an importer body that fills a record set, then writes the sorted events.
    func run(source: String, _ body: (RecordSet, ProblemReporter) throws -> Void) throws {
        let tool = "hos-import"
        Warnings.verbose = verbose
        try runTool(tool) {
            let reporter = try ProblemReporter(tool: tool, policy: onError)
            let records = RecordSet(source: source, reporter: reporter)
            // Standard input has no file time: nothing read now can have been lived after today.
            records.today = LocalDate(daysSinceEpoch: Int(Date().timeIntervalSince1970) / 86_400)
            records.keepFuture = keepFuture
            try body(records, reporter)
            let sink = try OutputSink(path: output ?? "-")
            do {
                let events = records.events(
                    archetype: archetype,
                    request: request ? RequestOptions(archetype: archetype, windowDays: windowDays) : nil)
                for event in events { try sink.writeLine(event.encoded()) }
                try sink.commit()
                Warnings.flush()
                if stats {
                    printError("\(tool): in=\(records.inputCount) out=\(sink.lines) rejected=\(reporter.rejected)")
                }
            } catch {
                sink.abandon()
                throw error
            }
        }
    }
}

public struct ImportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hos-import",
        abstract: "Turn recorded health data into health_record events.",
        discussion: """
            Every format gives one health_record per user per local day, with all of that day's metrics \
            merged, sorted by user then date. Values are converted to the units of the metric vocabulary \
            (hos-events(7)) and checked against its plausible ranges: a value outside them is bad input, \
            reported with file and line, never written. When two rows give the same user, day and metric \
            different values, the later one is kept and a warning says so.

            Days: a record's date is the user's local day as the export writes it, never the UTC day. A \
            behaviour (steps, energy, strain, workouts, food, alcohol, caffeine, a journal answer about a \
            day) is dated on the day it was lived; sleep and the night's measures (HRV, resting heart \
            rate, recovery and readiness, respiratory rate) on the day the night ends (the wake day), in \
            every format (hos-events(7), METRICS). Importing two overlapping exports \
            together gives each day once, with the same event ids as either alone. Custom metrics outside the \
            vocabulary carry the prefix x_ (finite numbers, no range check). --list-formats prints every format \
            with its files, column mapping and unit conversions.

            Days not lived: a record dated after its export was made (Apple Health's ExportDate, the day \
            of a WHOOP export's last cycle, else the day after the file was last written, or after today \
            for standard input) or far after the rest of the user's records (the days after a gap of more \
            than \(LivedDays.farGapDays) days, when they are at most a tenth of the user's days) is left \
            out of the output, so that no analysis lands on it: one warning counts them, with the first \
            one's file and line (--verbose lists each). --keep-future writes them; the request (--request) \
            is then as of the user's last day not after the export's date.

            EXIT STATUS: 0 success; 65 bad input; 66 unreadable input; 74 I/O error; 64 usage.
            """,
        version: hosVersion,
        subcommands: [CSV.self, Fitbit.self, AppleHealth.self, Whoop.self, Cronometer.self])

    @Flag(help: "Print every format with its files, column mapping and unit conversions, then exit.")
    public var listFormats = false

    public init() {}

    /// Every format: name, one-line summary, and the full description.
    static var formats: [(name: String, abstract: String, discussion: String)] {
        configuration.subcommands.map {
            ($0.configuration.commandName ?? "", $0.configuration.abstract, $0.configuration.discussion)
        }
    }

    public func run() throws {
        guard listFormats else { throw CleanExit.helpRequest(self) }
        try runTool("hos-import") {
            let sink = try OutputSink(path: "-")
            for (i, f) in Self.formats.enumerated() {
                var text = (i == 0 ? "" : "\n") + "\(f.name): \(f.abstract)\n"
                for paragraph in f.discussion.split(separator: "\n", omittingEmptySubsequences: false) {
                    text += paragraph.isEmpty ? "\n" : wrap(String(paragraph), width: 78, indent: "  ") + "\n"
                }
                try sink.write(text)
            }
            try sink.commit()
        }
    }

    public struct CSV: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "csv",
            abstract: "Import daily metrics from CSV, wide or long.",
            discussion: """
                Wide: user_id,date,<metric>,<metric>,... with one row per user and day. Long: \
                user_id,date,metric,value with one row per value. The layout is detected from the header \
                (columns named metric and value make it long). Dates are YYYY-MM-DD; numbers are in the \
                metric's own unit (sleep_duration_min in minutes, never hours); sleep_start and sleep_end are \
                HH:MM. An empty cell is a missing value. Metric names outside the vocabulary must start with \
                x_ (finite numbers, no range check).

                --map renames: --map steps=TotalSteps reads the column TotalSteps as steps; --map \
                user_id=Id and --map date=Day name the key columns. In a long table --map renames values of \
                the metric column instead.

                \(WellnessScale.documentation)
                """)

        @Argument(help: ArgumentHelp("CSV files; '-' is standard input.", valueName: "file"))
        public var files: [String] = ["-"]

        @Option(help: ArgumentHelp("The user of files that have no user_id column.", valueName: "id"))
        public var user: String?

        @Option(
            help: ArgumentHelp(
                "Read a column under another name: METRIC=COLUMN (repeatable).", valueName: "metric=column"))
        public var map: [String] = []

        @Option(help: ArgumentHelp("Pass over a column (repeatable).", valueName: "column"))
        public var ignore: [String] = []

        @Option(
            help: ArgumentHelp(
                "Map a self-reported metric from the scale FROM..TO onto the vocabulary's (repeatable).",
                valueName: "metric=from:to"))
        public var scale: [String] = []

        @OptionGroup public var options: ImportOptions

        public init() {}

        public mutating func validate() throws {
            try checkUserOption(user)
            for m in map where m.split(separator: "=", maxSplits: 1).count != 2 {
                throw ValidationError("--map takes METRIC=COLUMN, not '\(m)'")
            }
            for s in scale {
                do { _ = try WellnessScale(parsing: s) } catch { throw ValidationError(error.message) }
            }
        }

        public func run() throws {
            var mapping: [String: String] = [:]
            for m in map {
                let parts = m.split(separator: "=", maxSplits: 1).map(String.init)
                mapping[parts[0]] = parts[1]
            }
            var scales: [String: WellnessScale] = [:]
            for s in scale { if let parsed = try? WellnessScale(parsing: s) { scales[parsed.metric] = parsed } }
            let importer = CSVImporter(map: mapping, ignore: Set(ignore), user: user, scales: scales)
            try options.run(source: "csv") { records, reporter in
                let inputs = files.map(InputFile.init(argument:))
                for f in inputs { try f.checkReadable() }
                for f in inputs { try importer.read(f, into: records, reporter: reporter) }
            }
        }
    }

    public struct Fitbit: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "fitbit",
            abstract: "Import a Fitbit export folder: Fitabase-style CSV files or Fitbit's account export (JSON).",
            discussion: FitbitImporter.fullDocumentation)

        @Argument(help: ArgumentHelp("The export folder.", valueName: "dir"))
        public var directory: String

        @Option(
            help: ArgumentHelp(
                "The user id of the account-export records (Fitabase files name theirs by Id).", valueName: "id"))
        public var user = "me"

        @OptionGroup public var options: ImportOptions

        public init() {}

        public func validate() throws { try checkUserOption(user) }

        public func run() throws {
            try options.run(source: "fitbit") { records, reporter in
                try FitbitImporter(user: user).read(directory: directory, into: records, reporter: reporter)
            }
        }
    }

    public struct AppleHealth: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "apple-health",
            abstract: "Import an Apple Health export.xml, streamed.",
            discussion: AppleHealthImporter.documentation)

        @Argument(help: ArgumentHelp("The export.xml file; '-' is standard input.", valueName: "file"))
        public var file: String

        @Option(help: ArgumentHelp("The user id to give the records (an export holds one person).", valueName: "id"))
        public var user = "me"

        @OptionGroup public var options: ImportOptions

        public init() {}

        public func validate() throws { try checkUserOption(user) }

        public func run() throws {
            try options.run(source: "apple-health") { records, reporter in
                let input = InputFile(argument: file)
                try input.checkReadable()
                try AppleHealthImporter(user: user).read(input, into: records, reporter: reporter)
            }
        }
    }

    public struct Whoop: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "whoop",
            abstract: "Import a WHOOP data export folder (cycles, sleeps, workouts, journal).",
            discussion: WhoopImporter.documentation)

        @Argument(
            help: ArgumentHelp(
                "Export folders of one account; what two of them both hold counts once.", valueName: "dir"))
        public var directories: [String]

        @Option(help: ArgumentHelp("The user id to give the records (an export holds one person).", valueName: "id"))
        public var user = "me"

        @OptionGroup public var options: ImportOptions

        public init() {}

        public func validate() throws { try checkUserOption(user) }

        public func run() throws {
            try options.run(source: "whoop") { records, reporter in
                try WhoopImporter(user: user).read(directories: directories, into: records, reporter: reporter)
            }
        }
    }

    public struct Cronometer: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "cronometer",
            abstract: "Import Cronometer's dailysummary.csv and, optionally, servings.csv.",
            discussion: CronometerImporter.documentation)

        @Argument(
            help: ArgumentHelp("dailysummary.csv and/or servings.csv (told apart by their headers).", valueName: "file")
        )
        public var files: [String]

        @Option(help: ArgumentHelp("The user id to give the records (an export holds one person).", valueName: "id"))
        public var user = "me"

        @Flag(help: "Read only the nutrients of the metric vocabulary (no x_ metrics for the others).")
        public var vocabularyOnly = false

        @OptionGroup public var options: ImportOptions

        public init() {}

        public func validate() throws { try checkUserOption(user) }

        public func run() throws {
            try options.run(source: "cronometer") { records, reporter in
                try CronometerImporter(user: user, vocabularyOnly: vocabularyOnly)
                    .read(files.map(InputFile.init(argument:)), into: records, reporter: reporter)
            }
        }
    }
}

/// Words of a paragraph on lines of at most `width` columns, each line indented.
func wrap(_ text: String, width: Int, indent: String) -> String {
    var lines: [String] = []
    var line = indent
    for word in text.split(separator: " ") {
        if line.count > indent.count, line.count + 1 + word.count > width {
            lines.append(line)
            line = indent
        }
        line += (line.count > indent.count ? " " : "") + word
    }
    if line.count > indent.count { lines.append(line) }
    return lines.joined(separator: "\n")
}
