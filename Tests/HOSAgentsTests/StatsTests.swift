// The statistics against values computed by scipy 1.17.1 and numpy 2.4.6 on the same arrays
// (the commands are in the comments; scripts/stats_reference.py checks the agent end to end).

import HOSCore
import Testing

@testable import HOSAgents

@Suite struct StatsTests {
    let y = [3.1, 2.0, 5.5, 4.4, 4.4, 6.0, 7.2, 6.9, 9.1, 8.8]
    var x: [Double] { (0..<10).map(Double.init) }

    @Test func theilSenMatchesScipy() throws {
        // stats.theilslopes(y, x) → slope 0.75, intercept 2.375
        let ts = try #require(Stats.theilSen(x: x, y: y))
        #expect(abs(ts.slope - 0.75) < 1e-12)
        #expect(abs(ts.intercept - 2.375) < 1e-12)
    }

    @Test func mannKendallMatchesKendallTauAsymptotic() throws {
        // stats.kendalltau(x, y, method="asymptotic").pvalue → 0.002263469812035174 (y has a tie: 4.4, 4.4)
        let mk = try #require(Stats.mannKendall(y))
        #expect(abs(mk.p - 0.002263469812035174) < 1e-12)
        // tau_b = S / sqrt(45 × 44) = 0.764093… (one tied pair in y), so S = 34.
        #expect(mk.s == 34)
    }

    @Test func robustSpreadMatchesScipy() {
        // stats.median_abs_deviation(y) → 1.4; np.median(y) → 5.75; np.std(y, ddof=1)/np.mean(y) → 0.4056902422723463
        #expect(Stats.mad(y) == 1.4000000000000004 || abs(Stats.mad(y)! - 1.4) < 1e-12)
        #expect(Stats.median(y) == 5.75)
        #expect(abs(Stats.coefficientOfVariation(y)! - 0.4056902422723463) < 1e-12)
        #expect(Stats.median([]) == nil)
        #expect(Stats.median([4, 1, 3]) == 3)
    }

    @Test func robustZFlagsOnlyOutliers() {
        let v = [10.0, 11, 9, 10, 12, 10, 11, 9, 10, 40]
        let m = Stats.median(v)!
        let mad = Stats.mad(v)!
        let flagged = v.filter { abs(Stats.robustZ($0, median: m, mad: mad) ?? 0) > 3.5 }
        #expect(flagged == [40])
        #expect(Stats.robustZ(5, median: 5, mad: 0) == nil)
    }

    @Test func circularStatsWrapAtMidnight() throws {
        // stats.circstd([1430,1435,5,10,20], high=1440, low=0) → 10.67831395618281; circmean → 3.9994666184044987
        let minutes = [1430.0, 1435, 5, 10, 20]
        #expect(abs(CircularStats.standardDeviation(minutes: minutes)! - 10.67831395618281) < 1e-9)
        #expect(abs(CircularStats.mean(minutes: minutes)!.mean - 3.9994666184044987) < 1e-9)
        #expect(CircularStats.median(minutes: minutes, around: CircularStats.mean(minutes: minutes)!.mean) == 5)
        #expect(CircularStats.median(minutes: [1430, 1450], around: 0) == 0, "unwrapped, then back into the day")
        #expect(CircularStats.difference(10, 1430) == 20)
        #expect(CircularStats.difference(1430, 10) == -20)
    }
}

@Suite struct FastStatsTests {
    /// The Fenwick-tree S and the selection median equal their definitions, ties and all.
    @Test func fastPathsEqualTheDefinitions() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let n = Int.random(in: 3...60, using: &rng)
            let y = (0..<n).map { _ in Double(Int.random(in: 0...9, using: &rng)) }
            var s = 0.0
            for i in 0..<n { for j in (i + 1)..<n { s += y[j] > y[i] ? 1 : (y[j] < y[i] ? -1 : 0) } }
            #expect(Stats.mannKendall(y)?.s == s, "\(y)")
            let sorted = y.sorted()
            let median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
            #expect(Stats.median(y) == median, "\(y)")
        }
    }

    @Test func longWindowsStayTractable() throws {
        // Ten years of daily values: 6.7 million slopes for Theil–Sen, S in O(n log n).
        let y = (0..<3660).map { Double($0 % 97) + Double($0) * 0.01 }
        let x = (0..<3660).map(Double.init)
        let ts = try #require(Stats.theilSen(x: x, y: y))
        #expect(ts.slope > 0)
        #expect(try #require(Stats.mannKendall(y)).p < 0.05)
    }
}
