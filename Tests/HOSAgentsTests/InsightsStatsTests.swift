// hos-insights' statistics against scipy 1.17 on the same arrays (the commands are in the comments;
// scripts/stats_reference.py checks the agent end to end).

import HOSCore
import Testing

@testable import HOSAgents

@Suite struct InsightsStatsTests {
    let x = [3.1, 2.0, 5.5, 4.4, 4.4, 6.0, 7.2, 6.9, 9.1, 8.8]
    let y = [1.0, 2.5, 2.5, 3.0, 4.1, 3.9, 6.2, 5.0, 5.0, 7.7]

    @Test func ranksAverageTies() {
        // stats.rankdata(x) → [2, 1, 5, 3.5, 3.5, 6, 8, 7, 10, 9]
        #expect(Stats.ranks(x) == [2, 1, 5, 3.5, 3.5, 6, 8, 7, 10, 9])
        #expect(Stats.ranks([]) == [])
        #expect(Stats.ranks([7, 7, 7]) == [2, 2, 2])
    }

    @Test func spearmanMatchesScipy() throws {
        // r = stats.spearmanr(x, y) → statistic 0.8440406439909537, pvalue 0.0021347182889562455
        let s = try #require(Stats.spearman(x, y))
        #expect(abs(s.rho - 0.8440406439909537) < 1e-12)
        #expect(abs(s.p - 0.0021347182889562455) < 1e-12)
        #expect(s.n == 10)
        // A mostly-zero lever, as alcohol is: stats.spearmanr(z, v) → 0.8052561704203203, 0.0015745173079371546
        let z: [Double] = [0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 3, 0]
        let v: [Double] = [5, 6, 5, 7, 6, 5, 8, 6, 5, 6, 9, 5]
        let t = try #require(Stats.spearman(z, v))
        #expect(abs(t.rho - 0.8052561704203203) < 1e-12)
        #expect(abs(t.p - 0.0015745173079371546) < 1e-12)
        // Constant sides and too few pairs have no correlation.
        #expect(Stats.spearman([1, 1, 1, 1], [1, 2, 3, 4]) == nil)
        #expect(Stats.spearman([1, 2], [2, 1]) == nil)
        // Perfect agreement: p = 0.
        #expect(Stats.spearman([1, 2, 3, 4, 5], [2, 4, 6, 8, 10])?.p == 0)
    }

    @Test func studentTMatchesScipy() {
        // 2 * stats.t.sf(2.5, 7), 2 * stats.t.sf(0.3, 50), 2 * stats.t.sf(8.0, 3)
        #expect(abs(Stats.studentTTwoSidedP(2.5, df: 7) - 0.04099221858575289) < 1e-13)
        #expect(abs(Stats.studentTTwoSidedP(0.3, df: 50) - 0.7654208802553033) < 1e-13)
        #expect(abs(Stats.studentTTwoSidedP(-8.0, df: 3) - 0.004076577587785466) < 1e-13)
        #expect(Stats.studentTTwoSidedP(0, df: 5) == 1)
    }

