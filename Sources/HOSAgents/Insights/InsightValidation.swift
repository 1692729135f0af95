// insight_validation: an earlier insight's subject re-checked against the data the stage holds now.

import HOSCore

/// The outcome of re-checking one earlier insight.
public struct InsightValidation: Sendable {
    /// confirmed, reversed, not_confirmed or insufficient_data (hos-insights(1)).
    public var status: String
    /// The insight as it stands now, worded, when the data still give one for the subject.
    public var insight: Insight?
    /// The current statistic when there is no insight (a correlation test that no longer passes).
    public var evidence: [String: JSON] = [:]
    public var reason = ""
}

extension InsightEngine {
    /// Re-checks `subject`, given earlier with `direction`: confirmed when the data give the same subject and
    /// direction now (a reached streak and a record one count as the same), reversed when they give another
    /// direction, not_confirmed when the metrics have data but the rules no longer pass, insufficient_data
    /// when they lack it.
    public func validate(_ input: InsightInput, subject: String, direction: String) -> InsightValidation {
        let (candidates, tests) = self.candidates(input)
        if let c = candidates.first(where: { $0.subject == subject }) {
            var c = c
            let same =
                c.direction == direction
                || (["reached", "record"].contains(c.direction) && ["reached", "record"].contains(direction))
            if !direction.isEmpty { c.agreement = same ? 1 : -1 }
            c = word(score(c, input), input: input, voice: Voice(input.archetype))
            return InsightValidation(status: same || direction.isEmpty ? "confirmed" : "reversed", insight: c)
        }
        let parts = subject.split(separator: ":").map(String.init)
        if parts.first == "correlation", parts.count == 4 {
            if let t = tests.first(where: { $0.x == parts[1] && $0.y == parts[2] && String($0.lag) == parts[3] }) {
                return InsightValidation(
                    status: "not_confirmed",
                    evidence: [
                        "statistic": "spearman_rho", "effect": .number(t.rho, places: 3),
                        "p_value": Self.significant(t.p), "q_value": Self.significant(t.q),
                        "n": .number(Double(t.n)), "tests": .number(Double(tests.count)),
                    ],
                    reason:
                        "Re-checked against the data up to \(input.asOf): ρ = \(MetricSemantics.fixed(t.rho, 2)) over \(t.n) day pairs, "
                        + "q = \(Self.significant(t.q).text), which no longer passes the reporting rules (q ≤ \(options.fdr), |ρ| ≥ \(options.minEffect))."
                )
            }
            return InsightValidation(
                status: "insufficient_data",
                reason:
                    "Re-checked against the data up to \(input.asOf): too few days with both metrics to test the pair.")
        }
        // Other kinds: the subject's metrics, where it names them.
        let metrics = parts.dropFirst().filter { Metrics.metric(named: $0) != nil || Metrics.isCustom($0) }
        let start = input.asOf.adding(days: -(input.windowDays - 1))
        let enough = metrics.allSatisfy { m in
            input.days.days.filter { $0.key >= start && $0.key <= input.asOf && $0.value[m] != nil }.count >= options
                .minPairs / 2
        }
        let hasData = metrics.isEmpty ? !input.days.days.isEmpty : enough
        return InsightValidation(
            status: hasData ? "not_confirmed" : "insufficient_data",
            reason: hasData
                ? "Re-checked against the data up to \(input.asOf): the pattern no longer meets the rules for this kind of insight."
                : "Re-checked against the data up to \(input.asOf): too few days of data in the window to check it.")
    }
}
