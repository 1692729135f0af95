// `hos-import apple-health`: Apple Health export.xml, streamed; memory grows with the number of days, not the file.

import Foundation
import FoundationXML
import Glibc
import HOSCore

/// Reads an Apple Health export into one user's daily records.
public struct AppleHealthImporter {
    public let user: String

    public init(user: String) { self.user = user }

    /// The format's description for --help and the man page.
    public static let documentation = """
        Reads export.xml from the Health app's "Export All Health Data" (unzip export.zip first). The \
        file is streamed, so exports of several gigabytes are fine. Its internal DTD is skipped unread, \
        so an entity declared there is never expanded (a reference to one is an undeclared entity, \
        bad input), and external entities are never resolved; a DOCTYPE or declaration (<!ENTITY, \
        <!ATTLIST, <!ELEMENT...) anywhere but the one DOCTYPE before the root element is bad input. \
        Every record goes to the one user given by --user.

        The local day of a sample is the date of its startDate in the sample's own UTC offset, as the \
        phone wrote it (not the UTC day), so travel and daylight-saving changes keep each sample on \
        the day it was lived. Sleep belongs to the day its session ends on (the wake day), and so does \
        RespiratoryRate, which the Watch measures only in sleep: a sample from noon on belongs to the \
        next date. The export's ExportDate is the last day it can describe (hos-import(1), days not \
        lived).

        Record types read (HKQuantityTypeIdentifier...), with the units accepted: StepCount (count) \
        -> steps; ActiveEnergyBurned (kcal, Cal; kJ / 4.184) -> active_energy_kcal; \
        DistanceWalkingRunning (km; m / 1000; mi x 1.609344) -> distance_km; FlightsClimbed (count) \
        -> floors_climbed; DietaryEnergyConsumed (kcal, Cal; kJ / 4.184) -> calories_in_kcal; \
        DietaryProtein, DietaryCarbohydrates, DietaryFatTotal, DietaryFiber (g; mg / 1000) -> \
        protein_g, carbs_g, fat_g, fiber_g; DietaryWater (mL; L x 1000; fl_oz_us x 29.5735295625) -> \
        water_ml; DietaryCaffeine (mg; g x 1000) -> caffeine_mg. These are summed per day. Health \
        keeps every device's copy of the same activity (an iPhone and a Watch both count your steps), \
        so per day and quantity only the source (sourceName) with the largest daily total is kept; \
        sources are never added together.

        RestingHeartRate (count/min) -> resting_hr_bpm, HeartRateVariabilitySDNN (ms) -> hrv_sdnn_ms \
        (SDNN, never stored as RMSSD), RespiratoryRate (count/min) -> respiratory_rate_bpm and \
        OxygenSaturation (a 0-1 fraction, unit %, x 100) -> spo2_pct are the mean of the day's \
        samples (RespiratoryRate's of the night's, as above). BodyMass (kg; lb x 0.45359237; g / 1000) -> weight_kg is the day's last sample by time.

        HKCategoryTypeIdentifierSleepAnalysis: one source's samples less than an hour apart form a \
        session. A day's main sleep is the session ending on it with the most asleep minutes; only \
        that session (so one source) is used, and naps are left out. Overlapping samples are counted \
        once: sleep_duration_min = the minutes covered by any asleep sample (AsleepUnspecified, \
        Asleep, AsleepCore, AsleepDeep, AsleepREM), so an Asleep and an AsleepCore sample over the \
        same time count once; deep_sleep_min, rem_sleep_min, light_sleep_min (= AsleepCore) and \
        awake_min (each the minutes covered by that stage's samples) when the session has sleep stages \
        (awake_min also when it has Awake samples); time_in_bed_min = the minutes covered by its \
        InBed or asleep samples (asleep time outside the InBed samples is still in bed) or, without \
        InBed samples, the time from its first start to its last end; sleep_efficiency_pct = asleep / \
        in bed x 100, so never above 100; sleep_start and sleep_end = the start and end of that time in \
        bed, HH:MM local. A session of InBed only gives time in bed and times, no duration.

        HKCategoryTypeIdentifierMindfulSession -> mindfulness_min (sum of durations). Workout -> \
        workout_minutes (sum of duration, durationUnit min, s or hr; endDate - startDate without one). \
        Like the quantities above, these are summed per source, and per day only the source with the \
        largest daily total is kept: the same run recorded by a Watch and by a running app counts once.

        Other types are passed over without a message; Records inside a Correlation repeat records \
        that the export also lists on their own and are passed over too. A known type with a unit not \
        listed, a value that is not a number, a negative amount or a date that does not parse is bad \
        input, as is XML that is not well formed; a dead-letter file gets the rejected element rebuilt \
        from its attributes (children left out). Rounding: minutes of sleep to whole minutes, \
        efficiency to 0.1, everything else to 0.01.
        """

