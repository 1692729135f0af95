// Typed views of the payloads that commands read, each checked against the contract as it is decoded.

/// A `health_record` payload: one user's metrics for one local day.
public struct HealthRecord: Sendable, Equatable {
    public var date: LocalDate
    public var metrics: [String: MetricValue]
    public var source: String?

    public init(date: LocalDate, metrics: [String: MetricValue], source: String? = nil) {
        self.date = date
        self.metrics = metrics
        self.source = source
    }

    /// Decodes and validates: a real date, known metrics (or `x_` ones) of the right type in range.
    public init(payload: [String: JSON]) throws(EventProblem) {
        let (date, m) = try Self.parts(payload)
        self.date = date
        var metrics = [String: MetricValue](minimumCapacity: m.count)
        for (name, value) in m {
            metrics[name] = try Metrics.validate(name: name, value: value)
        }
        self.metrics = metrics
        source = try Self.source(payload)
    }

    /// Validates as `init(payload:)` does, without building the record: the contract check of every
    /// process that forwards records it does not keep.
    public static func check(payload: [String: JSON]) throws(EventProblem) {
        let (_, m) = try parts(payload)
        for (name, value) in m { _ = try Metrics.validate(name: name, value: value) }
        _ = try source(payload)
    }

    static func parts(_ payload: [String: JSON]) throws(EventProblem) -> (LocalDate, [String: JSON]) {
        guard let d = payload["date"] else { throw EventProblem("missing payload.date") }
        guard case .string(let ds) = d, let date = LocalDate(ds) else {
            throw EventProblem("payload.date is not a YYYY-MM-DD calendar date")
        }
        guard case .object(let m)? = payload["metrics"] else {
            throw EventProblem(
                payload["metrics"] == nil ? "missing payload.metrics" : "payload.metrics must be an object")
        }
        return (date, m)
    }

    static func source(_ payload: [String: JSON]) throws(EventProblem) -> String? {
        switch payload["source"] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case let v?: throw EventProblem("payload.source must be a string, not \(v.typeName)")
        }
    }

    /// The payload as JSON, metrics under their names.
    public var payload: [String: JSON] {
        var p: [String: JSON] = [
            "date": .string(date.description),
            "metrics": .object(metrics.mapValues(\.json)),
        ]
        if let source { p["source"] = .string(source) }
        return p
    }
}

/// An `analysis_request` payload.
public struct AnalysisRequest: Sendable, Equatable {
    public static let defaultWindowDays = 30

    public var analysisID: String?
    public var archetype: Archetype?
    public var windowDays: Int
    public var asOf: LocalDate?
    public var analysisType: String?
    public var implicit: Bool

    public init(
        analysisID: String?, archetype: Archetype? = nil, windowDays: Int = defaultWindowDays,
        asOf: LocalDate? = nil, analysisType: String? = nil, implicit: Bool = false
    ) {
        self.analysisID = analysisID
        self.archetype = archetype
        self.windowDays = windowDays
        self.asOf = asOf
        self.analysisType = analysisType
        self.implicit = implicit
    }

    public init(payload p: [String: JSON]) throws(EventProblem) {
        analysisID = try optionalString(p, "analysis_id")
        if let a = try optionalString(p, "archetype") {
            guard let archetype = Archetype(named: a) else {
                throw EventProblem("unknown archetype in payload.archetype")
            }
            self.archetype = archetype
        } else {
            archetype = nil
        }
        switch p["window_days"] {
        case nil, .null?: windowDays = AnalysisRequest.defaultWindowDays
        case .number(let n)? where n == n.rounded() && (1...3660).contains(n): windowDays = Int(n)
        case _?: throw EventProblem("payload.window_days must be a whole number from 1 to 3660")
        }
        if let s = try optionalString(p, "as_of") {
            guard let d = LocalDate(s) else { throw EventProblem("payload.as_of is not a YYYY-MM-DD calendar date") }
            // The window before it and the plan day after it must be dates too.
            guard d.adding(days: -(windowDays - 1)) >= LocalDate(year: 1, month: 1, day: 1)!,
                d < LocalDate(year: 9999, month: 12, day: 31)!
            else {
                throw EventProblem("payload.as_of leaves the years 0001–9999 with its window or the day after")
            }
            asOf = d
        } else {
            asOf = nil
        }
        analysisType = try optionalString(p, "analysis_type")
        if let t = analysisType, t != "initial", t != "follow_up" {
            throw EventProblem("payload.analysis_type must be initial or follow_up")
        }
        switch p["implicit"] {
        case nil, .null?: implicit = false
        case .bool(let b)?: implicit = b
        case _?: throw EventProblem("payload.implicit must be a boolean")
        }
    }

