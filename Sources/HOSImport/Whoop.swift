// `hos-import whoop`: a WHOOP data export folder (physiological cycles, sleeps, workouts, journal).

import HOSCore

/// Reads a WHOOP export folder into one user's daily records.
public struct WhoopImporter {
    public let user: String

    public init(user: String) { self.user = user }

    /// The format's description for --help, --list-formats and the man page.
    public static let documentation = """
        Reads these files of an unzipped WHOOP export ("Export WHOOP Data" in the app); each is \
        optional, but at least one must be there: physiological_cycles.csv, sleeps.csv, \
        workouts.csv, journal_entries.csv. Columns are found by name in the header. Every record goes \
        to the one user given by --user. An empty cell is a missing value.

        Times: WHOOP writes every time (2024-03-10 22:41:13) in the cycle's own zone, named by the \
        Cycle timezone column (UTC-05:00, UTC+01:00, UTC); the local day is taken from the time as \
        written, so daylight-saving changes and travel keep each day on the day it was lived, and the \
        zone of the machine never matters. The zone makes each cycle, sleep and workout an instant: \
        the same one in two overlapping exports imported together counts once, so each day is written \
        once, with the same event id as from either export alone.

        Days: a cycle runs from one sleep onset to the next, so its day is the local date of its start, \
        or the next date when it starts at 12:00 or later (fell asleep before midnight: the cycle is \
        lived on the day you wake up). Workouts take the day of their cycle. A journal answer is \
        about the day before its cycle (the app asks each morning about yesterday: the drinks of \
        Friday evening are answered in the cycle that starts with Friday night's sleep, whose day is \
        Saturday), so it is dated on that day, the day it describes. A \
        sleep belongs to the day it ends (the local date of Wake onset), as in the other importers; \
        for a night that starts a cycle the two days agree. The day of the export's last cycle is the \
        last day it can describe (hos-import(1), days not lived).

        physiological_cycles.csv (per cycle): strain = Day Strain (0-21); calories_burned_kcal = \
        Energy burned (cal) (WHOOP's "cal" are kilocalories). An in-progress cycle (empty Cycle end \
        time) has only part of its day: its strain and energy are left out, the rest is kept; when \
        another export holds the same cycle finished, that one is used. Of the night that starts the \
        cycle, on the wake day: recovery_score = Recovery score % (0-100); resting_hr_bpm = Resting \
        heart rate (bpm); hrv_rmssd_ms = Heart rate variability (ms) (WHOOP measures RMSSD); spo2_pct \
        = Blood oxygen %; x_skin_temp_c = Skin temp (celsius) (an absolute temperature, not the \
        deviation that skin_temp_dev_c holds); and the sleep columns below. A cycle without Sleep onset \
        and Wake onset keeps these on its own day. Max HR and Average HR are not read.

        Sleep columns (physiological_cycles.csv and sleeps.csv): sleep_start = Sleep onset and \
        sleep_end = Wake onset as HH:MM; sleep_duration_min = Asleep duration (min); time_in_bed_min \
        = In bed duration (min); light_sleep_min = Light sleep duration (min); deep_sleep_min = Deep \
        (SWS) duration (min); rem_sleep_min = REM duration (min); awake_min = Awake duration (min); \
        sleep_efficiency_pct = Sleep efficiency %; sleep_score = Sleep performance % (0-100); \
        respiratory_rate_bpm = Respiratory rate (rpm); x_sleep_need_min = Sleep need (min); \
        x_sleep_debt_min = Sleep debt (min); x_sleep_consistency_pct = Sleep consistency %. A sleep \
        is known by its onset: the same sleep in both files counts once. A row of sleeps.csv with Nap \
        true is a nap: it never counts as the main sleep, and x_nap_min = the day's naps' Asleep \
        duration (min), summed. A day's main sleep is its longest non-nap sleep (by Asleep duration).

        workouts.csv (per workout, known by Workout start time): workout_minutes = Duration (min) \
        (or Workout end time - Workout start time), summed per day; x_workout_count = the number of \
        workouts; x_workout_energy_kcal = Energy burned (cal), summed; x_workout_strain_max = the \
        highest Activity Strain. Activity name, heart-rate zones and GPS are not read.

        journal_entries.csv (one row per question per cycle): Answered yes true/false (or yes/no) \
        becomes 1/0 in x_journal_<question>, the question text in lowercase ASCII letters and digits \
        joined by _ (Have any alcoholic drinks? -> x_journal_alcohol, see below), the same name for \
        the same question in every export. Where a "no" measures a vocabulary metric, it is written \
        too: "Have any alcoholic drinks?" no -> alcohol_units 0; "Have any caffeine?" no -> \
        caffeine_mg 0. A "yes" gives no amount, so those metrics are not written then. Short names: \
        Have any alcoholic drinks? -> x_journal_alcohol; Have any caffeine? -> x_journal_caffeine; \
        Feeling sick or ill? -> x_journal_sick. Notes are not read.

        A time or number that does not parse, a zone that is not UTC[+-HH:MM], or a value outside its \
        metric's range is bad input, reported with file and line.
        """

