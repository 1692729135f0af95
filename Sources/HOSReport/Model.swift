// Gathers events into per-user, per-analysis results: the one model every format renders.

import HOSCore

/// What a pipeline step of `analysis_complete` gave that the report does not know: shown in generic form.
public struct OtherStep: Sendable, Equatable {
    public var step: String
    public var value: JSON
}

/// How long a pipeline step took for an analysis.
public struct Timing: Sendable, Equatable {
    public var step: String
    public var ms: Double
}

/// One analysis of one user: the results of every agent that answered it.
public struct AnalysisReport: Sendable, Equatable {
    /// The analysis id; empty for results that came without one.
    public var analysisID: String
    public var archetype: String?
    /// From the analysis_request, when it was in the input.
    public var requestAsOf: LocalDate?
    public var requestWindowDays: Int?
    public var behavior: BehaviorResult?
    public var memory: MemoryResult?
    public var nutrition: NutritionResult?
    public var routine: RoutineResult?
    /// In the order hos-insights wrote them (its priority order); one per insight_id, the latest kept.
    public var insights: [InsightResult] = []
    /// Coach alerts still open (hos-insights' `alert` events; a closed one removes its episode), oldest first.
    public var alerts: [AlertPayload] = []
    public var adaptation: AdaptationResult?
    /// Steps that failed (analysis_complete's degraded).
    public var degraded: [String] = []
    /// Sorted by step.
    public var timings: [Timing] = []
    public var otherSteps: [OtherStep] = []

    public init(analysisID: String) { self.analysisID = analysisID }

    /// False when no agent answered (a request alone, or a user with records only).
    public var hasResults: Bool {
        behavior != nil || memory != nil || nutrition != nil || routine != nil || !insights.isEmpty || !alerts.isEmpty
            || adaptation != nil || !otherSteps.isEmpty || !degraded.isEmpty
    }

    /// The day the analysis looks back from: the behaviour analysis' window end or as_of, else the request's as_of.
    public var asOf: LocalDate? { behavior?.windowEnd ?? behavior?.asOf ?? requestAsOf }

    /// The days whose records the charts show: the behaviour analysis' window, else the request's window
    /// (window_days, 30 by default) up to as_of; nil without an as_of.
    public var window: ClosedRange<LocalDate>? {
        if let s = behavior?.windowStart, let e = behavior?.windowEnd, s <= e { return s...e }
        guard let end = asOf else { return nil }
        return end.adding(days: -((requestWindowDays ?? AnalysisRequest.defaultWindowDays) - 1))...end
    }
}

/// One user: recorded days and analyses in input order.
public struct UserReport: Sendable, Equatable {
    public var userID: String
    public var archetype: String?
    /// Every recorded day of the user, the later value winning per metric.
    public var records: [LocalDate: [String: MetricValue]] = [:]
    public var analyses: [AnalysisReport] = []

    public init(userID: String) { self.userID = userID }

    /// The days to chart for an analysis: its window, else the user's last 30 recorded days (fewer when the
    /// records begin later).
    public func window(for analysis: AnalysisReport) -> ClosedRange<LocalDate>? {
        if let w = analysis.window { return w }
        guard let last = records.keys.max(), let first = records.keys.min() else { return nil }
        return max(first, last.adding(days: -(AnalysisRequest.defaultWindowDays - 1)))...last
    }

    /// Adds the days and metrics of a daily series that no record gave: records in the input win.
    mutating func merge(_ daily: DailySeries) {
        for name in daily.values.keys.sorted() {
            for (day, v) in daily.days(name) where records[day]?[name] == nil {
                records[day, default: [:]][name] = .number(v)
            }
        }
    }

    /// True when any record falls in the window: without one there is nothing to draw a day by day line from.
    public func hasRecords(in window: ClosedRange<LocalDate>) -> Bool {
        records.keys.contains { window.contains($0) }
    }

    /// A metric's daily values over a window, nil for days without one.
    public func series(_ metric: String, over window: ClosedRange<LocalDate>) -> [Double?] {
        (0...window.upperBound.days(since: window.lowerBound)).map { i in
            records[window.lowerBound.adding(days: i)]?[metric]?.number
        }
    }

