// `hos-import fitbit`: a folder of Fitabase-style CSV exports (the public "Fitbit Fitness Tracker Data")
// and, with FitbitAccount.swift, of Fitbit's own account export.

import Glibc
import HOSCore

/// Reads a Fitabase export folder into daily records.
public struct FitbitImporter {
    /// The user of the account-export JSON files (Fitabase files name theirs in the Id column).
    public var user: String

    public init(user: String = "me") { self.user = user }

    /// The format's description for --help and the man page.
    public static let documentation = """
        Reads two layouts, alone or together in one folder: the CSV files of a Fitabase export, and \
        the JSON files of Fitbit's own account export (below). Each file is optional, but at least \
        one must be there.

        Fitabase: these files of the folder. Columns are found by name in the header. Id becomes user_id. Fitabase times are local \
        with no zone, so the local day is the date as written (M/D/YYYY, with h:mm:ss AM/PM where a \
        time is given). A date or number that does not parse is bad input, reported with file and line.

        dailyActivity_merged.csv: steps = TotalSteps; distance_km = TotalDistance (Fitabase distances \
        are kilometres; rounded to 0.01); active_minutes = VeryActiveMinutes + FairlyActiveMinutes; \
        sedentary_minutes = SedentaryMinutes; calories_burned_kcal = Calories. A day with TotalSteps 0 \
        and SedentaryMinutes 1440 is a day the tracker was not worn: no activity metrics are written \
        for it (its Calories are only an estimate of resting burn).

        sleepDay_merged.csv: sleep_duration_min = TotalMinutesAsleep; time_in_bed_min = \
        TotalTimeInBed; sleep_efficiency_pct = TotalMinutesAsleep / TotalTimeInBed x 100, rounded to \
        0.1 (none when TotalTimeInBed is 0). The day is SleepDay. Exact duplicate rows, common in the \
        public data, are harmless.

        minuteSleep_merged.csv (date, value 1 asleep / 2 restless / 3 awake, logId): each logId is \
        one sleep. sleep_start = its first minute and sleep_end = its last minute + 1, as HH:MM; it \
        belongs to the day of its last minute (the wake day). Where a day has several logs the \
        longest (by span, then by minutes recorded) is the main sleep and naps are left out. \
        awake_min = the main log's minutes with value 3. Durations stay those of sleepDay.

        heartrate_seconds_merged.csv (Time, Value in bpm): streamed; only a per-minute sum and count \
        per user-day are kept. resting_hr_bpm is the lowest mean over any 30 consecutive minutes of \
        the day in which at least 20 minutes have readings; the window's mean is the mean of its \
        minutes' means, so a densely sampled minute does not outweigh others. Rounded to whole bpm. A \
        day without such a window has no resting_hr_bpm. A reading outside 1-300 bpm is bad input.

        weightLogInfo_merged.csv: weight_kg = WeightKg (or WeightPounds x 0.45359237 when WeightKg is \
        empty), rounded to 0.01; body_fat_pct = Fat when present and not empty. When a day has \
        several logs, each metric takes the value of the day's last log by time (Date) that has it.
        """

    /// Both layouts' descriptions, for --help and the man page.
    public static var fullDocumentation: String { documentation + "\n\n" + FitbitAccountReader.documentation }

    static let dailyActivity = "dailyActivity_merged.csv"
    static let sleepDay = "sleepDay_merged.csv"
    static let minuteSleep = "minuteSleep_merged.csv"
    static let heartRate = "heartrate_seconds_merged.csv"
    static let weightLog = "weightLogInfo_merged.csv"

    /// Reads every Fitabase file the folder holds into `records`.
    public func read(
        directory: String, into records: RecordSet, reporter: ProblemReporter,
        maxLineBytes: Int = RunConfig.defaultMaxLineBytes
    ) throws {
        let folder = try ExportFolder(directory)
        let path = folder.file
        let files = [Self.dailyActivity, Self.sleepDay, Self.minuteSleep, Self.heartRate, Self.weightLog].map(path)
        let account = FitbitAccountReader.files(in: folder)
        guard files.contains(where: { $0 != nil }) || !account.isEmpty else {
            throw HOSError.noInput(directory, "no Fitabase or Fitbit account export files found")
        }
        // Fail on an unreadable file before anything is read.
        for file in files.compactMap({ $0 }) + account.values.joined() {
            try InputFile(argument: file).checkReadable()
            records.noteFileTime(InputFile(argument: file))
        }
        let reader = Reader(records: records, reporter: reporter, maxLineBytes: maxLineBytes)
        if let f = files[0] { try reader.dailyActivity(f) }
        if let f = files[1] { try reader.sleepDay(f) }
        if let f = files[2] { try reader.minuteSleep(f) }
        if let f = files[3] { try reader.heartRate(f) }
        if let f = files[4] { try reader.weightLog(f) }
        try FitbitAccountReader(user: user, records: records, reporter: reporter).read(account)
    }