    /// A request event with ids derived from the user, the day and the archetype, so reruns are idempotent.
    public static func event(
        user: String, archetype: Archetype?, asOf: LocalDate, windowDays: Int,
        source: String
    ) -> Event {
        let parts = [user, asOf.description, archetype?.name ?? "", String(windowDays)]
        let analysisID = "a-" + StableHash.hex(StableHash.of(["request"] + parts))
        let payload = AnalysisRequest(analysisID: analysisID, archetype: archetype, windowDays: windowDays, asOf: asOf)
        return Event(
            id: EventID.derive(["request", source] + parts),
            type: EventType.analysisRequest, user: user, timestamp: Timestamp.startOf(asOf.adding(days: 1)),
            source: source, archetype: archetype?.name, analysisID: analysisID, payload: payload.payload)
    }

    public var payload: [String: JSON] {
        var p: [String: JSON] = ["window_days": .number(Double(windowDays))]
        if let analysisID { p["analysis_id"] = .string(analysisID) }
        if let archetype { p["archetype"] = .string(archetype.name) }
        if let asOf { p["as_of"] = .string(asOf.description) }
        if let analysisType { p["analysis_type"] = .string(analysisType) }
        if implicit { p["implicit"] = .bool(true) }
        return p
    }
}

/// A `user_profile` payload; every field is optional.
public struct UserProfile: Sendable, Equatable {
    public var age: Double?
    public var sex: String?
    public var heightCm: Double?
    public var weightKg: Double?
    public var goals: [String]
    public var dietary: [String: JSON]
    public var timezone: String?
    public var wakePreference: ClockTime?
    /// What the user says about training: a preferred time, a maximum intensity, the days available.
    public var exercise: ExercisePreferences?

    public init(
        age: Double? = nil, sex: String? = nil, heightCm: Double? = nil, weightKg: Double? = nil,
        goals: [String] = [], dietary: [String: JSON] = [:], timezone: String? = nil,
        wakePreference: ClockTime? = nil, exercise: ExercisePreferences? = nil
    ) {
        self.age = age
        self.sex = sex
        self.heightCm = heightCm
        self.weightKg = weightKg
        self.goals = goals
        self.dietary = dietary
        self.timezone = timezone
        self.wakePreference = wakePreference
        self.exercise = exercise
    }

    public init(payload p: [String: JSON]) throws(EventProblem) {
        age = try optionalNumber(p, "age", in: 1...120)
        sex = try optionalString(p, "sex")
        if let s = sex, !["female", "male", "other"].contains(s) {
            throw EventProblem("payload.sex must be female, male or other")
        }
        heightCm = try optionalNumber(p, "height_cm", in: 50...272)
        weightKg = try optionalNumber(p, "weight_kg", in: Metrics.metric(named: "weight_kg")!.range)
        switch p["goals"] {
        case nil, .null?: goals = []
        case .array(let a)?:
            goals = []
            for g in a {
                guard case .string(let s) = g else { throw EventProblem("payload.goals must hold strings") }
                goals.append(s)
            }
        case _?: throw EventProblem("payload.goals must be an array")
        }
        switch p["dietary"] {
        case nil, .null?: dietary = [:]
        case .object(let o)?: dietary = o
        case _?: throw EventProblem("payload.dietary must be an object")
        }
        timezone = try optionalString(p, "timezone")
        if let w = try optionalString(p, "wake_preference") {
            guard let t = ClockTime(w) else { throw EventProblem("payload.wake_preference is not a valid HH:MM time") }
            wakePreference = t
        } else {
            wakePreference = nil
        }
        switch p["exercise"] {
        case nil, .null?: exercise = nil
        case .object(let o)?: exercise = try ExercisePreferences(payload: o)
        case _?: throw EventProblem("payload.exercise must be an object")
        }
    }

    public var payload: [String: JSON] {
        var p: [String: JSON] = [:]
        if let age { p["age"] = .number(age) }
        if let sex { p["sex"] = .string(sex) }
        if let heightCm { p["height_cm"] = .number(heightCm) }
        if let weightKg { p["weight_kg"] = .number(weightKg) }
        if !goals.isEmpty { p["goals"] = .array(goals.map(JSON.string)) }
        if !dietary.isEmpty { p["dietary"] = .object(dietary) }
        if let timezone { p["timezone"] = .string(timezone) }
        if let wakePreference { p["wake_preference"] = .string(wakePreference.description) }
        if let exercise { p["exercise"] = .object(exercise.payload) }
        return p
    }
}

/// A time of day to exercise as a user states it: a window (morning, midday, evening) or a clock time.
public enum ExerciseTime: Sendable, Equatable, CustomStringConvertible {
    case window(String)
    case clock(ClockTime)