    static let cycles = "physiological_cycles.csv"
    static let sleeps = "sleeps.csv"
    static let workouts = "workouts.csv"
    static let journal = "journal_entries.csv"

    /// Journal questions with a short name, and the vocabulary metric (with its value) that a "no" answer gives.
    static let knownQuestions: [String: (name: String, onNo: (metric: String, value: Double)?)] = [
        "have any alcoholic drinks": ("x_journal_alcohol", ("alcohol_units", 0)),
        "have any caffeine": ("x_journal_caffeine", ("caffeine_mg", 0)),
        "feeling sick or ill": ("x_journal_sick", nil),
    ]

    /// The metric a journal question becomes (and what its "no" means), or nil when the text has no letter or digit.
    static func journalMetric(_ question: String) -> (name: String, onNo: (metric: String, value: Double)?)? {
        let key = question.lowercased().trimmingSpaces.trimmingCharacters(of: "?")
        if let known = knownQuestions[key] { return known }
        return customMetricName(question, prefix: "journal_").map { ($0, nil) }
    }

    /// Reads every WHOOP file the folder holds into `records`.
    public func read(
        directory: String, into records: RecordSet, reporter: ProblemReporter,
        maxLineBytes: Int = RunConfig.defaultMaxLineBytes
    ) throws {
        try read(directories: [directory], into: records, reporter: reporter, maxLineBytes: maxLineBytes)
    }

    /// Reads several exports of the same account; what two of them both hold counts once.
    public func read(
        directories: [String], into records: RecordSet, reporter: ProblemReporter,
        maxLineBytes: Int = RunConfig.defaultMaxLineBytes
    ) throws {
        var found: [[String?]] = []
        for directory in directories {
            let folder = try ExportFolder(directory)
            let files = [Self.cycles, Self.sleeps, Self.workouts, Self.journal].map(folder.file)
            guard files.contains(where: { $0 != nil }) else {
                throw HOSError.noInput(directory, "no WHOOP files found")
            }
            for file in files.compactMap({ $0 }) { try InputFile(argument: file).checkReadable() }
            found.append(files)
        }
        let reader = Reader(user: user, records: records, reporter: reporter, maxLineBytes: maxLineBytes)
        for files in found {
            reader.lastCycleDay = nil
            if let f = files[0] { try reader.cycles(f) }
            if let f = files[1] { try reader.sleeps(f) }
            if let f = files[2] { try reader.workouts(f) }
            if let f = files[3] { try reader.journal(f) }
            // The export's last cycle is the last day it can describe; without cycles, its files' time.
            if let last = reader.lastCycleDay {
                records.noteLivedUntil(last)
            } else {
                for f in files.compactMap({ $0 }) { records.noteFileTime(InputFile(argument: f)) }
            }
        }
        try reader.finish()
    }