    /// Numeric metrics recorded within a window, sorted by name.
    public func recordedMetrics(over window: ClosedRange<LocalDate>) -> [String] {
        var names = Set<String>()
        for (day, metrics) in records where window.contains(day) {
            for (name, v) in metrics where v.number != nil { names.insert(name) }
        }
        return names.sorted()
    }
}

/// Everything the report shows, users in the order they first appear.
public struct ReportModel: Sendable, Equatable {
    public var users: [UserReport] = []

    public init(users: [UserReport] = []) { self.users = users }

    public var analysisCount: Int { users.reduce(0) { $0 + $1.analyses.count } }

    /// Only each user's last analysis.
    public func latestOnly() -> ReportModel {
        ReportModel(
            users: users.map { u in
                var u = u
                if let last = u.analyses.last { u.analyses = [last] }
                return u
            })
    }
}

/// The stage behind hos-report: it reads results and records, writes nothing, and gives a `ReportModel`.
public struct ReportCollector: Stage {
    /// Users to keep; nil keeps everyone.
    public var only: Set<String>?
    var users: [String: UserReport] = [:]
    var userOrder: [String] = []
    var analysisIndex: [String: [String: Int]] = [:]

    public init(only: Set<String>? = nil) { self.only = only }

    /// The event types the report reads in full (analysis_request too, as every stage does).
    public static let readTypes: Set<String> = [
        EventType.healthRecord, EventType.behaviorAnalysis, EventType.memoryContext, EventType.nutritionPlan,
        EventType.routinePlan, EventType.insight, EventType.adaptation, EventType.analysisComplete, EventType.alert,
    ]

    public var consumes: Set<String> { ReportCollector.readTypes }

    /// The users and analyses read so far.
    public var model: ReportModel {
        ReportModel(
            users: userOrder.compactMap { users[$0] }.map { u in
                // A user with records and nothing else still gets one section, for the records.
                guard u.analyses.isEmpty, !u.records.isEmpty else { return u }
                var u = u
                u.analyses = [AnalysisReport(analysisID: "")]
                return u
            })
    }

    /// A result read from an event, checked whole before it changes anything.
    enum Piece {
        case behavior(BehaviorResult)
        case memory(MemoryResult)
        case nutrition(NutritionResult)
        case routine(RoutineResult)
        case insight(InsightResult)
        case alert(AlertPayload)
        case adaptation(AdaptationResult)
        case degraded([String])
        case timings([Timing])
        /// Records of the analysis window, as hos-run carries them when the records themselves are not in the input.
        case daily(DailySeries)
        case other(String, JSON)
    }

    public mutating func process(_ event: Event, emit: (Event) throws -> Void) throws {
        if let only, !only.contains(event.userID) { return }
        if event.eventType == EventType.healthRecord {
            let record = try HealthRecord(payload: event.payload)
            update(event.userID, archetype: event.archetype) { u, _ in
                u.records[record.date, default: [:]].merge(record.metrics) { _, new in new }
            }
            return
        }
        let p = Fields(event.payload, path: "payload")
        var pieces: [Piece] = []
        var analysisID = event.analysisID
        if event.eventType == EventType.analysisComplete {
            if let id = try p.string("analysis_id") { analysisID = id }
            pieces = try Self.completePieces(p)
        } else if let piece = try Self.piece(event.eventType, p) {
            pieces = [piece]
        }
        let archetype = event.archetype
        update(event.userID, archetype: archetype) { u, index in
            for case .daily(let d) in pieces { u.merge(d) }
            Self.withAnalysis(&u, analysisID ?? "", &index) { a in
                if a.archetype == nil { a.archetype = archetype }
                for piece in pieces { Self.apply(piece, to: &a) }
            }
        }
    }

    public mutating func barrier(_ request: Event, emit: (Event) throws -> Void) throws {
        if let only, !only.contains(request.userID) { return }
        let r = try AnalysisRequest(payload: request.payload)
        let id = r.analysisID ?? request.analysisID ?? ""
        update(request.userID, archetype: request.archetype) { u, index in
            Self.withAnalysis(&u, id, &index) { a in
                a.requestAsOf = r.asOf
                a.requestWindowDays = r.windowDays
                if a.archetype == nil { a.archetype = r.archetype?.name ?? request.archetype }
            }
        }
    }