    /// Reads one export into `records`.
    public func read(_ file: InputFile, into records: RecordSet, reporter: ProblemReporter) throws {
        var fd: Int32 = 0
        if let path = file.path {
            fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw HOSError.noInput(file.name, "cannot open: \(errnoText())") }
        }
        defer { if file.path != nil { close(fd) } }
        let stream = ExportStream(fd: fd)
        let parser = XMLParser(stream: stream)
        parser.shouldResolveExternalEntities = false
        parser.externalEntityResolvingPolicy = .never
        let reader = ExportReader(user: user, file: file.name, records: records, reporter: reporter, stream: stream)
        // The parser holds its delegate weakly: `reader` keeps it alive for the parse.
        parser.delegate = reader
        let finished = parser.parse()
        if let failure = reader.failure { throw failure }
        if Signals.stopRequested { throw Interrupted() }
        if let line = stream.misplacedDeclarationLine { throw ExportReader.misplaced(file.name, line) }
        if let e = stream.readError { throw HOSError.io("\(file.name): read error: \(e)") }
        if !finished || parser.parserError != nil {
            throw HOSError.badInput(
                SourceLocation(file: file.name, line: parser.lineNumber),
                "invalid XML: \(ExportReader.describe(parser.parserError))")
        }
        guard reader.sawRoot else {
            throw HOSError.badInput(
                SourceLocation(file: file.name, line: 0), "no HealthData element: not an Apple Health export")
        }
        // Older FoundationXML never tells libxml2 the input has ended; there a cut-off file shows only here.
        guard reader.rootClosed else {
            throw HOSError.badInput(
                SourceLocation(file: file.name, line: parser.lineNumber),
                "invalid XML: unexpected end of file (HealthData not closed)")
        }
        try reader.finish()
        // The export's own date bounds the days it can describe; without one, the file's time does.
        if let made = reader.exportDate { records.noteLivedUntil(made) } else { records.noteFileTime(file) }
    }

    /// A date as the export writes it, `2024-01-15 07:30:00 -0500` (RFC 3339 is accepted too).
    struct Instant: Sendable, Equatable {
        /// Seconds since the epoch, UTC.
        var seconds: Int
        /// The UTC offset it was written with, in seconds.
        var offset: Int

        /// The local day in the instant's own offset.
        var date: LocalDate { LocalDate(daysSinceEpoch: floorDiv(seconds + offset, 86_400)) }
        /// The night's wake day of a time in sleep: its date, or the next one from noon on (as WHOOP's cycles).
        var wakeDay: LocalDate { date.adding(days: clock.minutes >= 720 ? 1 : 0) }
        /// The local time of day in the instant's own offset.
        var clock: ClockTime { ClockTime(minutes: floorDiv(seconds + offset, 60)) }

        init(seconds: Int, offset: Int) {
            self.seconds = seconds
            self.offset = offset
        }

        init?(_ text: String) {
            let u = Array(text.utf8)
            func num(_ at: Int, _ n: Int) -> Int? {
                guard at + n <= u.count else { return nil }
                var v = 0
                for i in at..<at + n {
                    guard u[i] >= 0x30, u[i] <= 0x39 else { return nil }
                    v = v * 10 + Int(u[i] - 0x30)
                }
                return v
            }
            guard u.count == 25, u[4] == 0x2D, u[7] == 0x2D, u[10] == 0x20, u[13] == 0x3A, u[16] == 0x3A,
                u[19] == 0x20, u[20] == 0x2B || u[20] == 0x2D,
                let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
                let s = num(17, 2), let oh = num(21, 2), let om = num(23, 2),
                let date = LocalDate(year: y, month: mo, day: d), h < 24, mi < 60, s < 61, oh < 24, om < 60
            else {
                guard let t = Timestamp.parse(text) else { return nil }
                self.init(seconds: t.seconds, offset: t.offsetSeconds)
                return
            }
            let offset = (oh * 3600 + om * 60) * (u[20] == 0x2D ? -1 : 1)
            self.init(seconds: date.daysSinceEpoch * 86_400 + h * 3600 + mi * 60 + min(s, 59) - offset, offset: offset)
        }
    }
}