    /// The reading of one folder: each file's rows into the record set.
    struct Reader {
        let records: RecordSet
        let reporter: ProblemReporter
        let maxLineBytes: Int

        /// Streams a file's data rows with its header's column positions; checks the columns the file needs.
        func table(_ path: String, required: [String], _ body: (CSVRow, Table, SourceLocation) throws -> Void) throws {
            try readTable(
                path, required: required, records: records, reporter: reporter, maxLineBytes: maxLineBytes, body)
        }

        /// The row's user and day (and seconds after midnight), or nil after rejecting the row.
        func dayKey(_ row: CSVRow, _ t: Table, _ dateColumn: String, _ location: SourceLocation) throws -> (
            DayKey, Int
        )? {
            let user = t(row, "Id")
            guard !user.isEmpty else {
                try reporter.reject(location, "empty Id", raw: row.raw)
                return nil
            }
            guard let parsed = FitbitImporter.parseDateTime(t(row, dateColumn)) else {
                try reporter.reject(location, "\(dateColumn) is not a M/D/YYYY [h:mm:ss AM] date", raw: row.raw)
                return nil
            }
            return (DayKey(user: user, date: parsed.date), parsed.seconds)
        }

        /// The numbers in `columns` (nil for an empty cell), or nil after rejecting the row for a cell that is not one.
        func numbers(_ row: CSVRow, _ t: Table, _ columns: [String], _ location: SourceLocation) throws -> [Double?]? {
            var out: [Double?] = []
            for column in columns {
                let text = t(row, column)
                if text.isEmpty {
                    out.append(nil)
                } else if let v = parseDecimal(text) {
                    out.append(v)
                } else {
                    try reporter.reject(location, "\(column) is not a number", raw: row.raw)
                    return nil
                }
            }
            return out
        }

        func dailyActivity(_ path: String) throws {
            let columns = [
                "TotalSteps", "TotalDistance", "VeryActiveMinutes", "FairlyActiveMinutes",
                "SedentaryMinutes", "Calories",
            ]
            try table(path, required: ["Id", "ActivityDate"] + columns) { row, t, location in
                guard let key = try dayKey(row, t, "ActivityDate", location)?.0,
                    let n = try numbers(row, t, columns, location)
                else { return }
                let (steps, distance, very, fairly, sedentary, calories) = (n[0], n[1], n[2], n[3], n[4], n[5])
                // A whole day sedentary without a step: the tracker was off the wrist, not a day in bed.
                if steps == 0 && sedentary == 1440 { return }
                var values: [(metric: String, value: JSON)] = []
                if let steps { values.append(("steps", .number(steps))) }
                if let distance { values.append(("distance_km", .number(distance, places: 2))) }
                if let very, let fairly { values.append(("active_minutes", .number(very + fairly))) }
                if let sedentary { values.append(("sedentary_minutes", .number(sedentary))) }
                if let calories { values.append(("calories_burned_kcal", .number(calories))) }
                try records.addRow(user: key.user, date: key.date, values: values, at: location, raw: row.raw)
            }
        }

        func sleepDay(_ path: String) throws {
            let columns = ["TotalMinutesAsleep", "TotalTimeInBed"]
            try table(path, required: ["Id", "SleepDay"] + columns) { row, t, location in
                guard let key = try dayKey(row, t, "SleepDay", location)?.0,
                    let n = try numbers(row, t, columns, location)
                else { return }
                var values: [(metric: String, value: JSON)] = []
                if let asleep = n[0] { values.append(("sleep_duration_min", .number(asleep))) }
                if let inBed = n[1] { values.append(("time_in_bed_min", .number(inBed))) }
                if let asleep = n[0], let inBed = n[1], inBed > 0 {
                    values.append(("sleep_efficiency_pct", .number(asleep / inBed * 100, places: 1)))
                }
                try records.addRow(user: key.user, date: key.date, values: values, at: location, raw: row.raw)
            }
        }

        /// One sleep log of minuteSleep, as minutes since the epoch (local).
        struct SleepLog {
            var first: Int
            var last: Int
            var minutes = 0
            var awake = 0
            var line: Int
            var span: Int { last - first + 1 }
        }