    @Test func benjaminiHochbergMatchesScipy() {
        // stats.false_discovery_control([0.01, 0.04, 0.03, 0.2, 0.5, 0.001, 0.04])
        let p = [0.01, 0.04, 0.03, 0.2, 0.5, 0.001, 0.04]
        let expected = [0.035, 0.056, 0.056, 0.23333333333333336, 0.5, 0.007, 0.056]
        for (q, e) in zip(Stats.benjaminiHochberg(p), expected) { #expect(abs(q - e) < 1e-12) }
        #expect(Stats.benjaminiHochberg([]) == [])
        #expect(Stats.benjaminiHochberg([0.9, 0.95]) == [0.95, 0.95])
    }

    @Test func weightedBenjaminiHochbergIsPlainOnPOverW() {
        // w = [4,1,1,1,4,1,1] scaled to mean 1; stats.false_discovery_control(np.minimum(1, p / w))
        let p = [0.01, 0.04, 0.03, 0.2, 0.5, 0.001, 0.04]
        let r = Stats.weightedBenjaminiHochberg(p, weights: [4, 1, 1, 1, 4, 1, 1])
        #expect(abs(r.weights.reduce(0, +) - 7) < 1e-12)
        #expect(abs(r.weights[0] - 2.1538461538461537) < 1e-12)
        let expected = [0.01625, 0.104, 0.104, 0.37142857142857144, 0.27083333333333337, 0.013, 0.104]
        for (q, e) in zip(r.q, expected) { #expect(abs(q - e) < 1e-12) }
        // Equal weights are plain Benjamini–Hochberg.
        #expect(
            Stats.weightedBenjaminiHochberg(p, weights: [Double](repeating: 2, count: 7)).q
                == Stats.benjaminiHochberg(p))
    }

    @Test func adjustmentRemovesTrendAndWeekendAndKeepsTies() throws {
        // 2026-01-05 is a Monday: a series that is only a trend plus a weekend bump adjusts to zero.
        let start = LocalDate("2026-01-05")!
        let s = (0..<28).map { i -> Double in 100 + 2 * Double(i) + (start.adding(days: i).isWeekend ? 30 : 0) }
        let r = try #require(Adjustment.residuals(s, start: start))
        #expect(r.allSatisfy { abs($0) < 1e-9 })
        // Zero days stay tied: a mostly-zero metric keeps its ties.
        var z = [Double](repeating: 0, count: 28)
        z[3] = 2
        z[10] = 4
        z[17] = 1
        let rz = try #require(Adjustment.residuals(z, start: start))
        #expect(Set(rz.enumerated().filter { ![3, 10, 17].contains($0.offset) }.map(\.element)).count == 1)
        // Missing days stay missing; too few values adjust to nothing.
        var gaps = s
        gaps[4] = .nan
        #expect(try #require(Adjustment.residuals(gaps, start: start))[4].isNaN)
        #expect(Adjustment.residuals([1, 2, .nan, 3], start: start) == nil)
    }

    @Test func confidenceAndPriorityFollowTheDocumentedFormulas() {
        // c₀ = E (0.4 + 0.3 S + 0.3 Z)
        #expect(Insight.confidence(strength: 1, sample: 1, size: 1, agreement: 0) == 0.99)
        #expect(Insight.confidence(strength: 0.9, sample: 0.8, size: 0.5, agreement: 0) == 0.71)
        // agreement: + 0.3 (1 − c₀); disagreement: c₀ / 2
        #expect(Insight.confidence(strength: 0.9, sample: 0.8, size: 0.5, agreement: 1) == 0.8)
        #expect(Insight.confidence(strength: 0.9, sample: 0.8, size: 0.5, agreement: -1) == 0.36)
        #expect(Insight.sample(14) == 0.5)
        // Foundation Builder: milestone first (80), correlation unlisted (45).
        let m = Insight.priority(
            kind: "milestone", confidence: 0.9, metrics: ["steps"], archetype: .foundationBuilder, feedback: nil)
        #expect(m == 80 + 6 + 5)
        let c = Insight.priority(
            kind: "correlation", confidence: 0.5, metrics: ["x_y"], archetype: .foundationBuilder, feedback: nil)
        #expect(c == 45)
        // Two "not useful" marks: 12 × (0 − 2) / (0 + 2 + 2) = −6.
        let f = Insight.priority(
            kind: "correlation", confidence: 0.5, metrics: ["x_y"], archetype: .foundationBuilder,
            feedback: (0, 2))
        #expect(f == 39)
        // Risk never below 75 before confidence.
        #expect(
            Insight.priority(kind: "risk", confidence: 0.5, metrics: [], archetype: .peakPerformer, feedback: nil) == 75
        )
    }

    @Test func wordsFormatUnits() {
        #expect(MetricSemantics.format("sleep_duration_min", 452) == "7 h 32 min")
        #expect(MetricSemantics.format("steps", 12345.4) == "12,345 steps")
        #expect(MetricSemantics.format("hrv_rmssd_ms", 58.25) == "58.3 ms")
        #expect(MetricSemantics.formatChange("sleep_duration_min", -24) == "−24 min")
        #expect(MetricSemantics.label("x_cold_shower_min") == "cold shower min")
        #expect(MetricSemantics.fixed(-0.05, 1) == "-0.1")
        #expect(MetricSemantics.fixed(3.999, 2) == "4.00")
    }
}
