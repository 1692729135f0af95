// hos-import: recorded health data (CSV, Fitbit, Apple Health) to health_record events.

import ArgumentParser
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

    @Option(name: .customLong("on-error"), help: ArgumentHelp(
        "What a bad row or value does: fail (stop, exit 65), skip (report and go on), or dead-letter=FILE (also append the row, untouched, to FILE).",
        valueName: "policy"))
    public var onError: ErrorPolicy = .fail

    @Flag(help: "At exit, print 'in=N out=M rejected=K' on standard error (in counts the rows or records read).")
    public var stats = false

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
        try runTool(tool) {
            let reporter = try ProblemReporter(tool: tool, policy: onError)
            let records = RecordSet(source: source, reporter: reporter)
            try body(records, reporter)
            let sink = try OutputSink(path: output ?? "-")
            do {
                let events = records.events(archetype: archetype,
                                            request: request ? RequestOptions(archetype: archetype, windowDays: windowDays) : nil)
                for event in events { try sink.writeLine(event.encoded()) }
                try sink.commit()
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

        EXIT STATUS: 0 success; 65 bad input; 66 unreadable input; 74 I/O error; 64 usage.
        """,
        version: hosVersion,
        subcommands: [CSV.self, Fitbit.self, AppleHealth.self])

    public init() {}

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
            """)

        @Argument(help: ArgumentHelp("CSV files; '-' is standard input.", valueName: "file"))
        public var files: [String] = ["-"]

        @Option(help: ArgumentHelp("The user of files that have no user_id column.", valueName: "id"))
        public var user: String?

        @Option(help: ArgumentHelp("Read a column under another name: METRIC=COLUMN (repeatable).", valueName: "metric=column"))
        public var map: [String] = []

        @Option(help: ArgumentHelp("Pass over a column (repeatable).", valueName: "column"))
        public var ignore: [String] = []

        @OptionGroup public var options: ImportOptions

        public init() {}

        public mutating func validate() throws {
            for m in map where m.split(separator: "=", maxSplits: 1).count != 2 {
                throw ValidationError("--map takes METRIC=COLUMN, not '\(m)'")
            }
        }

        public func run() throws {
            var mapping: [String: String] = [:]
            for m in map {
                let parts = m.split(separator: "=", maxSplits: 1).map(String.init)
                mapping[parts[0]] = parts[1]
            }
            let importer = CSVImporter(map: mapping, ignore: Set(ignore), user: user)
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
            abstract: "Import a folder of Fitabase-style Fitbit CSV exports.",
            discussion: FitbitImporter.documentation)

        @Argument(help: ArgumentHelp("The export folder.", valueName: "dir"))
        public var directory: String

        @OptionGroup public var options: ImportOptions

        public init() {}

        public func run() throws {
            try options.run(source: "fitbit") { records, reporter in
                try FitbitImporter().read(directory: directory, into: records, reporter: reporter)
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

        public func run() throws {
            try options.run(source: "apple-health") { records, reporter in
                let input = InputFile(argument: file)
                try input.checkReadable()
                try AppleHealthImporter(user: user).read(input, into: records, reporter: reporter)
            }
        }
    }
}