    /// A local time as WHOOP writes it with the cycle's zone: the local day and minute, and the UTC instant.
    struct Moment: Equatable {
        var utc: Int
        var local: Int
        var date: LocalDate { LocalDate(daysSinceEpoch: floorDiv(local, 86_400)) }
        var clock: ClockTime { ClockTime(minutes: floorDiv(local, 60)) }
        /// The cycle's day: its start date, or the next one for a start at noon or later.
        var cycleDay: LocalDate { date.adding(days: floorDiv(local, 60) % 1440 >= 720 ? 1 : 0) }
    }

    /// `UTC`, `UTC+01:00`, `UTC-05:00` (also `+01:00`, `Z`) as seconds east of UTC.
    static func parseZone(_ text: String) -> Int? {
        var s = Substring(text.trimmingSpaces)
        if s.hasPrefix("UTC") || s.hasPrefix("GMT") { s = s.dropFirst(3) }
        if s.isEmpty || s == "Z" { return 0 }
        guard let probe = Timestamp.parse("2000-01-01T00:00:00" + s) else { return nil }
        return probe.offsetSeconds
    }

    /// `2024-03-10 22:41:13` (seconds optional; `T` accepted) in a zone.
    static func parseMoment(_ text: String, zone: Int) -> Moment? {
        var t = text.trimmingSpaces
        if t.utf8.count == 16 { t += ":00" }
        guard t.utf8.count == 19, let local = Timestamp.parse(t + "Z") else { return nil }
        return Moment(utc: local.seconds - zone, local: local.seconds)
    }

    /// One sleep: its wake day, whether a nap, its asleep minutes and metrics, and where it was read.
    struct Sleep {
        var wakeDay: LocalDate
        var onset: Moment
        var nap: Bool
        var asleep: Double?
        var values: [(metric: String, value: JSON)]
        var location: SourceLocation
        var raw: String
    }

    /// One cycle's own metrics (not its sleep's) on its day.
    struct Cycle {
        var day: LocalDate
        var finished: Bool
        var values: [(metric: String, value: JSON)]
        var location: SourceLocation
        var raw: String
    }

    struct Workout {
        var day: LocalDate
        var minutes: Double?
        var energy: Double?
        var strain: Double?
        var location: SourceLocation
    }

    struct Answer {
        var day: LocalDate
        var metric: String
        var yes: Bool
        var onNo: (metric: String, value: Double)?
        var location: SourceLocation
        var raw: String
    }

    /// What the files hold, keyed by instant so that overlapping exports count once; written by `finish`.
    final class Reader {
        let user: String
        let records: RecordSet
        let reporter: ProblemReporter
        let maxLineBytes: Int
        var cycles: [Int: Cycle] = [:]
        var sleeps: [Int: Sleep] = [:]
        var workouts: [Int: Workout] = [:]
        struct AnswerKey: Hashable { var cycle: Int, metric: String }
        var answers: [AnswerKey: Answer] = [:]
        /// The day of the latest cycle of the export being read.
        var lastCycleDay: LocalDate?

        init(user: String, records: RecordSet, reporter: ProblemReporter, maxLineBytes: Int) {
            self.user = user
            self.records = records
            self.reporter = reporter
            self.maxLineBytes = maxLineBytes
        }

        static let sleepColumns: [(column: String, metric: String)] = [
            ("Asleep duration (min)", "sleep_duration_min"), ("In bed duration (min)", "time_in_bed_min"),
            ("Light sleep duration (min)", "light_sleep_min"), ("Deep (SWS) duration (min)", "deep_sleep_min"),
            ("REM duration (min)", "rem_sleep_min"), ("Awake duration (min)", "awake_min"),
            ("Sleep efficiency %", "sleep_efficiency_pct"), ("Sleep performance %", "sleep_score"),
            ("Respiratory rate (rpm)", "respiratory_rate_bpm"), ("Sleep need (min)", "x_sleep_need_min"),
            ("Sleep debt (min)", "x_sleep_debt_min"), ("Sleep consistency %", "x_sleep_consistency_pct"),
        ]
        static let recoveryColumns: [(column: String, metric: String)] = [
            ("Recovery score %", "recovery_score"), ("Resting heart rate (bpm)", "resting_hr_bpm"),
            ("Heart rate variability (ms)", "hrv_rmssd_ms"), ("Blood oxygen %", "spo2_pct"),
            ("Skin temp (celsius)", "x_skin_temp_c"),
        ]
        static let cycleColumns: [(column: String, metric: String)] = [
            ("Day Strain", "strain"), ("Energy burned (cal)", "calories_burned_kcal"),
        ]
        static let cycleKey = ["Cycle start time", "Cycle end time", "Cycle timezone"]