/// export.xml's bytes for XMLParser, read from a file descriptor, with the internal DTD subset blanked out.
///
/// Why: FoundationXML on Linux crashes on `<!ATTLIST` declarations, of which every export's DTD has dozens,
/// and nothing in the DTD is needed. Newlines are kept, so line numbers still match the file, and no
/// declaration ever reaches the parser: entities declared in the DTD go with it (a reference to one is then an
/// undeclared entity), and none that could pull in an external entity is seen. Reading the descriptor directly
/// also serves standard input, and `stopped` ends the input at once after a fatal problem.
///
/// The filter follows the markup where `<` starts nothing (comments, processing instructions, CDATA sections
/// and, in the DTD, quoted literals), so the DOCTYPE is found only where it really starts and the body only at a
/// real start tag. Anywhere but the one DOCTYPE before the root element, `<!` can only open a comment or a CDATA
/// section; any other (a second DOCTYPE, an `<!ENTITY` or `<!ATTLIST` in the body) ends the input just before
/// it, with `misplacedDeclarationLine` set, so the parser never sees it.
final class ExportStream: InputStream {
    private let fd: Int32
    /// Set to end the input: the next read reports end of file.
    var stopped = false
    private(set) var readError: String?
    /// The line of a `<!` that is neither a comment, a CDATA section nor the one DOCTYPE; the input ended there.
    private(set) var misplacedDeclarationLine: Int?

    /// Where in the document the filter is: before any DOCTYPE or element, in the DOCTYPE before or inside its
    /// internal subset `[...]`, or after the DOCTYPE or the root's start tag (the rest of the document).
    private enum Part { case prolog, doctype, subset, body }
    /// What the filter is inside of within the part.
    private enum Markup {
        /// Text, tags, declarations: `<` starts markup.
        case text
        /// After `<`, `<!`, `<!-`.
        case open, bang, bangDash
        /// Matching `DOCTYPE` after `<!`, or `CDATA[` after `<![`.
        case doctypeName, cdataOpen
        /// Inside a comment, a processing instruction, a CDATA section or a quoted literal.
        case comment, instruction, cdata, literal
    }

    private var part = Part.prolog
    private var markup = Markup.text
    /// Bytes of the keyword matched so far (`doctypeName`, `cdataOpen`).
    private var matched = 0
    /// Closing characters just seen: `-` in a comment, `]` in a CDATA section, `?` in a processing instruction.
    private var closers = 0
    /// The quote character of the literal being read in the DOCTYPE.
    private var quote: UInt8 = 0
    /// The line of the byte being filtered.
    private var line = 1
    private static let doctype = Array("DOCTYPE".utf8)
    private static let cdata = Array("CDATA[".utf8)

    init(fd: Int32) {
        self.fd = fd
        super.init(data: Data())
    }

    override func open() {}
    override func close() {}
    override var hasBytesAvailable: Bool { !stopped }

    override func read(_ buffer: UnsafeMutablePointer<UInt8>, maxLength len: Int) -> Int {
        while !stopped {
            if Signals.stopRequested {
                stopped = true
                break
            }
            let n = systemRead(fd, buffer, len)
            if n < 0 {
                if errno == EINTR { continue }
                readError = errnoText()
                stopped = true
                break
            }
            if n == 0 { return 0 }
            let kept = filter(buffer, n)
            // A chunk wholly inside the DTD may leave nothing; 0 would read as the end, so read on.
            if kept > 0 || stopped { return kept }
        }
        return 0
    }

    /// Drops the internal subset's bytes but its newlines, in place; returns the bytes kept. At a misplaced
    /// declaration, keeps only what comes before its `<` and stops the input.
    private func filter(_ b: UnsafeMutablePointer<UInt8>, _ n: Int) -> Int {
        var w = 0
        /// Where the last `<` of this chunk was kept.
        var opened = -1
        for i in 0..<n {
            let c = b[i]
            // The body is nearly all text and tags: only `<` matters there.
            if markup == .text, part == .body, c != 0x3C {
                b[w] = c
                w += 1
                if c == 0x0A { line += 1 }
                continue
            }
            let before = part
            guard step(c) else {
                misplacedDeclarationLine = line
                stopped = true
                return opened >= 0 ? opened : w
            }
            if markup == .open { opened = w }
            // The subset's bytes go but its newlines; the `[` and `]` around it stay.
            if before != .subset || part != .subset || c == 0x0A {
                b[w] = c
                w += 1
            }
            if c == 0x0A { line += 1 }
        }
        return w
    }

