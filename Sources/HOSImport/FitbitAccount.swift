// `hos-import fitbit`, second layout: Fitbit's own account export (Takeout / MyFitbitData JSON files).

import Foundation
import HOSCore

/// Reads the JSON files of a Fitbit account export into one user's daily records.
struct FitbitAccountReader {
    let user: String
    let records: RecordSet
    let reporter: ProblemReporter

    static let documentation = """
        Fitbit account export (Google Takeout or the older MyFitbitData archive, unzipped): JSON \
        files found in the folder and in its subfolders two levels down (Sleep/, Physical Activity/, \
        Global Export Data/...), each named KIND.json or KIND-DATE.json (sleep-2024-03-01.json, \
        steps-2024-03-01.json, exercise-0.json); files of the same kind are read together, and an \
        entry that two files both hold (the same logId, or the same dateTime) counts once, so \
        overlapping exports give each day once. These records go to the user given by --user (the \
        export holds one person). Numbers may be written as strings ("1234"). Times are local, as \
        Fitbit writes them (03/01/24 07:10:00, 2024-03-01T23:10:30.000); the local day is their date.

        sleep: each log (logId) belongs to its dateOfSleep (the wake day). A day's main sleep is the \
        log with mainSleep true (the longest by minutesAsleep when several are); the others are naps, \
        never the main sleep: x_nap_min = their minutesAsleep, summed. Of the main sleep: \
        sleep_duration_min = minutesAsleep; time_in_bed_min = timeInBed; awake_min = minutesAwake; \
        sleep_efficiency_pct = minutesAsleep / timeInBed x 100, rounded to 0.1 (as for Fitabase; \
        Fitbit's own efficiency field is not read); sleep_start and sleep_end = startTime and endTime \
        as HH:MM; with type "stages", deep_sleep_min, light_sleep_min, rem_sleep_min = \
        levels.summary.deep, light, rem .minutes.

        resting_heart_rate: resting_hr_bpm = value.value, rounded to 0.1; 0 means no reading and is \
        left out. steps: summed per day (the files hold a value per minute or per day). \
        very_active_minutes + moderately_active_minutes -> active_minutes (written when the day has \
        both); sedentary_minutes -> sedentary_minutes; lightly_active_minutes -> \
        x_lightly_active_min. A day with 0 steps and 1440 sedentary minutes is a day the tracker was \
        not worn: no activity metrics are written for it. exercise: workout_minutes = activeDuration \
        (or duration) in milliseconds / 60000, summed per day of startTime, rounded to 0.01.

        A file that is not JSON, an entry that is not an object, or a date or number that does not \
        parse is bad input, reported with the file and the line its entry starts on.
        """

    static let kinds = [
        "sleep", "resting_heart_rate", "steps", "very_active_minutes", "moderately_active_minutes",
        "lightly_active_minutes", "sedentary_minutes", "exercise",
    ]

    /// The account-export JSON files of a folder (two levels down), grouped by kind, sorted by path.
    static func files(in folder: ExportFolder) -> [String: [String]] {
        var out: [String: [String]] = [:]
        func scan(_ sub: String, depth: Int) {
            for name in folder.entries(sub) {
                let rel = sub.isEmpty ? name : sub + "/" + name
                if let kind = kind(of: name) {
                    out[kind, default: []].append(folder.base + rel)
                } else if depth < 2, !name.hasPrefix(".") {
                    // Not a folder: opendir fails and nothing is listed.
                    scan(rel, depth: depth + 1)
                }
            }
        }
        scan("", depth: 0)
        return out.mapValues { $0.sorted() }
    }

    /// `steps-2024-03-01.json` → `steps`; nil for other names.
    static func kind(of name: String) -> String? {
        guard name.hasSuffix(".json") else { return nil }
        let stem = String(name.dropLast(5))
        for kind in kinds {
            if stem == kind { return kind }
            if stem.hasPrefix(kind + "-"), stem.dropFirst(kind.count + 1).allSatisfy({ $0.isNumber || $0 == "-" }) {
                return kind
            }
        }
        return nil
    }