        func table(_ path: String, required: [String], _ body: (CSVRow, Table, SourceLocation) throws -> Void) throws {
            try readTable(
                path, required: required, records: records, reporter: reporter, maxLineBytes: maxLineBytes, body)
        }

        /// The row's cycle start and zone, or nil after rejecting the row.
        func cycleStart(_ row: CSVRow, _ t: Table, _ location: SourceLocation) throws -> (start: Moment, zone: Int)? {
            guard let zone = WhoopImporter.parseZone(t(row, "Cycle timezone")) else {
                try reporter.reject(location, "Cycle timezone is not UTC[+-HH:MM]", raw: row.raw)
                return nil
            }
            guard let start = WhoopImporter.parseMoment(t(row, "Cycle start time"), zone: zone) else {
                try reporter.reject(location, "Cycle start time is not a YYYY-MM-DD HH:MM:SS time", raw: row.raw)
                return nil
            }
            return (start, zone)
        }

        /// Numbers of the named columns the table has (empty cells left out), or nil after rejecting the row.
        func numbers(
            _ row: CSVRow, _ t: Table, _ columns: [(column: String, metric: String)],
            _ location: SourceLocation
        ) throws -> [(metric: String, value: Double)]? {
            var out: [(metric: String, value: Double)] = []
            for (column, metric) in columns where t.has(column) {
                let text = t(row, column)
                if text.isEmpty { continue }
                guard let v = parseDecimal(text) else {
                    try reporter.reject(location, "\(column) is not a number", raw: row.raw)
                    return nil
                }
                out.append((metric, v))
            }
            return out
        }

        /// The sleep of a row that has the sleep columns, or nil (no sleep, or rejected: `ok` false).
        func sleep(
            _ row: CSVRow, _ t: Table, zone: Int, nap: Bool, extra: [(column: String, metric: String)],
            _ location: SourceLocation
        ) throws -> (sleep: Sleep?, ok: Bool) {
            let onsetText = t(row, "Sleep onset")
            let wakeText = t(row, "Wake onset")
            if onsetText.isEmpty && wakeText.isEmpty { return (nil, true) }
            guard let onset = WhoopImporter.parseMoment(onsetText, zone: zone) else {
                try reporter.reject(location, "Sleep onset is not a YYYY-MM-DD HH:MM:SS time", raw: row.raw)
                return (nil, false)
            }
            guard let wake = WhoopImporter.parseMoment(wakeText, zone: zone) else {
                try reporter.reject(location, "Wake onset is not a YYYY-MM-DD HH:MM:SS time", raw: row.raw)
                return (nil, false)
            }
            guard wake.utc >= onset.utc else {
                try reporter.reject(location, "Wake onset is before Sleep onset", raw: row.raw)
                return (nil, false)
            }
            guard let n = try numbers(row, t, Self.sleepColumns + extra, location) else { return (nil, false) }
            var values: [(metric: String, value: JSON)] = []
            if !nap {
                values.append(("sleep_start", .string(onset.clock.description)))
                values.append(("sleep_end", .string(wake.clock.description)))
            }
            values += n.map { ($0.metric, .number($0.value)) }
            let asleep = n.first(where: { $0.metric == "sleep_duration_min" })?.value
            return (
                Sleep(
                    wakeDay: wake.date, onset: onset, nap: nap, asleep: asleep, values: values,
                    location: location, raw: row.raw), true
            )
        }

        /// Keeps the first copy of a sleep (by onset instant).
        func keep(_ sleep: Sleep) {
            if sleeps[sleep.onset.utc] == nil { sleeps[sleep.onset.utc] = sleep }
        }