    /// Moves the filter on by one byte; false at a misplaced declaration.
    private func step(_ c: UInt8) -> Bool {
        switch markup {
        case .text:
            text(c)
        case .open:
            if c == 0x21 {
                markup = .bang
            } else if c == 0x3F {
                markup = .instruction
                closers = 0
            } else {
                // `<` and a name: the root element has begun (a stray `<` is left to the parser).
                if part == .prolog, Self.isNameStart(c) { part = .body }
                markup = .text
                text(c)
            }
        case .bang:
            if c == 0x2D {
                markup = .bangDash
            } else if part == .subset {
                // A declaration: its literals are followed; `<![` (a conditional section) is left to the parser.
                markup = .text
                text(c)
            } else if c == 0x5B {
                markup = .cdataOpen
                matched = 0
            } else if part == .prolog, c == Self.doctype[0] {
                markup = .doctypeName
                matched = 1
            } else {
                return false
            }
        case .bangDash:
            markup = c == 0x2D ? .comment : .text
            closers = 0
            if markup == .text { text(c) }
        case .doctypeName:
            guard c == Self.doctype[matched] else { return false }
            matched += 1
            if matched == Self.doctype.count {
                part = .doctype
                markup = .text
            }
        case .cdataOpen:
            if c == Self.cdata[matched] {
                matched += 1
                if matched == Self.cdata.count {
                    markup = .cdata
                    closers = 0
                }
            } else {
                // Not well formed: the parser says so.
                markup = .text
                text(c)
            }
        case .comment:
            if c == 0x3E, closers >= 2 { markup = .text }
            closers = c == 0x2D ? closers + 1 : 0
        case .instruction:
            if c == 0x3E, closers > 0 { markup = .text }
            closers = c == 0x3F ? 1 : 0
        case .cdata:
            if c == 0x3E, closers >= 2 { markup = .text }
            closers = c == 0x5D ? closers + 1 : 0
        case .literal:
            if c == quote { markup = .text }
        }
        return true
    }

    /// A byte of text: markup opens, and in the DOCTYPE literals, the subset and the DOCTYPE's end are followed.
    private func text(_ c: UInt8) {
        switch part {
        case .prolog, .body:
            if c == 0x3C { markup = .open }
        case .doctype:
            if c == 0x22 || c == 0x27 {
                quote = c
                markup = .literal
            } else if c == 0x5B {
                part = .subset
            } else if c == 0x3E {
                part = .body
            }
        case .subset:
            if c == 0x3C {
                markup = .open
            } else if c == 0x22 || c == 0x27 {
                quote = c
                markup = .literal
            } else if c == 0x5D {
                // The end of the subset: the parser sees an empty `[ ]`, then the rest of the file.
                part = .body
            }
        }
    }

    /// Whether `c` can begin an element name: an ASCII letter, `_`, `:` or any byte of a non-ASCII character.
    private static func isNameStart(_ c: UInt8) -> Bool {
        (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || c == 0x5F || c == 0x3A || c >= 0x80
    }
}

private let systemRead = Glibc.read

/// The parser's delegate: turns samples into per-day aggregates, then into records.
final class ExportReader: NSObject, XMLParserDelegate {
    let user: String
    let file: String
    let records: RecordSet
    let reporter: ProblemReporter
    let stream: ExportStream
    /// The first fatal problem; the parse stops there.
    private(set) var failure: Error?
    private(set) var sawRoot = false
    private(set) var rootClosed = false
    /// The local day of the export's ExportDate, when it has one.
    private(set) var exportDate: LocalDate?
    private var correlationDepth = 0

    init(user: String, file: String, records: RecordSet, reporter: ProblemReporter, stream: ExportStream) {
        self.user = user
        self.file = file
        self.records = records
        self.reporter = reporter
        self.stream = stream
    }

    // MARK: What is read

    enum Aggregate { case sum, mean, last }

    struct Quantity {
        var metric: String
        var aggregate: Aggregate
        /// Accepted units and the factor to the metric's unit.
        var units: [String: Double]
        /// Measured only in sleep: a sample belongs to the night's wake day.
        var inSleep = false
    }

    static let quantityPrefix = "HKQuantityTypeIdentifier"
    static let sleepType = "HKCategoryTypeIdentifierSleepAnalysis"
    static let mindfulType = "HKCategoryTypeIdentifierMindfulSession"

    static let kcal: [String: Double] = ["kcal": 1, "Cal": 1, "kJ": 1 / 4.184]
    static let grams: [String: Double] = ["g": 1, "mg": 0.001]