    /// One entry of a file: its value and where it starts.
    struct Entry {
        var value: JSON
        var location: SourceLocation
    }

    /// Counts an entry read and returns it as an object, or nil after rejecting it.
    func object(_ e: Entry) throws -> [String: JSON]? {
        records.inputCount += 1
        guard let o = e.value.objectValue else {
            try reporter.reject(e.location, "entry is not an object", raw: e.value.text)
            return nil
        }
        return o
    }

    /// The local time (MM/DD/YY HH:MM:SS) under `key`, or nil after rejecting the entry.
    func localTime(_ o: [String: JSON], _ key: String, of e: Entry) throws -> Int? {
        guard let t = o[key]?.stringValue.flatMap(Self.localSeconds) else {
            try reporter.reject(e.location, "\(key) is not a MM/DD/YY HH:MM:SS time", raw: e.value.text)
            return nil
        }
        return t
    }

    /// The entries of a JSON file that holds an array.
    func entries(_ path: String) throws -> [Entry] {
        let name = InputFile(argument: path).name
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HOSError.noInput(name, "cannot open: \(errnoText())")
        }
        let bytes = [UInt8](data)
        var lineStarts = [0]
        for (i, b) in bytes.enumerated() where b == 0x0A { lineStarts.append(i + 1) }
        func line(_ offset: Int) -> Int {
            var lo = 0
            var hi = lineStarts.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
            }
            return lo + 1
        }
        let parsed: [(value: JSON, offset: Int)]?
        do {
            parsed = try bytes.withUnsafeBufferPointer { buf throws(JSONSyntaxError) in
                try JSONParser.parseArrayElements(buf)
            }
        } catch {
            let offset = max(0, error.column - 1)
            let column = offset - lineStarts[line(offset) - 1] + 1
            throw HOSError.badInput(
                SourceLocation(file: name, line: line(offset)),
                error.isEncoding
                    ? "invalid UTF-8 at column \(column)"
                    : "invalid JSON: \(error.message) at column \(column)")
        }
        guard let parsed else { throw HOSError.badInput(SourceLocation(file: name, line: 1), "not a JSON array") }
        return parsed.map { Entry(value: $0.value, location: SourceLocation(file: name, line: line($0.offset))) }
    }

    /// A number, or a string that holds one.
    static func number(_ v: JSON?) -> Double? {
        switch v {
        case .number(let d)?: d.isFinite ? d : nil
        case .string(let s)?: parseDecimal(s)
        default: nil
        }
    }

    /// `03/01/24 07:10:00` (MM/DD/YY, 24-hour) or `2024-03-01T23:10:30.000` as local seconds since the epoch.
    static func localSeconds(_ text: String) -> Int? {
        let t = text.trimmingSpaces
        if t.contains("/") {
            let parts = t.split(separator: " ")
            guard (1...2).contains(parts.count) else { return nil }
            let d = parts[0].split(separator: "/", omittingEmptySubsequences: false)
            guard d.count == 3, let m = Int(d[0]), let day = Int(d[1]), let y = Int(d[2]),
                d[2].count == 2 || d[2].count == 4,
                let date = LocalDate(year: d[2].count == 2 ? 2000 + y : y, month: m, day: day)
            else { return nil }
            var seconds = 0
            if parts.count == 2 {
                let c = parts[1].split(separator: ":", omittingEmptySubsequences: false)
                guard c.count == 3, let h = Int(c[0]), let mi = Int(c[1]), let s = Int(c[2]), h < 24, mi < 60, s < 60
                else {
                    return nil
                }
                seconds = h * 3600 + mi * 60 + s
            }
            return date.daysSinceEpoch * 86_400 + seconds
        }
        var core = t
        if let dot = core.firstIndex(of: "."), core.distance(from: core.startIndex, to: dot) == 19 {
            core = String(core[..<dot])
        }
        return Timestamp.parse(core + "Z")?.seconds
    }

    static func date(_ seconds: Int) -> LocalDate { LocalDate(daysSinceEpoch: floorDiv(seconds, 86_400)) }

    /// Reads every kind found.
    func read(_ files: [String: [String]]) throws {
        var series: [String: [Int: (value: Double, location: SourceLocation)]] = [:]
        for kind in [
            "resting_heart_rate", "steps", "very_active_minutes", "moderately_active_minutes",
            "lightly_active_minutes", "sedentary_minutes",
        ] {
            for path in files[kind] ?? [] {
                for e in try entries(path) {
                    guard let object = try object(e), let when = try localTime(object, "dateTime", of: e) else {
                        continue
                    }
                    let raw = kind == "resting_heart_rate" ? object["value"]?.objectValue?["value"] : object["value"]
                    guard let v = Self.number(raw) else {
                        try reporter.reject(
                            e.location,
                            kind == "resting_heart_rate" ? "value.value is not a number" : "value is not a number",
                            raw: e.value.text)
                        continue
                    }
                    guard v >= 0 else {
                        try reporter.reject(e.location, "value is negative", raw: e.value.text)
                        continue
                    }
                    // Resting heart rate 0: Fitbit had no reading that day.
                    if kind == "resting_heart_rate", v == 0 { continue }
                    if series[kind]?[when] == nil { series[kind, default: [:]][when] = (v, e.location) }
                }
            }
        }
        // Per day: the sum of each kind, and where its first entry was.
        var days: [LocalDate: [String: (sum: Double, count: Int, location: SourceLocation)]] = [:]
        for (kind, entries) in series {
            for when in entries.keys.sorted() {
                let (v, location) = entries[when]!
                let day = Self.date(when)
                var cell = days[day]?[kind] ?? (0, 0, location)
                cell.sum += v
                cell.count += 1
                days[day, default: [:]][kind] = cell
            }
        }
        for day in days.keys.sorted() {
            let d = days[day]!
            var values: [(metric: String, value: JSON)] = []
            var location: SourceLocation?
            func note(_ l: SourceLocation) { if location == nil { location = l } }
            if let rest = d["resting_heart_rate"] {
                note(rest.location)
                values.append(("resting_hr_bpm", .number(rest.sum / Double(rest.count), places: 1)))
            }
            let notWorn = d["steps"]?.sum == 0 && d["sedentary_minutes"]?.sum == 1440
            if !notWorn {
                if let s = d["steps"] {
                    note(s.location)
                    values.append(("steps", .number(s.sum)))
                }
                if let very = d["very_active_minutes"], let moderate = d["moderately_active_minutes"] {
                    note(very.location)
                    values.append(("active_minutes", .number(very.sum + moderate.sum)))
                }
                if let s = d["sedentary_minutes"] {
                    note(s.location)
                    values.append(("sedentary_minutes", .number(s.sum)))
                }
                if let l = d["lightly_active_minutes"] {
                    note(l.location)
                    values.append(("x_lightly_active_min", .number(l.sum)))
                }
            }
            guard let location, !values.isEmpty else { continue }
            try records.addRow(user: user, date: day, values: values, at: location)
        }
        try exercise(files["exercise"] ?? [])
        try sleep(files["sleep"] ?? [])
    }

    func exercise(_ paths: [String]) throws {
        var seen: Set<String> = []
        var days: [LocalDate: (minutes: Double, location: SourceLocation)] = [:]
        for path in paths {
            for e in try entries(path) {
                guard let o = try object(e), let start = try localTime(o, "startTime", of: e) else { continue }
                guard let ms = Self.number(o["activeDuration"] ?? o["duration"]), ms >= 0 else {
                    try reporter.reject(
                        e.location, "activeDuration (or duration) is not a number of milliseconds", raw: e.value.text)
                    continue
                }
                let id = o["logId"].map(\.text) ?? "\(start)"
                guard seen.insert(id).inserted else { continue }
                let day = Self.date(start)
                var cell = days[day] ?? (0, e.location)
                cell.minutes += ms / 60_000
                days[day] = cell
            }
        }
        for day in days.keys.sorted() {
            try records.add(
                user: user, date: day, metric: "workout_minutes", value: .number(days[day]!.minutes, places: 2),
                at: days[day]!.location)
        }
    }

    struct SleepLog {
        var day: LocalDate
        var main: Bool
        var asleep: Double
        var values: [(metric: String, value: JSON)]
        var location: SourceLocation
        var raw: String
    }

    func sleep(_ paths: [String]) throws {
        var logs: [String: SleepLog] = [:]
        var order: [String] = []
        for path in paths {
            for e in try entries(path) {
                guard let o = try object(e) else { continue }
                guard let day = o["dateOfSleep"]?.stringValue.flatMap({ LocalDate($0) }) else {
                    try reporter.reject(e.location, "dateOfSleep is not a YYYY-MM-DD date", raw: e.value.text)
                    continue
                }
                guard let asleep = Self.number(o["minutesAsleep"]), let inBed = Self.number(o["timeInBed"]) else {
                    try reporter.reject(e.location, "minutesAsleep or timeInBed is not a number", raw: e.value.text)
                    continue
                }
                guard let start = o["startTime"]?.stringValue.flatMap(Self.localSeconds),
                    let end = o["endTime"]?.stringValue.flatMap(Self.localSeconds)
                else {
                    try reporter.reject(
                        e.location, "startTime or endTime is not a YYYY-MM-DDTHH:MM:SS time", raw: e.value.text)
                    continue
                }
                var values: [(metric: String, value: JSON)] = [
                    ("sleep_duration_min", .number(asleep)), ("time_in_bed_min", .number(inBed)),
                    ("sleep_start", .string(ClockTime(minutes: floorDiv(start, 60)).description)),
                    ("sleep_end", .string(ClockTime(minutes: floorDiv(end, 60)).description)),
                ]
                if inBed > 0 { values.append(("sleep_efficiency_pct", .number(asleep / inBed * 100, places: 1))) }
                if let awake = Self.number(o["minutesAwake"]) { values.append(("awake_min", .number(awake))) }
                if o["type"]?.stringValue == "stages", let summary = o["levels"]?["summary"] {
                    for (stage, metric) in [
                        ("deep", "deep_sleep_min"), ("light", "light_sleep_min"), ("rem", "rem_sleep_min"),
                    ] {
                        if let m = Self.number(summary[stage]?["minutes"]) { values.append((metric, .number(m))) }
                    }
                }
                let id = o["logId"].map(\.text) ?? "\(start)"
                guard logs[id] == nil else { continue }
                order.append(id)
                logs[id] = SleepLog(
                    day: day, main: o["mainSleep"]?.boolValue ?? false, asleep: asleep, values: values,
                    location: e.location, raw: e.value.text)
            }
        }
        var byDay: [LocalDate: [SleepLog]] = [:]
        for id in order { byDay[logs[id]!.day, default: []].append(logs[id]!) }
        for day in byDay.keys.sorted() {
            let all = byDay[day]!
            var main: SleepLog?
            for log in all where log.main && (main == nil || log.asleep > main!.asleep) { main = log }
            if let main {
                try records.addRow(user: user, date: day, values: main.values, at: main.location, raw: main.raw)
            }
            let naps = all.filter { !$0.main }
            if let first = naps.first {
                try records.add(
                    user: user, date: day, metric: "x_nap_min", value: .number(naps.reduce(0) { $0 + $1.asleep }),
                    at: first.location, raw: first.raw)
            }
        }
    }
}