        func cycles(_ path: String) throws {
            try table(path, required: Self.cycleKey) { row, t, location in
                guard let (start, zone) = try cycleStart(row, t, location) else { return }
                let endText = t(row, "Cycle end time")
                if !endText.isEmpty, WhoopImporter.parseMoment(endText, zone: zone) == nil {
                    try reporter.reject(location, "Cycle end time is not a YYYY-MM-DD HH:MM:SS time", raw: row.raw)
                    return
                }
                let finished = !endText.isEmpty
                guard let own = try numbers(row, t, Self.cycleColumns, location) else { return }
                let (found, ok) = try sleep(row, t, zone: zone, nap: false, extra: Self.recoveryColumns, location)
                guard ok else { return }
                if let found { keep(found) }
                // An in-progress cycle's strain and energy are only the day so far.
                var values: [(metric: String, value: JSON)] = finished ? own.map { ($0.metric, .number($0.value)) } : []
                // Without a night to hang them on, recovery and the rest stay on the cycle's day.
                if found == nil, let rest = try numbers(row, t, Self.recoveryColumns, location) {
                    values += rest.map { ($0.metric, .number($0.value)) }
                }
                lastCycleDay = max(lastCycleDay ?? start.cycleDay, start.cycleDay)
                let cycle = Cycle(
                    day: start.cycleDay, finished: finished, values: values, location: location, raw: row.raw)
                if let known = cycles[start.utc], known.finished || !finished { return }
                cycles[start.utc] = cycle
            }
        }

        func sleeps(_ path: String) throws {
            try table(path, required: Self.cycleKey + ["Sleep onset", "Wake onset"]) { row, t, location in
                guard let (_, zone) = try cycleStart(row, t, location) else { return }
                let napText = t(row, "Nap").lowercased()
                guard let nap = WhoopImporter.parseBool(napText) ?? (napText.isEmpty ? false : nil) else {
                    try reporter.reject(location, "Nap is not true or false", raw: row.raw)
                    return
                }
                let (found, _) = try sleep(row, t, zone: zone, nap: nap, extra: [], location)
                if let found { keep(found) }
            }
        }

        func workouts(_ path: String) throws {
            try table(path, required: Self.cycleKey + ["Workout start time"]) { row, t, location in
                guard let (start, zone) = try cycleStart(row, t, location) else { return }
                guard let begin = WhoopImporter.parseMoment(t(row, "Workout start time"), zone: zone) else {
                    try reporter.reject(location, "Workout start time is not a YYYY-MM-DD HH:MM:SS time", raw: row.raw)
                    return
                }
                guard
                    let n = try numbers(
                        row, t,
                        [
                            ("Duration (min)", "minutes"), ("Energy burned (cal)", "energy"),
                            ("Activity Strain", "strain"),
                        ], location)
                else { return }
                let value = { (name: String) in n.first(where: { $0.metric == name })?.value }
                var minutes = value("minutes")
                if minutes == nil, !t(row, "Workout end time").isEmpty {
                    guard let end = WhoopImporter.parseMoment(t(row, "Workout end time"), zone: zone),
                        end.utc >= begin.utc
                    else {
                        try reporter.reject(
                            location, "Workout end time is not a time after Workout start time", raw: row.raw)
                        return
                    }
                    minutes = Double(end.utc - begin.utc) / 60
                }
                for (what, v) in [("Duration", minutes), ("Energy burned", value("energy"))] where (v ?? 0) < 0 {
                    try reporter.reject(location, "\(what) is negative", raw: row.raw)
                    return
                }
                if workouts[begin.utc] == nil {
                    workouts[begin.utc] = Workout(
                        day: start.cycleDay, minutes: minutes, energy: value("energy"),
                        strain: value("strain"), location: location)
                }
            }
        }