    /// The result one agent event holds; nil for types the report reads but does not turn into results.
    static func piece(_ type: String, _ p: Fields) throws(EventProblem) -> Piece? {
        switch type {
        case EventType.behaviorAnalysis: .behavior(try BehaviorResult(p))
        case EventType.memoryContext: .memory(try MemoryResult(p))
        case EventType.nutritionPlan: .nutrition(try NutritionResult(p))
        case EventType.routinePlan: .routine(try RoutineResult(p))
        case EventType.insight: .insight(try InsightResult(p))
        case EventType.adaptation: .adaptation(try AdaptationResult(p))
        case EventType.alert: .alert(try AlertPayload(p))
        default: nil
        }
    }

    /// The step ids hos-run gives the built-in agents, and the event type of each one's results.
    public static let stepTypes: [String: String] = [
        "behavior": EventType.behaviorAnalysis, "memory": EventType.memoryContext,
        "nutrition": EventType.nutritionPlan, "routine": EventType.routinePlan, "insights": EventType.insight,
        "adapt": EventType.adaptation, "alerts": EventType.alert,
    ]

    /// The pieces of an analysis_complete payload: one per result of each known step, the others as they are.
    static func completePieces(_ p: Fields) throws(EventProblem) -> [Piece] {
        var pieces: [Piece] = []
        for key in p.o.keys.sorted() {
            switch key {
            case "analysis_id": continue
            case "degraded": pieces.append(.degraded(try p.strings("degraded")))
            case "daily":
                if let o = try p.object("daily") { pieces.append(.daily(try DailySeries(checking: o))) }
            case "timings_ms":
                guard let t = try p.object("timings_ms") else { continue }
                var timings: [Timing] = []
                for step in t.o.keys.sorted() {
                    if let ms = try t.number(step) { timings.append(Timing(step: step, ms: ms)) }
                }
                pieces.append(.timings(timings))
            default:
                guard let value = p.value(key) else { continue }
                guard let type = stepTypes[key] else {
                    pieces.append(.other(key, value))
                    continue
                }
                // A step that wrote several results gives an array of their payloads.
                let objects: [Fields]
                if case .array = value {
                    objects = try p.objects(key)
                } else if let o = try p.object(key) {
                    objects = [o]
                } else {
                    continue
                }
                for o in objects {
                    if let piece = try piece(type, o) { pieces.append(piece) }
                }
            }
        }
        return pieces
    }

    static func apply(_ piece: Piece, to a: inout AnalysisReport) {
        switch piece {
        case .behavior(let b): a.behavior = b
        case .memory(let m): a.memory = m
        case .nutrition(let n): a.nutrition = n
        case .routine(let r): a.routine = r
        case .insight(let i):
            if let k = a.insights.firstIndex(where: { $0.insightID == i.insightID }) {
                a.insights[k] = i
            } else {
                a.insights.append(i)
            }
        case .alert(let x):
            a.alerts.removeAll { $0.alertID == x.alertID }
            if x.status == "open" { a.alerts.append(x) }
        case .adaptation(let x): a.adaptation = x
        case .degraded(let d):
            for step in d where !a.degraded.contains(step) { a.degraded.append(step) }
        case .timings(let t): a.timings = t
        case .daily: break // the user's records, merged by process
        case .other(let step, let value):
            if let k = a.otherSteps.firstIndex(where: { $0.step == step }) {
                a.otherSteps[k].value = value
            } else {
                a.otherSteps.append(OtherStep(step: step, value: value))
            }
        }
    }

    mutating func update(
        _ user: String, archetype: String?,
        _ body: (inout UserReport, inout [String: [String: Int]]) -> Void
    ) {
        if users[user] == nil {
            users[user] = UserReport(userID: user)
            userOrder.append(user)
        }
        if let archetype { users[user]!.archetype = archetype }
        body(&users[user]!, &analysisIndex)
    }

    static func withAnalysis(
        _ u: inout UserReport, _ id: String, _ index: inout [String: [String: Int]],
        _ body: (inout AnalysisReport) -> Void
    ) {
        let k: Int
        if let existing = index[u.userID]?[id] {
            k = existing
        } else {
            k = u.analyses.count
            u.analyses.append(AnalysisReport(analysisID: id))
            index[u.userID, default: [:]][id] = k
        }
        body(&u.analyses[k])
    }
}