    /// The windows, as hos-routine's exercise_time arms name them.
    public static let windows = ["morning", "midday", "evening"]

    /// A window name or an `HH:MM` time; nil otherwise.
    public init?(_ text: String) {
        if Self.windows.contains(text) {
            self = .window(text)
        } else if let t = ClockTime(text) {
            self = .clock(t)
        } else {
            return nil
        }
    }

    /// The window a time falls in: before 11:00 morning, before 16:00 midday, else evening.
    public var window: String {
        switch self {
        case .window(let w): w
        case .clock(let t): t.minutes < 11 * 60 ? "morning" : t.minutes < 16 * 60 ? "midday" : "evening"
        }
    }

    public var description: String {
        switch self {
        case .window(let w): w
        case .clock(let t): t.description
        }
    }
}

/// The `exercise` object of a `user_profile`: what the user states about training; every field optional.
public struct ExercisePreferences: Sendable, Equatable {
    public var preferredTime: ExerciseTime?
    /// The highest intensity (1–5) the user wants.
    public var maxIntensity: Int?
    /// ISO weekdays (1 = Monday … 7 = Sunday), ascending; nil when not stated.
    public var availableDays: [Int]?

    public init(preferredTime: ExerciseTime? = nil, maxIntensity: Int? = nil, availableDays: [Int]? = nil) {
        self.preferredTime = preferredTime
        self.maxIntensity = maxIntensity
        self.availableDays = availableDays
    }

    /// Decodes and validates `payload.exercise`.
    public init(payload p: [String: JSON]) throws(EventProblem) {
        if let t = try optionalString(p, "preferred_time", path: "payload.exercise.") {
            guard let time = ExerciseTime(t) else {
                throw EventProblem("payload.exercise.preferred_time must be morning, midday, evening or an HH:MM time")
            }
            preferredTime = time
        }
        switch p["max_intensity"] {
        case nil, .null?: maxIntensity = nil
        case .number(let n)? where n == n.rounded() && (1...5).contains(n):
            maxIntensity = Int(n)
        case _?: throw EventProblem("payload.exercise.max_intensity must be a whole number from 1 to 5")
        }
        switch p["available_days"] {
        case nil, .null?: availableDays = nil
        case .array(let a)?:
            var days = Set<Int>()
            for v in a {
                guard let name = v.stringValue, let i = LocalDate.weekdayNames.firstIndex(of: name) else {
                    throw EventProblem("payload.exercise.available_days must hold weekday names: mon, tue, … sun")
                }
                days.insert(i + 1)
            }
            guard !days.isEmpty else {
                throw EventProblem("payload.exercise.available_days must name at least one day")
            }
            availableDays = days.sorted()
        case _?: throw EventProblem("payload.exercise.available_days must be an array")
        }
    }

    public var isEmpty: Bool { preferredTime == nil && maxIntensity == nil && availableDays == nil }

    /// The long-term preferences hos-memory keeps them under (source user_profile).
    public static let preferenceKeys = (
        preferredTime: "exercise_preferred_time", maxIntensity: "exercise_max_intensity",
        availableDays: "exercise_available_days"
    )

    /// The stated values as preferences, by `preferenceKeys`.
    public var preferences: [String: JSON] {
        let k = Self.preferenceKeys
        var out: [String: JSON] = [:]
        let p = payload
        (out[k.preferredTime], out[k.maxIntensity], out[k.availableDays]) =
            (p["preferred_time"], p["max_intensity"], p["available_days"])
        return out
    }

    /// The stated values back from preferences; a value that does not decode is left out, not an error
    /// (a memory_store may have written anything under these keys).
    public init(preferences p: [String: JSON]) {
        let k = Self.preferenceKeys
        func part(_ key: String, _ name: String) -> ExercisePreferences {
            guard let v = p[key] else { return ExercisePreferences() }
            return (try? ExercisePreferences(payload: [name: v])) ?? ExercisePreferences()
        }
        self.init(
            preferredTime: part(k.preferredTime, "preferred_time").preferredTime,
            maxIntensity: part(k.maxIntensity, "max_intensity").maxIntensity,
            availableDays: part(k.availableDays, "available_days").availableDays)
    }

    public var payload: [String: JSON] {
        var p: [String: JSON] = [:]
        if let preferredTime { p["preferred_time"] = .string(preferredTime.description) }
        if let maxIntensity { p["max_intensity"] = .number(Double(maxIntensity)) }
        if let availableDays {
            p["available_days"] = .array(availableDays.map { .string(LocalDate.weekdayNames[$0 - 1]) })
        }
        return p
    }
}