        func minuteSleep(_ path: String) throws {
            struct LogKey: Hashable { var user: String, log: String }
            var logs: [LogKey: SleepLog] = [:]
            let name = InputFile(argument: path).name
            try table(path, required: ["Id", "date", "value", "logId"]) { row, t, location in
                guard let found = try dayKey(row, t, "date", location) else { return }
                let (key, seconds) = found
                let log = t(row, "logId")
                guard !log.isEmpty else {
                    try reporter.reject(location, "empty logId", raw: row.raw)
                    return
                }
                let value = t(row, "value")
                guard value == "1" || value == "2" || value == "3" else {
                    try reporter.reject(location, "value is not 1, 2 or 3", raw: row.raw)
                    return
                }
                let minute = key.date.daysSinceEpoch * 1440 + seconds / 60
                let k = LogKey(user: key.user, log: log)
                var entry = logs[k] ?? SleepLog(first: minute, last: minute, line: row.line)
                entry.first = min(entry.first, minute)
                entry.last = max(entry.last, minute)
                entry.minutes += 1
                if value == "3" { entry.awake += 1 }
                logs[k] = entry
            }
            // The main sleep of each wake day: the longest log; ties go to more minutes, then the earlier log.
            var main: [DayKey: (log: String, entry: SleepLog)] = [:]
            for (k, entry) in logs {
                let day = DayKey(user: k.user, date: LocalDate(daysSinceEpoch: floorDiv(entry.last, 1440)))
                if let best = main[day] {
                    let a = (entry.span, entry.minutes, -entry.first, k.log)
                    let b = (best.entry.span, best.entry.minutes, -best.entry.first, best.log)
                    if a <= b { continue }
                }
                main[day] = (k.log, entry)
            }
            for day in main.keys.sorted() {
                let e = main[day]!.entry
                try records.addRow(
                    user: day.user, date: day.date,
                    values: [
                        ("sleep_start", .string(ClockTime(minutes: e.first).description)),
                        ("sleep_end", .string(ClockTime(minutes: e.last + 1).description)),
                        ("awake_min", .number(Double(e.awake))),
                    ], at: SourceLocation(file: name, line: e.line))
            }
        }

        /// Per-minute sums and counts of one user-day's heart-rate readings.
        final class HeartDay {
            var sums = [Double](repeating: 0, count: 1440)
            var counts = [Int32](repeating: 0, count: 1440)
            let line: Int
            init(line: Int) { self.line = line }
        }

        func heartRate(_ path: String) throws {
            var days: [DayKey: HeartDay] = [:]
            // Readings come grouped by user and time: remember the last day to skip most hash lookups.
            var lastKey: DayKey?
            var lastDay: HeartDay?
            let name = InputFile(argument: path).name
            try table(path, required: ["Id", "Time", "Value"]) { row, t, location in
                guard let found = try dayKey(row, t, "Time", location) else { return }
                let (key, seconds) = found
                guard let bpm = parseDecimal(t(row, "Value")) else {
                    try reporter.reject(location, "Value is not a number", raw: row.raw)
                    return
                }
                guard bpm >= 1, bpm <= 300 else {
                    try reporter.reject(location, "heart rate reading outside 1–300 bpm", raw: row.raw)
                    return
                }
                let day: HeartDay
                if key == lastKey, let lastDay {
                    day = lastDay
                } else if let known = days[key] {
                    day = known
                } else {
                    day = HeartDay(line: row.line)
                    days[key] = day
                }
                lastKey = key
                lastDay = day
                let minute = seconds / 60
                day.sums[minute] += bpm
                day.counts[minute] += 1
            }
            for key in days.keys.sorted() {
                let day = days[key]!
                guard let rest = FitbitImporter.restingHeartRate(sums: day.sums, counts: day.counts) else { continue }
                try records.add(
                    user: key.user, date: key.date, metric: "resting_hr_bpm", number: rest.rounded(),
                    at: SourceLocation(file: name, line: day.line))
            }
        }