    static let quantities: [String: Quantity] = [
        "StepCount": Quantity(metric: "steps", aggregate: .sum, units: ["count": 1]),
        "ActiveEnergyBurned": Quantity(metric: "active_energy_kcal", aggregate: .sum, units: kcal),
        "DistanceWalkingRunning": Quantity(
            metric: "distance_km", aggregate: .sum, units: ["km": 1, "m": 0.001, "mi": 1.609344]),
        "FlightsClimbed": Quantity(metric: "floors_climbed", aggregate: .sum, units: ["count": 1]),
        "DietaryEnergyConsumed": Quantity(metric: "calories_in_kcal", aggregate: .sum, units: kcal),
        "DietaryProtein": Quantity(metric: "protein_g", aggregate: .sum, units: grams),
        "DietaryCarbohydrates": Quantity(metric: "carbs_g", aggregate: .sum, units: grams),
        "DietaryFatTotal": Quantity(metric: "fat_g", aggregate: .sum, units: grams),
        "DietaryFiber": Quantity(metric: "fiber_g", aggregate: .sum, units: grams),
        "DietaryWater": Quantity(
            metric: "water_ml", aggregate: .sum, units: ["mL": 1, "L": 1000, "fl_oz_us": 29.5735295625]),
        "DietaryCaffeine": Quantity(metric: "caffeine_mg", aggregate: .sum, units: ["mg": 1, "g": 1000]),
        "RestingHeartRate": Quantity(metric: "resting_hr_bpm", aggregate: .mean, units: ["count/min": 1]),
        // SDNN is what Apple measures; it is not RMSSD and is never stored as hrv_rmssd_ms.
        "HeartRateVariabilitySDNN": Quantity(metric: "hrv_sdnn_ms", aggregate: .mean, units: ["ms": 1]),
        // The Watch measures it only in sleep: an evening sample is the night before its wake day.
        "RespiratoryRate": Quantity(
            metric: "respiratory_rate_bpm", aggregate: .mean, units: ["count/min": 1], inSleep: true),
        // Apple writes saturation as a fraction with the unit "%".
        "OxygenSaturation": Quantity(metric: "spo2_pct", aggregate: .mean, units: ["%": 100]),
        "BodyMass": Quantity(metric: "weight_kg", aggregate: .last, units: ["kg": 1, "lb": 0.45359237, "g": 0.001]),
    ]

    enum SleepKind: UInt8, CaseIterable { case inBed, asleep, core, deep, rem, awake }

    static let sleepKinds: [String: SleepKind] = [
        "HKCategoryValueSleepAnalysisInBed": .inBed,
        "HKCategoryValueSleepAnalysisAsleepUnspecified": .asleep,
        "HKCategoryValueSleepAnalysisAsleep": .asleep,
        "HKCategoryValueSleepAnalysisAsleepCore": .core,
        "HKCategoryValueSleepAnalysisAsleepDeep": .deep,
        "HKCategoryValueSleepAnalysisAsleepREM": .rem,
        "HKCategoryValueSleepAnalysisAwake": .awake,
    ]

    static let durationUnits: [String: Double] = ["min": 1, "s": 1.0 / 60, "sec": 1.0 / 60, "hr": 60, "h": 60]

    // MARK: Aggregates, bounded by days (and sources)

    struct DayMetric: Hashable, Comparable {
        var date: LocalDate
        var metric: String
        static func < (a: DayMetric, b: DayMetric) -> Bool { (a.date, a.metric) < (b.date, b.metric) }
    }

    struct SourceDay: Hashable {
        var day: DayMetric
        var source: String
    }

    struct Total {
        var sum = 0.0
        var count = 0
        var line: Int
    }

    struct Latest {
        var seconds: Int
        var value: Double
        var line: Int
    }

    struct SleepSample {
        var source: String
        var kind: SleepKind
        var start: AppleHealthImporter.Instant
        var end: AppleHealthImporter.Instant
        var line: Int
    }

    private var sums: [SourceDay: Total] = [:]
    private var means: [DayMetric: Total] = [:]
    private var latest: [DayMetric: Latest] = [:]
    private var sleep: [SleepSample] = []

