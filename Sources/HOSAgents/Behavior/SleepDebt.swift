// Sleep debt: the one definition that readiness, the sleep-debt risk, coach alerts and the report all show.

import HOSCore

/// Hours of sleep short of a nightly need over the last 7 nights: Σ max(0, need − sleep_duration_min) / 60
/// over the nights logged among the 7 ending at `asOf` (a missing night adds nothing). hos-behavior's
/// `readiness.sleep_debt_hours`, hos-insights' `risk:sleep_debt` and its `sleep_debt` alert are this number.
public struct SleepDebt: Sendable, Equatable {
    /// Nights the debt is summed over, `asOf` included.
    public static let nights = 7

    /// The debt in hours, unrounded.
    public var hours: Double
    /// Nights logged among the 7.
    public var logged: Int

    /// The debt as every output writes it: hours to 1 decimal.
    public var rounded: Double { JSON.rounded(hours, places: 1) }

    /// The debt over the 7 nights ending at `asOf`, counting only nights on or after `start` (the window's
    /// first day); nil when none of them is logged.
    public static func of(_ data: UserDays, asOf: LocalDate, from start: LocalDate, needMin: Double) -> SleepDebt? {
        let sleep = data.series("sleep_duration_min", from: max(start, asOf.adding(days: -(nights - 1))), to: asOf)
        guard !sleep.isEmpty else { return nil }
        return SleepDebt(hours: sleep.reduce(0) { $0 + max(0, needMin - $1.value) } / 60, logged: sleep.count)
    }
}
