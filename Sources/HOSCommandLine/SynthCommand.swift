// hos-synth: deterministic synthetic users, and the simulated user that answers plans.

import ArgumentParser
import HOSCore
import HOSImport

extension Archetype: ExpressibleByArgument {
    public init?(argument: String) { self.init(named: argument) }
}

public struct SynthCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hos-synth",
        abstract: "Generate deterministic synthetic users, or answer plans as they would.",
        discussion: """
            The same options and seed give byte-identical output on every machine.
            """,
        version: hosVersion,
        subcommands: [Generate.self, Respond.self],
        defaultSubcommand: Generate.self)

    public init() {}

    public struct Generate: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Write synthetic users' profiles and daily health records as events.",
            discussion: """
                Each user is a persona of its archetype: typical sleep, timing, activity, heart rate and HRV \
                levels drawn around the archetype's, a weekday/weekend rhythm, slow trends, day-to-day noise, \
                missing days and missing metrics. Users are numbered u-0001, u-0002, ...; with --archetype \
                mixed the six archetypes take turns. A user's data depends only on the seed and its number, \
                not on --users.

                Planted relationships, each carried by a user with probability 0.6 and a strength (correlation) \
                of 0.55–0.8: sleep_duration_min → next-day hrv_rmssd_ms and readiness_score; steps → next-day \
                sleep_efficiency_pct; alcohol_units (an evening's drinks) → the next night's resting_hr_bpm \
                (higher) and hrv_rmssd_ms (lower) (a user who carries either drinks on 20–30% of weekdays and \
                twice that share of weekend days; with two causes of HRV, their strengths are scaled down \
                together so that at least 10% of its variance stays noise). A reverse artefact, carried by \
                half of the users: a low readiness_score in the morning drives more caffeine_mg that day \
                (correlation −0.6 to −0.8); caffeine causes nothing, so a correlation with caffeine as the \
                lever is false (hos-insights does not test a lever with a measure taken before it). --truth \
                writes them per user (reverse_artefact: its strength, or null), with the metrics derived from others and each user's hidden preferences (exercise time of day, \
                sleep-shift style, intensity capacity, adherence by weekday) that 'hos-synth respond' acts on.

                Output per user: one user_profile, then one health_record per logged day in date order, then \
                (with --request) one analysis_request as of the last logged day.
                """)

        @Option(help: "Number of users.") public var users = 6
        @Option(help: "Days of data per user.") public var days = 30
        @Option(
            help: ArgumentHelp(
                "An archetype (name or slug, e.g. peak-performer) or 'mixed'.",
                valueName: "name"))
        public var archetype = "mixed"
        @Option(help: ArgumentHelp("First day, YYYY-MM-DD.", valueName: "date")) public var start = "2026-01-05"
        @Option(help: "Seed of every random choice.") public var seed: UInt64 = 42
        @Flag(help: "Append one analysis_request per user after its records.") public var request = false
        @Option(help: "window_days of the requests.") public var windowDays = AnalysisRequest.defaultWindowDays
        @Option(
            help: ArgumentHelp(
                "Write the planted relationships and hidden preferences to this JSON file.",
                valueName: "file"))
        public var truth: String?
        @Option(name: .shortAndLong, help: ArgumentHelp("Write events to this file (atomically).", valueName: "file"))
        public var output: String?

        public init() {}

        public mutating func validate() throws {
            guard users >= 0, users <= 10_000_000 else { throw ValidationError("--users must be from 0 to 10000000") }
            guard days >= 1, days <= 36600 else { throw ValidationError("--days must be from 1 to 36600") }
            guard archetype == "mixed" || Archetype(named: archetype) != nil else {
                throw ValidationError("unknown archetype '\(archetype)' (one of: \(Archetype.namesList), or mixed)")
            }
            guard let first = LocalDate(start) else { throw ValidationError("--start must be a YYYY-MM-DD date") }
            guard first.adding(days: days + 1) <= LocalDate(year: 9999, month: 12, day: 31)! else {
                throw ValidationError("--start plus --days runs past the year 9999")
            }
            guard (1...3660).contains(windowDays) else { throw ValidationError("--window-days must be from 1 to 3660") }
        }

        public func run() throws {
            try runTool("hos-synth") {
                let options = SynthOptions(
                    users: users, days: days, archetype: Archetype(named: archetype),
                    start: LocalDate(start)!, seed: seed, request: request,
                    windowDays: windowDays)
                let synth = SyntheticUsers(options: options)
                let sink = try OutputSink(path: output ?? "-")
                do {
                    for i in 0..<users {
                        if Signals.stopRequested { throw Interrupted() }
                        for event in synth.events(forUser: i) { try sink.writeLine(event.encoded()) }
                    }
                    if let truth {
                        let file = try OutputSink(path: truth)
                        try file.writeLine(synth.truth().encoded())
                        try file.commit()
                    }
                    try sink.commit()
                } catch {
                    sink.abandon()
                    throw error
                }
            }
        }
    }

    public struct Respond: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "respond",
            abstract: "Answer routine_plan events with the plan_feedback each simulated user gives.",
            discussion: """
                Reads events; for each routine_plan it writes, for each of --days days from the plan's date and \
                each item, one plan_feedback (completed, partial or skipped, sometimes a 1–5 rating). Other \
                events are read and not written: the output is the users' answers only.

                The chance of completing an item is base adherence × the weekday's factor × 0.3 when the \
                item's exercise_time variant is not the user's preferred time × 0.5 when its sleep_shift \
                variant is not the preferred style × 0.6 per intensity step above the user's capacity, kept \
                within 0.02–0.98. Preferences come from the seed, the user id and the archetype (the event's, \
                else --archetype), exactly as 'hos-synth generate --truth' writes them.

                With --preferences FILE (the shape of a --truth file; scripts/eval_learning.py writes one per \
                population), each user's hidden preferences come from the file instead, and the window model \
                answers: an item with an exercise_time variant is completed with probability 0.85 when the \
                variant is the user's preferences.exercise_time and 0.25 otherwise, × 0.4 when its intensity \
                exceeds preferences.intensity_capacity; every other item 0.7; completed or skipped, no rating. \
                preferences.moves_on (a date) and moved_exercise_time move the window for plans dated from then \
                on; preferences.responder is normal, never (no feedback), always (every item completed) or half \
                (each item-day answered with probability 0.5). With --reasons P, a share P of the window \
                model's skips carry a reason: wrong_time when the exercise item is outside the user's window, \
                else too_hard when its intensity exceeds the tolerance, else no_time (every other item: \
                no_time); without it, no reason is given and the answers are the same as before. With \
                --once, each plan item is answered once, on its first day (the plan's date, or the first of \
                its days), as a user who says per item whether they kept to it that week.
                """)

        @OptionGroup public var stream: StreamOptions
        @Option(help: "Seed; use the one the users were generated with.") public var seed: UInt64 = 42
        @Option(help: "Days each plan is followed for.") public var days = 1
        @Option(help: ArgumentHelp("Archetype of events that name none.", valueName: "name"))
        public var archetype: Archetype = .foundationBuilder
        @Option(
            help: ArgumentHelp(
                "The users' preferences for the window model (the shape of a --truth file).", valueName: "file"))
        public var preferences: String?
        @Option(
            help: ArgumentHelp(
                "The share (0–1) of the window model's skips that give a reason (needs --preferences).",
                valueName: "share"))
        public var reasons: Double = 0
        @Flag(help: "Answer each plan item once (on its first day), not on each of --days days.")
        public var once = false

        public init() {}

        public mutating func validate() throws {
            guard (1...366).contains(days) else { throw ValidationError("--days must be from 1 to 366") }
            guard (0...1).contains(reasons) else { throw ValidationError("--reasons must be from 0 to 1") }
            if reasons > 0, preferences == nil { throw ValidationError("--reasons needs --preferences") }
        }

        public func run() throws {
            let tool = "hos-synth"
            try runTool(tool) {
                let population = try preferences.map(Self.readPreferences)
                try runStage(
                    RespondStage(
                        seed: seed, days: days, fallbackArchetype: archetype, population: population,
                        reasons: reasons, once: once),
                    tool: tool,
                    options: stream
                ) { config in
                    config.forwardInput = false
                    config.implicitRequests = false
                }
            }
        }

        /// The users of a --preferences file; a bad file is a configuration error.
        static func readPreferences(_ path: String) throws -> [String: WindowPreferences] {
            try readJSONFile(path, WindowPreferences.parse)
        }
    }
}
