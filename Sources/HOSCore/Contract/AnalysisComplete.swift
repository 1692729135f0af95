// The `analysis_complete` payload: hos-run's one event per analysis, holding every step's result.

/// An `analysis_complete` payload.
public struct AnalysisCompletePayload: ContractPayload {
    public static let eventType = EventType.analysisComplete
    public static let summary =
        "hos-run's summary of one analysis: each step's result payload under the step's id, the steps that "
        + "degraded, and each step's time."

    public var analysisID = ""
    /// Step id → the step's result payload, or an array of them when it wrote several or only insights.
    public var steps: [String: JSON] = [:]
    /// The coach alerts of the analysis, whichever step wrote them; nil when there are none.
    public var alerts: [[String: JSON]]?
    public var degraded: [String] = []
    public var timingsMS: [String: Double] = [:]
    // hos-run --incremental: the day the analysis describes, and the markers of one re-emitted from memory.
    public var asOf: LocalDate?
    public var cached: Bool?
    public var newDays: Int?
    public var needsDays: Int?
    /// The window's daily values of the headline metrics, from the records that went through the pipeline.
    public var daily: DailySeries?

    public init() {}

    /// The keys that are not step ids: a pipeline may not name a step after one of them.
    public static let declared: Set<String> = [
        "analysis_id", "alerts", "degraded", "timings_ms", "as_of", "cached", "new_days", "needs_days", "daily",
    ]

    public static let fields: [PayloadField<Self>] = [
        .required("analysis_id", \.analysisID, "The analysis."),
        .others(
            "STEP", \.steps,
            "Each step's result under its id: the payload of its one result event, or an array of payloads when "
                + "it wrote several or wrote insights (then possibly empty); left out when it wrote none.",
            except: declared),
        .value("alerts", \.alerts, "The analysis' alert payloads, whichever step wrote them; left out without any."),
        .value("degraded", \.degraded, "Steps that failed under on_failure: degrade.", default: []),
        .value("timings_ms", \.timingsMS, "Each step's time in milliseconds.", default: [:]),
        .value(
            "as_of", \.asOf,
            "The day the analysis describes (the request's as_of, else the user's latest record in memory or "
                + "input); written by hos-run --incremental, which counts new days after it."),
        .value(
            "cached", \.cached,
            "true: hos-run --incremental re-emitted the user's stored analysis, as they had too few new days."),
        .value("new_days", \.newDays, "With cached: days recorded after as_of (memory and this input)."),
        .value("needs_days", \.needsDays, "With cached: how many more new days make hos-run analyse again."),
        .object(
            "daily", \.daily,
            "The analysis window's records of the user as they left the last step, day by day, for a report's "
                + "charts: the last \(DailySeries.maxDays) days at most, of at most \(DailySeries.maxMetrics) metrics, those "
                + "hos-report shows: the headline ones present (" + DailySeries.headline.joined(separator: ", ")
                + "), then those the behaviour analysis found a trend or anomalies in; about 1.5 KB for 30 days of "
                + "10 metrics. Left out without any record."),
    ]
}