    // MARK: Parser callbacks

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String]
    ) {
        guard failure == nil else { return }
        do {
            switch name {
            case "HealthData": sawRoot = true
            case "ExportDate": exportDate = attributes["value"].flatMap(AppleHealthImporter.Instant.init)?.date
            case "Correlation": correlationDepth += 1
            case "Record" where correlationDepth == 0:
                records.inputCount += 1
                current = (name, attributes)
                try record(attributes, line: parser.lineNumber)
            case "Workout":
                records.inputCount += 1
                current = (name, attributes)
                try workout(attributes, line: parser.lineNumber)
            default: break
            }
        } catch {
            stop(parser, error)
        }
        current = nil
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        guard failure == nil else { return }
        if name == "Correlation" { correlationDepth -= 1 }
        if name == "HealthData" { rootClosed = true }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        guard failure == nil else { return }
        // The input ended before a misplaced declaration: that, not the cut, is the problem, unless it came earlier.
        if let line = stream.misplacedDeclarationLine, parser.lineNumber >= line {
            stop(parser, Self.misplaced(file, line))
            return
        }
        stop(
            parser,
            HOSError.badInput(
                SourceLocation(file: file, line: parser.lineNumber),
                "invalid XML: \(Self.describe(parseError))"))
    }

    /// Ends the parse at the first fatal problem: the parser recovers from errors, we do not.
    private func stop(_ parser: XMLParser, _ error: Error) {
        failure = error
        stream.stopped = true
        parser.abortParsing()
    }

    /// A DOCTYPE or markup declaration out of place (see `ExportStream`); the parser never sees it.
    static func misplaced(_ file: String, _ line: Int) -> HOSError {
        .badInput(SourceLocation(file: file, line: line), "invalid XML: DOCTYPE or declaration out of place")
    }

    /// libxml2's error codes (which XMLParser passes on) for the mistakes a broken export shows.
    /// FoundationXML's own `XMLParser.ErrorCode` names do not line up with these codes on Linux.
    static let xmlErrors: [Int: String] = [
        4: "empty document", 5: "document ends early or has content after its end", 9: "invalid character",
        23: "entity reference without ';'", 26: "undeclared entity", 27: "undeclared entity",
        31: "unknown encoding", 32: "unsupported encoding", 38: "'<' in an attribute value",
        39: "attribute value not quoted", 40: "unterminated attribute value", 41: "attribute without a value",
        42: "attribute given twice", 45: "unterminated comment", 61: "unterminated DOCTYPE", 65: "space required",
        68: "name expected", 73: "'>' expected", 76: "closing tag does not match", 77: "unterminated tag",
    ]

    /// A parser error as words: "closing tag does not match (libxml2 error 76)".
    static func describe(_ error: Error?) -> String {
        guard let error else { return "not well formed" }
        let code = (error as NSError).code
        return xmlErrors[code].map { "\($0) (libxml2 error \(code))" } ?? "libxml2 error \(code)"
    }

    // MARK: Samples

    private func location(_ line: Int) -> SourceLocation { SourceLocation(file: file, line: line) }

    /// The element being read, for dead-letter files.
    private var current: (name: String, attributes: [String: String])?

    /// Rejects the sample being read; a dead-letter file gets the element rebuilt from its attributes
    /// (sorted, children left out), since the parser does not hand over the text as written.
    private func reject(_ line: Int, _ message: String) throws {
        var raw: String?
        if let current {
            var text = "<" + current.name
            for key in current.attributes.keys.sorted() {
                text += " \(key)=\"" + Self.escape(current.attributes[key]!) + "\""
            }
            raw = text + "/>"
        }
        try reporter.reject(location(line), message, raw: raw)
    }

    static func escape(_ value: String) -> String {
        var out = ""
        for c in value {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n": out += "&#10;"
            default: out.append(c)
            }
        }
        return out
    }

    /// The short name of a type for messages: `HKQuantityTypeIdentifierStepCount` → `StepCount`.
    private func short(_ type: String) -> String {
        for prefix in [Self.quantityPrefix, "HKCategoryTypeIdentifier"] where type.hasPrefix(prefix) {
            return String(type.dropFirst(prefix.count))
        }
        return type
    }

    /// The sample's start and end; nil after rejecting it.
    private func interval(_ a: [String: String], _ what: String, line: Int) throws
        -> (start: AppleHealthImporter.Instant, end: AppleHealthImporter.Instant)?
    {
        guard let start = a["startDate"].flatMap(AppleHealthImporter.Instant.init) else {
            try reject(line, "\(what) startDate is not a date")
            return nil
        }
        guard let end = a["endDate"].flatMap(AppleHealthImporter.Instant.init) else {
            try reject(line, "\(what) endDate is not a date")
            return nil
        }
        guard end.seconds >= start.seconds else {
            try reject(line, "\(what) ends before it starts")
            return nil
        }
        return (start, end)
    }

    private func record(_ a: [String: String], line: Int) throws {
        guard let type = a["type"] else { return }
        if type.hasPrefix(Self.quantityPrefix),
            let q = Self.quantities[String(type.dropFirst(Self.quantityPrefix.count))]
        {
            try quantity(q, a, type: short(type), line: line)
        } else if type == Self.sleepType {
            guard let kind = a["value"].flatMap({ Self.sleepKinds[$0] }) else {
                try reject(line, "unknown SleepAnalysis value")
                return
            }
            guard let span = try interval(a, "SleepAnalysis", line: line) else { return }
            sleep.append(
                SleepSample(source: a["sourceName"] ?? "", kind: kind, start: span.start, end: span.end, line: line))
        } else if type == Self.mindfulType {
            guard let span = try interval(a, "MindfulSession", line: line) else { return }
            add(
                sum: Double(span.end.seconds - span.start.seconds) / 60, metric: "mindfulness_min",
                date: span.start.date,
                source: a["sourceName"] ?? "", line: line)
        }
        // Any other type is outside the vocabulary: passed over.
    }

    private func quantity(_ q: Quantity, _ a: [String: String], type: String, line: Int) throws {
        let unit = a["unit"] ?? ""
        guard let factor = q.units[unit] else {
            try reject(line, "\(type) in unit \(quoted(unit)) is not supported")
            return
        }
        guard let raw = a["value"].flatMap({ parseDecimal($0) }) else {
            try reject(line, "\(type) value is not a number")
            return
        }
        guard let start = a["startDate"].flatMap(AppleHealthImporter.Instant.init) else {
            try reject(line, "\(type) startDate is not a date")
            return
        }
        let value = raw * factor
        let day = DayMetric(date: q.inSleep ? start.wakeDay : start.date, metric: q.metric)
        switch q.aggregate {
        case .sum:
            guard value >= 0 else {
                try reject(line, "\(type) amount is negative")
                return
            }
            let key = SourceDay(day: day, source: a["sourceName"] ?? "")
            sums[key, default: Total(line: line)].sum += value
        case .mean:
            means[day, default: Total(line: line)].sum += value
            means[day]!.count += 1
        case .last:
            // The later sample wins; at the same time, the later one in the file.
            if (latest[day]?.seconds ?? Int.min) <= start.seconds {
                latest[day] = Latest(seconds: start.seconds, value: value, line: line)
            }
        }
    }

    /// Adds to one source's day total (mindfulness, workouts); `finish` keeps the largest source, as for quantities.
    private func add(sum value: Double, metric: String, date: LocalDate, source: String, line: Int) {
        sums[SourceDay(day: DayMetric(date: date, metric: metric), source: source), default: Total(line: line)].sum +=
            value
    }

    private func workout(_ a: [String: String], line: Int) throws {
        guard let span = try interval(a, "Workout", line: line) else { return }
        var minutes = Double(span.end.seconds - span.start.seconds) / 60
        if let text = a["duration"] {
            let unit = a["durationUnit"] ?? "min"
            guard let factor = Self.durationUnits[unit] else {
                try reject(line, "Workout durationUnit \(quoted(unit)) is not supported")
                return
            }
            guard let d = parseDecimal(text), d >= 0 else {
                try reject(line, "Workout duration is not a number of at least 0")
                return
            }
            minutes = d * factor
        }
        add(sum: minutes, metric: "workout_minutes", date: span.start.date, source: a["sourceName"] ?? "", line: line)
    }

    // MARK: Days

    /// Writes the day aggregates into the record set, in day and metric order.
    func finish() throws {
        // Summed quantities: per day, the source with the largest total; ties go to the first source by name.
        var best: [DayMetric: (source: String, total: Total)] = [:]
        for (key, total) in sums {
            if let b = best[key.day], b.total.sum > total.sum || (b.total.sum == total.sum && b.source < key.source) {
                continue
            }
            best[key.day] = (key.source, total)
        }
        var values: [DayMetric: (value: Double, line: Int)] = [:]
        for (day, b) in best { values[day] = (b.total.sum, b.total.line) }
        for (day, t) in means { values[day] = (t.sum / Double(t.count), t.line) }
        for (day, l) in latest { values[day] = (l.value, l.line) }
        for day in values.keys.sorted() {
            let v = values[day]!
            try records.add(
                user: user, date: day.date, metric: day.metric, value: .number(v.value, places: 2),
                at: location(v.line))
        }
        try finishSleep()
    }

    /// One source's sleep samples less than an hour apart.
    struct Session {
        var source: String
        var first: AppleHealthImporter.Instant
        var last: AppleHealthImporter.Instant
        var line: Int
        /// Seconds per kind, overlaps within a kind counted once.
        var seconds: [SleepKind: Int] = [:]
        /// Seconds asleep: the union of all asleep kinds' samples, so overlapping stages count once.
        var asleep = 0
        /// Seconds in bed: the union of the InBed and asleep samples, or without InBed, first start to last end;
        /// it holds every asleep second, so asleep / in bed is at most 1.
        var inBed: Int
        /// The start and end of the time in bed.
        var bedStart: AppleHealthImporter.Instant
        var bedEnd: AppleHealthImporter.Instant

        static let asleepKinds: Set<SleepKind> = [.asleep, .core, .deep, .rem]

        init(_ samples: [SleepSample]) {
            source = samples[0].source
            first = samples.min { $0.start.seconds < $1.start.seconds }!.start
            last = samples.max { $0.end.seconds < $1.end.seconds }!.end
            line = samples.map(\.line).min()!
            for kind in SleepKind.allCases {
                if let total = Self.union(samples.filter { $0.kind == kind }) { seconds[kind] = total }
            }
            asleep = Self.union(samples.filter { Self.asleepKinds.contains($0.kind) }) ?? 0
            let bed = samples.filter { $0.kind == .inBed || Self.asleepKinds.contains($0.kind) }
            if seconds[.inBed] != nil {
                inBed = Self.union(bed) ?? 0
                bedStart = bed.min { $0.start.seconds < $1.start.seconds }!.start
                bedEnd = bed.max { $0.end.seconds < $1.end.seconds }!.end
            } else {
                inBed = last.seconds - first.seconds
                bedStart = first
                bedEnd = last
            }
        }

        /// The seconds covered by the samples, overlaps counted once; nil without samples.
        static func union(_ samples: [SleepSample]) -> Int? {
            let spans = samples.map { ($0.start.seconds, $0.end.seconds) }.sorted { $0 < $1 }
            guard var (from, to) = spans.first else { return nil }
            var total = 0
            for (s, e) in spans.dropFirst() {
                if s > to {
                    total += to - from
                    (from, to) = (s, e)
                } else {
                    to = max(to, e)
                }
            }
            return total + to - from
        }

        var staged: Bool { seconds[.core] != nil || seconds[.deep] != nil || seconds[.rem] != nil }
        var wakeDay: LocalDate { last.date }
    }

    private func finishSleep() throws {
        let gap = 3600
        var sessions: [Session] = []
        let bySource = Dictionary(grouping: sleep, by: \.source)
        sleep = []
        for source in bySource.keys.sorted() {
            let samples = bySource[source]!.sorted {
                ($0.start.seconds, $0.end.seconds, $0.line) < ($1.start.seconds, $1.end.seconds, $1.line)
            }
            var current: [SleepSample] = []
            var end = Int.min
            for s in samples {
                if !current.isEmpty, s.start.seconds > end + gap {
                    sessions.append(Session(current))
                    current = []
                }
                end = current.isEmpty ? s.end.seconds : max(end, s.end.seconds)
                current.append(s)
            }
            if !current.isEmpty { sessions.append(Session(current)) }
        }
        // The main sleep of each wake day: most asleep, then longest, then first source by name, then earliest.
        var main: [LocalDate: Session] = [:]
        for s in sessions {
            if let b = main[s.wakeDay] {
                let a = (s.asleep, s.last.seconds - s.first.seconds, b.source, b.first.seconds)
                let c = (b.asleep, b.last.seconds - b.first.seconds, s.source, s.first.seconds)
                if a <= c { continue }
            }
            main[s.wakeDay] = s
        }
        for day in main.keys.sorted() {
            let s = main[day]!
            let minutes = { (seconds: Int) -> JSON in .number((Double(seconds) / 60).rounded()) }
            let asleep = s.asleep
            let inBed = s.inBed
            var values: [(metric: String, value: JSON)] = []
            if asleep > 0 { values.append(("sleep_duration_min", minutes(asleep))) }
            if s.staged {
                values.append(("deep_sleep_min", minutes(s.seconds[.deep] ?? 0)))
                values.append(("rem_sleep_min", minutes(s.seconds[.rem] ?? 0)))
                values.append(("light_sleep_min", minutes(s.seconds[.core] ?? 0)))
            }
            if s.staged || s.seconds[.awake] != nil { values.append(("awake_min", minutes(s.seconds[.awake] ?? 0))) }
            values.append(("time_in_bed_min", minutes(inBed)))
            if asleep > 0, inBed > 0 {
                values.append(("sleep_efficiency_pct", .number(Double(asleep) / Double(inBed) * 100, places: 1)))
            }
            values.append(("sleep_start", .string(s.bedStart.clock.description)))
            values.append(("sleep_end", .string(s.bedEnd.clock.description)))
            try records.addRow(user: user, date: day, values: values, at: location(s.line))
        }
    }
}
