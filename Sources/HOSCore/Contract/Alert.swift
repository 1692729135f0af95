// The `alert` payload: a coach alert that hos-insights opens once per episode and closes when it ends,
// read back by hos-memory (which remembers the open ones) and hos-report (which puts them first).

/// An `alert` payload.
public struct AlertPayload: ContractPayload {
    public static let eventType = EventType.alert
    public static let summary =
        "hos-insights' coach alert: a condition worth a coach's attention (low readiness, HRV under baseline, "
        + "strain, no records, sleep debt), written once when its episode opens and once when it closes."

    /// The rules, in the order alerts are written.
    public static let rules = ["readiness_low", "hrv_low", "strain", "no_records", "sleep_debt"]

    public var alertID = ""
    public var rule = ""
    public var severity = ""
    public var status = ""
    public var started = LocalDate(daysSinceEpoch: 0)
    public var ended: LocalDate?
    public var asOf = LocalDate(daysSinceEpoch: 0)
    public var days: Int?
    public var title = ""
    public var detail = ""
    public var metrics: [String] = []
    public var evidence: [String: JSON] = [:]

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .required(
            "alert_id", \.alertID,
            "\"alr-\" and 16 hex digits of the hash of user, rule and started: one id per episode, the same "
                + "in its open and its closed event."),
        .required("rule", \.rule, "readiness_low, hrv_low, strain, no_records or sleep_debt."),
        .required(
            "severity", \.severity,
            "warning; critical once the condition has held for twice the rule's days (strain: always critical)."),
        .required("status", \.status, "open (the episode began) or closed (the condition no longer holds)."),
        .required("started", \.started, "The first day of the episode."),
        .value("ended", \.ended, "closed: the analysis day on which the condition was found to have ended."),
        .required("as_of", \.asOf, "The analysis day."),
        .value("days", \.days, "open: days the condition has held, up to as_of."),
        .required("title", \.title, "A short headline."),
        .required("detail", \.detail, "One plain sentence: what holds, since when, with the numbers."),
        .value("metrics", \.metrics, "The metrics it is about.", default: []),
        .value("evidence", \.evidence, "The numbers behind it: statistic, n, threshold and the values.", default: [:]),
    ]

    /// Reads the payload and checks the closed words (rule, severity, status).
    public static func checked(payload: [String: JSON]) throws(EventProblem) -> AlertPayload {
        let a = try AlertPayload(payload: payload)
        guard rules.contains(a.rule) else {
            throw EventProblem("payload.rule must be one of \(rules.joined(separator: ", "))")
        }
        guard ["warning", "critical"].contains(a.severity) else {
            throw EventProblem("payload.severity must be warning or critical")
        }
        guard ["open", "closed"].contains(a.status) else { throw EventProblem("payload.status must be open or closed") }
        return a
    }
}