        func weightLog(_ path: String) throws {
            struct Logged { var seconds: Int, line: Int, value: Double }
            var weights: [DayKey: Logged] = [:]
            var fats: [DayKey: Logged] = [:]
            let name = InputFile(argument: path).name
            try table(path, required: ["Id", "Date", "WeightKg"]) { row, t, location in
                guard let found = try dayKey(row, t, "Date", location),
                    let n = try numbers(row, t, ["WeightKg", "WeightPounds", "Fat"], location)
                else { return }
                let (key, seconds) = found
                guard let kg = n[0] ?? n[1].map({ $0 * 0.45359237 }) else {
                    try reporter.reject(location, "no WeightKg or WeightPounds", raw: row.raw)
                    return
                }
                var values: [(String, Double)] = [("weight_kg", (kg * 100).rounded() / 100)]
                if let fat = n[2] { values.append(("body_fat_pct", fat)) }
                // Check the row now, while its line is at hand; only good logs compete to be the day's last.
                for (metric, v) in values {
                    do throws(EventProblem) {
                        _ = try Metrics.validate(name: metric, value: .number(v))
                    } catch {
                        try reporter.reject(location, "user \(key.user) \(key.date): \(error.message)", raw: row.raw)
                        return
                    }
                }
                for (metric, v) in values {
                    let logged = Logged(seconds: seconds, line: row.line, value: v)
                    // The later log by time wins; at the same time, the later row.
                    if metric == "weight_kg" {
                        if (weights[key]?.seconds ?? Int.min) <= seconds { weights[key] = logged }
                    } else if (fats[key]?.seconds ?? Int.min) <= seconds {
                        fats[key] = logged
                    }
                }
            }
            for key in Set(weights.keys).union(fats.keys).sorted() {
                for (metric, logged) in [("weight_kg", weights[key]), ("body_fat_pct", fats[key])] {
                    guard let logged else { continue }
                    try records.add(
                        user: key.user, date: key.date, metric: metric, number: logged.value,
                        at: SourceLocation(file: name, line: logged.line))
                }
            }
        }
    }

    /// The lowest mean over 30 consecutive minutes with readings in at least 20 of them; nil when no window has.
    static func restingHeartRate(sums: [Double], counts: [Int32]) -> Double? {
        var means = [Double?](repeating: nil, count: sums.count)
        for m in sums.indices where counts[m] > 0 { means[m] = sums[m] / Double(counts[m]) }
        var best: Double?
        var start = 0
        while start + 30 <= means.count {
            var sum = 0.0
            var n = 0
            for m in start..<start + 30 {
                if let v = means[m] {
                    sum += v
                    n += 1
                }
            }
            if n >= 20 { best = min(best ?? .infinity, sum / Double(n)) }
            start += 1
        }
        return best
    }

    /// A Fitabase date, `M/D/YYYY`, optionally with `h:mm[:ss] AM|PM` (or 24-hour `H:MM[:SS]`): the day and seconds after midnight.
    static func parseDateTime(_ text: String) -> (date: LocalDate, seconds: Int)? {
        let parts = text.split(separator: " ")
        guard (1...3).contains(parts.count) else { return nil }
        let d = parts[0].split(separator: "/", omittingEmptySubsequences: false)
        guard d.count == 3, let month = number(d[0], 1...2), let day = number(d[1], 1...2),
            let year = number(d[2], 4...4), let date = LocalDate(year: year, month: month, day: day)
        else { return nil }
        guard parts.count > 1 else { return (date, 0) }
        let c = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        guard c.count == 2 || c.count == 3, let h = number(c[0], 1...2), let m = number(c[1], 2...2), m < 60,
            let s = c.count == 3 ? number(c[2], 2...2) : 0, s < 60
        else { return nil }
        var hour = h
        if parts.count == 3 {
            guard (1...12).contains(h) else { return nil }
            switch parts[2].uppercased() {
            case "AM": hour = h == 12 ? 0 : h
            case "PM": hour = h == 12 ? 12 : h + 12
            default: return nil
            }
        } else {
            guard h < 24 else { return nil }
        }
        return (date, hour * 3600 + m * 60 + s)
    }

    /// A run of 1–4 ASCII digits whose length is in `widths`.
    private static func number(_ s: Substring, _ widths: ClosedRange<Int>) -> Int? {
        guard widths.contains(s.utf8.count), s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(s)
    }
}

/// A decimal number as exports write it (sign, digits, point, exponent); nil for anything else, `nan` and `inf` included.
func parseDecimal(_ text: some StringProtocol) -> Double? {
    let s = text.trimmingSpacesSubstring
    guard !s.isEmpty, s.utf8.contains(where: { $0 >= 0x30 && $0 <= 0x39 }),
        s.utf8.allSatisfy({
            ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D || $0 == 0x2B || $0 == 0x65 || $0 == 0x45
        }),
        let v = Double(s), v.isFinite
    else { return nil }
    return v
}

/// Division rounding toward minus infinity.
func floorDiv(_ a: Int, _ b: Int) -> Int {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs, as a substring.
    var trimmingSpacesSubstring: Substring {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}
