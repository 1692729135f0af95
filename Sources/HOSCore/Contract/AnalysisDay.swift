// The day an analysis describes: one rule, used by every agent that dates its result.

/// The `as_of` of an analysis, by one rule for every agent and hos-memory.
public enum AnalysisDay {
    /// The request's `as_of`; else the user's latest record; else the `as_of` of the behavior_analysis made
    /// for the request; else the UTC day of the request's timestamp (a user with nothing recorded).
    public static func of(
        requested: LocalDate?, latestRecord: LocalDate?, analysis: LocalDate? = nil, requestDay: LocalDate?
    ) -> LocalDate {
        requested ?? latestRecord ?? analysis ?? requestDay ?? LocalDate(daysSinceEpoch: 0)
    }

    /// The UTC day of a request's timestamp: the last resort of `of`.
    public static func requestDay(_ request: Event) -> LocalDate? {
        Timestamp.parse(request.timestamp).map {
            LocalDate(daysSinceEpoch: Int((Double($0.seconds) / 86_400).rounded(.down)))
        }
    }
}
