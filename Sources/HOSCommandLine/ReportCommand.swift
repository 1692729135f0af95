// hos-report: results people would rather look at than read as JSON — terminal text, Markdown, CSV/TSV, HTML.

import ArgumentParser
import Glibc
import HOSCore
import HOSReport

/// The formats hos-report writes.
public enum ReportFormat: String, CaseIterable, ExpressibleByArgument, Sendable {
    case text, md, csv, tsv, html

    /// The format an output file's extension names, if any.
    static func inferred(from path: String) -> ReportFormat? {
        let lower = path.lowercased()
        for (ext, format) in [
            (".html", html), (".htm", html), (".md", md), (".markdown", md), (".csv", csv),
            (".tsv", tsv), (".txt", text),
        ] where lower.hasSuffix(ext) {
            return format
        }
        return nil
    }
}

extension ReportTable: ExpressibleByArgument {}

public struct ReportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hos-report",
        abstract: "Show agents' results for people: terminal text, Markdown, CSV/TSV tables, or one HTML page.",
        discussion: """
            Reads the events of a pipeline — analysis_complete events from hos-run, or the agents' own events \
            from a hand-made pipe (hos-synth --request | hos-behavior | hos-memory | hos-nutrition | \
            hos-routine | hos-insights | hos-adapt | hos-report) — and writes a report instead of events. \
            It is the end of a pipe: it forwards nothing.

            INPUT. Events are grouped by user_id (users in the order they first appear) and, within a user, \
            by analysis_id (in order of first appearance; results without one form a group with an empty id). \
            health_record events give each user's daily values (a later record of the same day and metric \
            wins); they have no analysis id, so every analysis charts the records of its window: the \
            behavior_analysis window (window.start to window.end), else the analysis_request's window_days \
            (30) up to its as_of, else the user's last 30 recorded days. analysis_request gives as_of and \
            window_days. behavior_analysis gives readiness (score, state, sleep debt, drivers), sleep timing, \
            signature, engagement, and per metric the baseline (median), recent mean, trend (direction, \
            slope per week, p-value), CV, MAD and anomalies. The personal baseline band is baseline ± 1.4826 \
            × MAD (one robust standard deviation); anomalies are hos-behavior's (modified z-score beyond 3.5). \
            memory_context gives the number of earlier analyses, the adaptation difficulty and the long-term \
            preferences with a single value. nutrition_plan gives energy, macros, hydration and meals; \
            routine_plan the items as a timeline from wake to lights out; insight events the cards, shown in \
            the order they came (hos-insights writes them by priority), one per insight_id (the latest wins); \
            adaptation the difficulty change, the experiments' arms (successes, failures, p_best, chosen, \
            propensity), predicted adherence, the learning curve (effectiveness.adherence by date, with \
            lift), and what was learned of the person: per experiment the chosen arm with its posterior mean \
            (alpha / (alpha + beta)), its evidence (successes + failures, the person's feedbacks on it, \
            weighted as hos-adapt weighs them) and pulls (plans), shown when the arm has a posterior; the \
            difficulty; archetype_switch (from, to, since, strategy, plans since, the new prior's weight); \
            and, when a hos-adapt writes them, tolerance [{category, max_intensity, evidence, state, \
            reason}] and items [{item, category, completion, n, verdict, action, reason}] (on a terminal only \
            capped categories and items not kept, then a line for the rest); a field of the wrong type stops \
            the report with its path, as in every result payload. Of each other result type the latest of an \
            analysis wins. Users with records and no \
            analysis get one section with their records alone. Other event types (user_profile, \
            plan_feedback, agent_error, progress, unknown types) are checked like any agent checks them and \
            not shown.

            analysis_complete: payload.analysis_id (else the envelope's) names the analysis; the keys \
            behavior, memory, nutrition, routine, insights and adapt (hos-run's default step ids) are read as \
            the payloads of behavior_analysis, memory_context, nutrition_plan, routine_plan, insight and \
            adaptation; a key whose value is an array holds several results of that step. degraded (steps \
            that failed) is shown as a warning in every format; timings_ms only in the HTML. Any other key \
            (another step, such as a jq step, or a step given its own id) is shown in generic form: compact \
            JSON cut to the width in text, in a code span in Markdown, indented JSON in the HTML; tables \
            leave it out. daily (hos-run's day-by-day values of the window's records, the metrics a report \
            shows) gives daily values as health_record events do, for the days and metrics no record in the \
            input gives; so hos-run's output alone draws the same charts as with its records. When the same \
            results come both as agent events and inside analysis_complete (hos-run --output-mode all), they \
            are merged, not doubled.

            FORMATS. --format text (the default; also when -o names a file without a known extension): per \
            user and analysis, readiness with a bar and its drivers, sleep timing, signature, memory; key \
            metrics (sleep_duration_min, sleep_efficiency_pct, hrv_rmssd_ms, hrv_sdnn_ms, resting_hr_bpm, \
            steps, active_minutes, weight_kg, stress_score, mood, energy, mindfulness_min when present, then \
            any other metric with a rising or falling trend or an anomaly; at most --metrics, in every format) with a \
            sparkline of the window (▁▂▃▄▅▆▇█ from the series' minimum to its maximum, a space for a day \
            without a value, averaged into fewer columns when the window is wider than the room), baseline, \
            recent mean and a trend arrow (↗ rising, ↘ falling, → flat, with the Theil–Sen slope per week); \
            the anomalies; without any daily value in the window, a line saying so and how to get them; \
            Missing: what hos-behavior could not compute and why (its not_computed), one line per reason, \
            readiness first, statistics of several metrics on one line (trend of mood, steps: too few days), \
            at most four metrics named per line on a terminal and all in Markdown and HTML; \
            the top --insights insights with detail, evidence and action; the routine as a \
            timeline (time, category, minutes, intensity as ●●●○○, title) from wake to lights out; nutrition \
            targets and meals; adaptation (difficulty, predicted adherence, each arm's chance of being the \
            best, the learning curve as a 0–100% sparkline, then what was learned: learned, archetype, \
            tolerance and items rows). Width: --width, else COLUMNS, else the \
            terminal's, else 80 (at least 40); below 60 columns the sparklines are left out, a slope that does \
            not fit leaves its arrow alone, and the routine puts category and title on wrapped lines. Colours (ANSI) \
            only when standard output is a terminal, TERM is not dumb and NO_COLOR is unset or empty; never \
            in a file. --format md: the same as GitHub-flavoured Markdown (tables for metrics, routine and \
            meals, and for tolerance and item verdicts; input text escaped). --format html: one self-contained page (inline CSS and SVG, no \
            scripts, fonts, images or URLs): per user and analysis, a readiness gauge, a chart of each key \
            metric with the baseline band, the dashed baseline and anomalies in red, a table of all metrics, \
            insights as cards with a confidence meter, the routine as a day timeline and a table with the \
            reasons, nutrition targets and meals, the adaptation arms and the learning curve (when it has two \
            days or more) with what was learned (a list; tolerance and item verdicts as tables), other steps and step times. Every chart has an SVG title and description; headings \
            are semantic; colours keep text contrast at 4.5:1 or more; a print style sheet puts each user on \
            a new page. -o FILE with .html, .htm, .md, .markdown, .csv, .tsv or .txt picks the format when \
            --format is not given.

            TABLES (--format csv or tsv, --table NAME; default summary). One row per item, each with user_id \
            and analysis_id first; columns in this order always; a missing value is an empty field; numbers \
            as in the events (integers without a fraction). CSV quotes a field holding a comma, a double \
            quote or a line break, doubling its quotes (RFC 4180); lines end with LF. TSV has no quoting: \
            tabs and line breaks in text become spaces.
              summary   — one row per analysis: user_id, analysis_id, archetype, as_of, window_start, \
            window_end, readiness_score, readiness_state, sleep_debt_hours, plan_date, difficulty, focus, \
            wake, bedtime, energy_kcal, insights (count), predicted_adherence, degraded (step ids joined by ;).
              days      — one row per recorded value, sorted by day and metric: user_id, analysis_id, date, \
            metric, value, baseline, band_low, band_high, anomaly (high, low or empty). A day belongs to the \
            last analysis of its user whose window holds it; days in no window come first with an empty \
            analysis_id.
              metrics   — one row per metric of each behaviour analysis: user_id, analysis_id, metric, unit, \
            n, completeness, baseline, recent, band_low, band_high, trend, slope_per_week, p_value, cv, mad, \
            anomalies (count).
              insights  — user_id, analysis_id, rank (1 = first), insight_id, kind, title, detail, \
            confidence, priority, statistic, n, p_value, effect, action.
              routine   — user_id, analysis_id, plan_id, date, item_id, start, end, duration_min, category, \
            intensity, variant (dimension=arm joined by ;), title, why.
              nutrition — user_id, analysis_id, plan_id, date, kind (target or meal), name (energy_kcal, \
            protein_g, carbs_g, fat_g, fiber_g, hydration_ml; or the meal's name), time (meals), value, unit, \
            focus (meals).
              arms      — user_id, analysis_id, dimension, arm, successes, failures, p_best, chosen (true or \
            false), propensity (on the chosen arm).
              adherence — the learning curve: user_id, analysis_id, date, adherence (0–1), n.

            OUTPUT. The report goes to standard output, or with -o FILE to FILE (written whole, and only when \
            the run succeeds: -o writes the report, not events). A closed output pipe (hos-report | head) \
            is a clean end.

            BAD INPUT. A line that breaks the contract (hos-events(7)), or a result whose field the report \
            reads has the wrong type (a string where a number belongs, a confidence outside 0–1, a bad date \
            or HH:MM time), is reported as hos-report: FILE:LINE: payload.PATH must be …; with --on-error \
            fail (the default) the run stops with status 65 and writes no report; skip and dead-letter=FILE \
            leave that event out of the report. --stats prints in=N out=0 rejected=K (the report is not \
            counted as events). A new -o file has mode 0600: a report holds health data.

            EXIT STATUS: 0 success (also when the reader of the output goes away); 65 bad input; 66 \
            unreadable input; 74 I/O error; 64 usage.
            """,
        version: hosVersion)

    @OptionGroup public var stream: StreamOptions

    @Option(
        help: ArgumentHelp("text, md, csv, tsv or html (default: from -o's extension, else text).", valueName: "format")
    )
    public var format: ReportFormat?

    @Option(
        help: ArgumentHelp(
            "With csv or tsv: summary, days, metrics, insights, routine, nutrition, arms or adherence.",
            valueName: "name"))
    public var table: ReportTable?

    @Option(name: .customLong("user"), help: ArgumentHelp("Only this user (repeat for several).", valueName: "id"))
    public var users: [String] = []

    @Flag(help: "Only each user's last analysis.")
    public var latest = false

    @Option(help: ArgumentHelp("Insights shown per analysis in text and Markdown; 0 shows all.", valueName: "n"))
    public var insights = 3

    @Option(help: ArgumentHelp("Metrics charted per analysis.", valueName: "n"))
    public var metrics = 10

    @Option(
        help: ArgumentHelp(
            "Columns of the text report (default: COLUMNS, else the terminal's, else 80).",
            valueName: "n"))
    public var width: Int?

    @Option(help: ArgumentHelp("The HTML page's title and heading.", valueName: "text"))
    public var title = "hos report"

    public init() {}

    public mutating func validate() throws {
        for u in users { try checkUserOption(u) }
        let f = resolvedFormat
        if table != nil, f != .csv, f != .tsv { throw ValidationError("--table needs --format csv or tsv") }
        guard insights >= 0 else { throw ValidationError("--insights must be 0 or more") }
        guard metrics >= 1 else { throw ValidationError("--metrics must be 1 or more") }
        if let width, width < 40 || width > 1000 { throw ValidationError("--width must be between 40 and 1000") }
    }

    var resolvedFormat: ReportFormat {
        format ?? stream.output.flatMap(ReportFormat.inferred(from:)) ?? .text
    }

    public func run() throws {
        let tool = "hos-report"
        try runTool(tool) {
            var config = RunConfig(
                agent: tool, onError: stream.onError ?? .fail, maxLineBytes: stream.maxLineBytes,
                flushAtBarriers: false)
            config.forwardInput = false
            config.implicitRequests = false
            let outputs = try RunOutputs(path: stream.output, onError: config.onError)
            let collector = ReportCollector(only: users.isEmpty ? nil : Set(users))
            let runner = StreamRunner(
                stage: collector, config: config, output: outputs.events, deadLetter: outputs.deadLetter)
            defer { if stream.stats { printError("\(tool): \(runner.stats.summary)") } }
            try outputs.run {
                try runner.run(stream.files)
                var model = runner.stage.model
                if latest { model = model.latestOnly() }
                try outputs.events.write(render(model))
            }
        }
    }

    func render(_ model: ReportModel) -> String {
        switch resolvedFormat {
        case .text:
            let toTerminal = stream.output == nil || stream.output == "-"
            return TextReport(
                model,
                options: TextOptions(
                    width: width ?? Self.terminalWidth(toTerminal),
                    color: toTerminal && Self.colorWanted(),
                    insights: insights, metrics: metrics)
            ).render()
        case .md: return MarkdownReport(model, insights: insights, metrics: metrics).render()
        case .csv: return TableReport(model, table: table ?? .summary, separator: .comma).render()
        case .tsv: return TableReport(model, table: table ?? .summary, separator: .tab).render()
        case .html: return HTMLReport(model, title: title, metrics: metrics).render()
        }
    }

    /// COLUMNS, else the terminal's width when standard output is one, else 80.
    static func terminalWidth(_ toTerminal: Bool) -> Int {
        if let c = getenv("COLUMNS"), let n = Int(String(cString: c)), n > 0 { return min(1000, max(40, n)) }
        var size = winsize()
        if toTerminal, isatty(1) != 0, ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return max(40, Int(size.ws_col))
        }
        return 80
    }

    /// Colours on a terminal only, never with NO_COLOR (no-color.org) or TERM=dumb.
    static func colorWanted() -> Bool {
        if let n = getenv("NO_COLOR"), n.pointee != 0 { return false }
        if let t = getenv("TERM"), String(cString: t) == "dumb" { return false }
        return isatty(1) != 0
    }
}