        func journal(_ path: String) throws {
            try table(path, required: Self.cycleKey + ["Question text", "Answered yes"]) { row, t, location in
                guard let (start, _) = try cycleStart(row, t, location) else { return }
                guard let question = WhoopImporter.journalMetric(t(row, "Question text")) else {
                    try reporter.reject(location, "Question text has no letter or digit", raw: row.raw)
                    return
                }
                guard let yes = WhoopImporter.parseBool(t(row, "Answered yes").lowercased()) else {
                    try reporter.reject(location, "Answered yes is not true or false", raw: row.raw)
                    return
                }
                let key = AnswerKey(cycle: start.utc, metric: question.name)
                if answers[key] == nil {
                    // The answer is about yesterday: the day lived before the cycle's night, not the wake day.
                    answers[key] = Answer(
                        day: start.cycleDay.adding(days: -1), metric: question.name, yes: yes, onNo: question.onNo,
                        location: location, raw: row.raw)
                }
            }
        }

        /// Writes what was read: cycles, then each wake day's main sleep and naps, workouts, answers.
        func finish() throws {
            for key in cycles.keys.sorted() {
                let c = cycles[key]!
                try records.addRow(user: user, date: c.day, values: c.values, at: c.location, raw: c.raw)
            }
            var byDay: [LocalDate: [Sleep]] = [:]
            for key in sleeps.keys.sorted() { byDay[sleeps[key]!.wakeDay, default: []].append(sleeps[key]!) }
            for day in byDay.keys.sorted() {
                let all = byDay[day]!
                // The longest night is the main sleep; a tie goes to the earlier onset (the order of `all`).
                var main: Sleep?
                for s in all where !s.nap && (main == nil || (s.asleep ?? 0) > (main!.asleep ?? 0)) { main = s }
                if let main {
                    try records.addRow(user: user, date: day, values: main.values, at: main.location, raw: main.raw)
                }
                let naps = all.filter(\.nap)
                if let first = naps.first, naps.contains(where: { $0.asleep != nil }) {
                    let total = naps.reduce(0) { $0 + ($1.asleep ?? 0) }
                    try records.add(
                        user: user, date: day, metric: "x_nap_min", value: .number(total, places: 2),
                        at: first.location, raw: first.raw)
                }
            }
            var days: [LocalDate: [Workout]] = [:]
            for key in workouts.keys.sorted() { days[workouts[key]!.day, default: []].append(workouts[key]!) }
            for day in days.keys.sorted() {
                let list = days[day]!
                var values: [(metric: String, value: JSON)] = [("x_workout_count", .number(Double(list.count)))]
                let minutes = list.compactMap(\.minutes)
                let energy = list.compactMap(\.energy)
                let strain = list.compactMap(\.strain)
                if !minutes.isEmpty { values.append(("workout_minutes", .number(minutes.reduce(0, +), places: 2))) }
                if !energy.isEmpty { values.append(("x_workout_energy_kcal", .number(energy.reduce(0, +), places: 2))) }
                if let top = strain.max() { values.append(("x_workout_strain_max", .number(top))) }
                try records.addRow(user: user, date: day, values: values, at: list[0].location)
            }
            for key in answers.keys.sorted(by: { ($0.cycle, $0.metric) < ($1.cycle, $1.metric) }) {
                let a = answers[key]!
                var values: [(metric: String, value: JSON)] = [(a.metric, .number(a.yes ? 1 : 0))]
                if !a.yes, let onNo = a.onNo { values.append((onNo.metric, .number(onNo.value))) }
                try records.addRow(user: user, date: a.day, values: values, at: a.location, raw: a.raw)
            }
        }
    }

    /// `true`/`false`/`yes`/`no` (lowercased), or nil.
    static func parseBool(_ text: String) -> Bool? {
        switch text.trimmingSpaces {
        case "true", "yes", "1": true
        case "false", "no", "0": false
        default: nil
        }
    }
}

extension String {
    /// The string without the given character at either end.
    func trimmingCharacters(of c: Character) -> String {
        var s = Substring(self)
        while s.first == c { s.removeFirst() }
        while s.last == c { s.removeLast() }
        return String(s).trimmingSpaces
    }
}