/// A `plan_feedback` payload: how the user did on one plan item.
public struct PlanFeedback: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable { case completed, partial, skipped }

    /// Why the user did not do the item as planned, in their words.
    public enum Reason: String, Sendable, CaseIterable {
        /// The item was at a time of day that does not suit the user.
        case wrongTime = "wrong_time"
        case tooHard = "too_hard"
        case tooEasy = "too_easy"
        /// No time that day: not the plan's fault.
        case noTime = "no_time"
    }

    public var planID: String
    public var itemID: String
    public var status: Status
    public var rating: Int?
    public var reason: Reason?
    public var date: LocalDate

    public init(planID: String, itemID: String, status: Status, rating: Int?, reason: Reason? = nil, date: LocalDate) {
        self.planID = planID
        self.itemID = itemID
        self.status = status
        self.rating = rating
        self.reason = reason
        self.date = date
    }

    public init(payload p: [String: JSON]) throws(EventProblem) {
        guard let plan = try optionalString(p, "plan_id") else { throw EventProblem("missing payload.plan_id") }
        guard let item = try optionalString(p, "item_id") else { throw EventProblem("missing payload.item_id") }
        planID = plan
        itemID = item
        guard let s = try optionalString(p, "status"), let status = Status(rawValue: s) else {
            throw EventProblem("payload.status must be completed, partial or skipped")
        }
        self.status = status
        rating = try optionalNumber(p, "rating", in: 1...5).map { Int($0) }
        if let r = p["rating"]?.doubleValue, r != r.rounded() {
            throw EventProblem("payload.rating must be a whole number")
        }
        if let r = try optionalString(p, "reason") {
            guard let reason = Reason(rawValue: r) else {
                throw EventProblem("payload.reason must be wrong_time, too_hard, too_easy or no_time")
            }
            self.reason = reason
        }
        guard let ds = try optionalString(p, "date"), let d = LocalDate(ds) else {
            throw EventProblem("payload.date is not a YYYY-MM-DD calendar date")
        }
        date = d
    }

    public var payload: [String: JSON] {
        var p: [String: JSON] = [
            "plan_id": .string(planID), "item_id": .string(itemID), "status": .string(status.rawValue),
            "date": .string(date.description),
        ]
        if let rating { p["rating"] = .number(Double(rating)) }
        if let reason { p["reason"] = .string(reason.rawValue) }
        return p
    }
}

func optionalString(_ p: [String: JSON], _ key: String, path: String = "payload.") throws(EventProblem) -> String? {
    switch p[key] {
    case nil, .null?: return nil
    case .string(let s)?: return s
    case let v?: throw EventProblem("\(path)\(key) must be a string, not \(v.typeName)")
    }
}

func optionalNumber(_ p: [String: JSON], _ key: String, in range: ClosedRange<Double>) throws(EventProblem) -> Double? {
    switch p[key] {
    case nil, .null?: return nil
    case .number(let n)?:
        guard range.contains(n) else {
            throw EventProblem("payload.\(key) outside its plausible range \(Metrics.rangeText(range))")
        }
        return n
    case let v?: throw EventProblem("payload.\(key) must be a number, not \(v.typeName)")
    }
}

/// Checks the payload of any event type the contract describes; unknown types pass.
public enum ContractCheck {
    /// Checks the event and returns it ready for the stage that consumes it: a `health_record` with its
    /// record decoded, since decoding it is its check.
    public static func decoded(_ event: Event) throws(EventProblem) -> Event {
        guard event.eventType == EventType.healthRecord else {
            try check(event)
            return event
        }
        var e = event
        e.record = try HealthRecord(payload: event.payload)
        return e
    }

    public static func check(_ event: Event) throws(EventProblem) {
        switch event.eventType {
        case EventType.healthRecord: try HealthRecord.check(payload: event.payload)
        case EventType.analysisRequest: _ = try AnalysisRequest(payload: event.payload)
        case EventType.userProfile: _ = try UserProfile(payload: event.payload)
        case EventType.planFeedback: _ = try PlanFeedback(payload: event.payload)
        case EventType.insightFeedback:
            guard try optionalString(event.payload, "insight_id") != nil else {
                throw EventProblem("missing payload.insight_id")
            }
            guard case .bool? = event.payload["useful"] else { throw EventProblem("payload.useful must be a boolean") }
        case EventType.alert: _ = try AlertPayload.checked(payload: event.payload)
        case EventType.routinePlan, EventType.nutritionPlan:
            guard try optionalString(event.payload, "plan_id") != nil else {
                throw EventProblem("missing payload.plan_id")
            }
        default: break
        }
    }
}
