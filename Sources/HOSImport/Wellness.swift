// Self-reported wellness on a vendor's or a diary's own scale, mapped onto the vocabulary's scale.

import HOSCore

/// A linear map from a source scale onto a vocabulary metric's range (mood 1–5, stress_score 0–100...).
public struct WellnessScale: Sendable, Equatable {
    public var metric: String
    /// The source value that becomes the metric's lowest value, and the one that becomes its highest.
    /// `from > to` reverses the scale: fatigue 10 (worst) → energy 1.
    public var from: Double
    public var to: Double

    /// The metrics a scale may be given for: self-reports and vendor scores with a bounded range.
    public static let metrics = ["mood", "energy", "stress_score", "readiness_score", "recovery_score", "sleep_score"]

    /// The mapping, for --help and the man page.
    public static let documentation = """
        Self-reported wellness on any scale: --scale METRIC=FROM:TO maps the column's values linearly \
        onto METRIC's range, FROM onto its lowest value and TO onto its highest: v' = lo + (v - FROM) / \
        (TO - FROM) x (hi - lo), rounded to 0.01. METRIC is one of mood (1-5), energy (1-5), \
        stress_score, readiness_score, recovery_score, sleep_score (0-100). Examples: a mood diary of \
        0-10 is --scale mood=0:10 (5 -> 3); a 0-1 readiness is --scale readiness_score=0:1 (0.82 -> \
        82); sleep quality 1-4 is --map sleep_score=quality --scale sleep_score=1:4; fatigue 1-10, \
        where 10 is worst, read as energy reverses the scale: --map energy=fatigue --scale energy=10:1 \
        (10 -> 1, 1 -> 5). A value outside FROM..TO is bad input, as is any value outside the \
        metric's range without --scale.
        """

    public init(metric: String, from: Double, to: Double) {
        self.metric = metric
        self.from = from
        self.to = to
    }

    /// Parses `METRIC=FROM:TO`; the message says what is wrong.
    public init(parsing text: String) throws(EventProblem) {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw EventProblem("--scale takes METRIC=FROM:TO, not '\(printable(text))'") }
        guard Self.metrics.contains(parts[0]) else {
            throw EventProblem("--scale: \(printable(parts[0])) is not one of \(Self.metrics.joined(separator: ", "))")
        }
        let ends = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        guard ends.count == 2, let from = parseDecimal(ends[0]), let to = parseDecimal(ends[1]), from != to else {
            throw EventProblem(
                "--scale \(parts[0]): FROM:TO must be two different numbers, not '\(printable(parts[1]))'")
        }
        self.init(metric: parts[0], from: from, to: to)
    }

    /// The value on the metric's scale; nil when it lies outside FROM..TO.
    public func apply(_ v: Double) -> Double? {
        guard v >= min(from, to), v <= max(from, to), let range = Metrics.metric(named: metric)?.range else {
            return nil
        }
        let scaled = range.lowerBound + (v - from) / (to - from) * (range.upperBound - range.lowerBound)
        return (scaled * 100).rounded() / 100
    }
}
