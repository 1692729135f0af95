// hos-validate: check an event stream against the contract, or forward it as a pass-through agent.

import ArgumentParser
import HOSCore

extension String {
    /// The string padded with spaces to `width` characters (at least one space after it).
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(1, width - count)) }
}

public struct ValidateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hos-validate",
        abstract: "Check a JSON-lines event stream against the hos contract.",
        discussion: """
            Reads events (files in order, or standard input) and checks each one against the contract of \
            hos-events(7): the envelope (event_type, user_id, RFC 3339 timestamp), and the payload of every \
            event type the contract describes (health_record dates and metrics with their plausible ranges, \
            analysis_request, user_profile, plan_feedback, ...). Unknown event types are counted, not rejected.

            By default it prints a summary: events per type, users with their date ranges, metrics seen, and \
            every problem with file:line. Problems do not stop the check (the default policy here is skip); \
            the exit status is 65 when any line was rejected.

            With --pass it is an agent instead: every valid event goes to standard output unchanged (an event \
            without an event_id gets one), and bad lines follow --on-error (default fail). Plain --pass reads \
            only each event's envelope, as agents do for events they do not use; --pass --deep checks every \
            payload too. make bench measures both.

            EXIT STATUS: 0 valid; 65 bad input; 66 unreadable input; 74 I/O error; 64 usage.
            """,
        version: hosVersion)

    @OptionGroup public var stream: StreamOptions

    @Flag(help: "Forward events like an agent instead of printing a summary.")
    public var pass = false

    @Flag(help: "With --pass: check every payload, not only the envelope.")
    public var deep = false

    @Flag(help: "Print the metric vocabulary (name, kind, plausible range, timing, unit) and exit.")
    public var listMetrics = false

    @Option(help: ArgumentHelp("Summary format: text or json.", valueName: "format"))
    public var format: SummaryFormat = .text

    public enum SummaryFormat: String, ExpressibleByArgument, CaseIterable, Sendable { case text, json }

    public init() {}

    public mutating func validate() throws {
        if deep, !pass { throw ValidationError("--deep goes with --pass") }
    }

    public func run() throws {
        let tool = Self.configuration.commandName!
        try runTool(tool) {
            if listMetrics {
                let sink = OutputSink()
                for m in Metrics.all {
                    if format == .json {
                        let o: JSON = [
                            "name": .string(m.name), "kind": .string(m.kind.rawValue), "unit": .string(m.unit),
                            "min": .number(m.range.lowerBound), "max": .number(m.range.upperBound),
                            "summary": .string(m.summary), "timing": .string(m.timing.rawValue),
                        ]
                        try sink.writeLine(o.encoded())
                    } else {
                        let range = m.kind == .clock ? "00:00–23:59" : Metrics.rangeText(m.range)
                        try sink.write(
                            "\(m.name.padding(24))\(m.kind.rawValue.padding(8))\(range.padding(14))"
                                + "\(m.timing.rawValue.padding(11))\(m.unit)\n")
                    }
                }
                try sink.flush()
                return
            }
            if pass {
                if deep {
                    try runStage(DeepPassStage(), tool: tool, options: stream)
                } else {
                    try runStage(PassThroughStage(), tool: tool, options: stream)
                }
                return
            }
            // A summary reports every problem; only an explicit --on-error fail stops at the first.
            var options = stream
            if options.onError == nil { options.onError = .skip }
            let summaryTarget = options.output
            options.output = nil
            let runner = try runStage(ValidateStage(), tool: tool, options: options) { config in
                config.printProblems = false
                config.forwardInput = false
            }
            let body =
                format == .json
                ? runner.stage.json(stats: runner.stats, problems: runner.problems).text + "\n"
                : runner.stage.text(stats: runner.stats, problems: runner.problems)
            let sink = try OutputSink(path: summaryTarget ?? "-")
            try sink.write(body)
            try sink.commit()
            if runner.stats.rejected > 0 { throw ArgumentParser.ExitCode(ExitCode.badInput.rawValue) }
        }
    }
}
