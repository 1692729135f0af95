// Robust and rank statistics used by the agents, each checked against scipy (scripts/stats_reference.py).

import Glibc

/// Descriptive and robust statistics over small samples (a user's window: tens to hundreds of values).
public enum Stats {
    /// Arithmetic mean; nil when empty.
    public static func mean(_ x: [Double]) -> Double? {
        x.isEmpty ? nil : x.reduce(0, +) / Double(x.count)
    }

    /// Median (mean of the two middle values for even counts), as numpy.median.
    public static func median(_ x: [Double]) -> Double? {
        guard !x.isEmpty else { return nil }
        var a = x
        let m = a.count / 2
        // Selection, not a sort: Theil–Sen takes the median of n(n−1)/2 slopes.
        let upper = select(&a, m)
        guard a.count % 2 == 0 else { return upper }
        // The lower middle is the largest value left of the upper one after selection.
        return (a[..<m].max()! + upper) / 2
    }

    /// The k-th smallest value (0-based), reordering `a` around it (quickselect, median-of-three pivots).
    static func select(_ values: inout [Double], _ k: Int) -> Double {
        // On the buffer: the array's bounds checks in this inner loop cost as much as the comparisons.
        values.withUnsafeMutableBufferPointer { a in select(a, k) }
    }

    static func select(_ a: UnsafeMutableBufferPointer<Double>, _ k: Int) -> Double {
        precondition(k >= 0 && k < a.count)
        var lo = 0
        var hi = a.count - 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            let pivot = Swift.max(Swift.min(a[lo], a[mid]), Swift.min(Swift.max(a[lo], a[mid]), a[hi]))
            var i = lo
            var j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j {
                    a.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return a[k] }
        }
        return a[k]
    }

    /// Sample standard deviation (n − 1), as numpy.std(ddof=1); nil below two values.
    public static func standardDeviation(_ x: [Double]) -> Double? {
        guard x.count >= 2, let m = mean(x) else { return nil }
        let ss = x.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        return (ss / Double(x.count - 1)).squareRoot()
    }

    /// Coefficient of variation: sample SD over the mean; nil when the mean is 0.
    public static func coefficientOfVariation(_ x: [Double]) -> Double? {
        guard let sd = standardDeviation(x), let m = mean(x), m != 0 else { return nil }
        return sd / abs(m)
    }

    /// Median absolute deviation from the median, unscaled (scipy.stats.median_abs_deviation).
    public static func mad(_ x: [Double]) -> Double? {
        guard let m = median(x) else { return nil }
        return median(x.map { abs($0 - m) })
    }

    /// The modified z-score of Iglewicz and Hoaglin: 0.6745 (x − median) / MAD. Nil when MAD is 0.
    public static func robustZ(_ value: Double, median: Double, mad: Double) -> Double? {
        mad > 0 ? 0.6745 * (value - median) / mad : nil
    }

    /// Theil–Sen slope: the median of the slopes between all pairs with distinct x (scipy.stats.theilslopes).
    public static func theilSen(x: [Double], y: [Double]) -> (slope: Double, intercept: Double)? {
        precondition(x.count == y.count)
        var slopes: [Double] = []
        slopes.reserveCapacity(x.count * (x.count - 1) / 2)
        for i in 0..<x.count {
            for j in (i + 1)..<x.count where x[j] != x[i] {
                slopes.append((y[j] - y[i]) / (x[j] - x[i]))
            }
        }
        guard let slope = median(slopes), let my = median(y), let mx = median(x) else { return nil }
        return (slope, my - slope * mx)
    }

    /// The Mann–Kendall trend test over values in time order: S, its variance corrected for ties, and
    /// the two-sided p-value of the normal approximation without continuity correction (which equals
    /// scipy.stats.kendalltau(t, y) with distinct t).
    public static func mannKendall(_ y: [Double]) -> (s: Double, variance: Double, z: Double, p: Double)? {
        let n = y.count
        guard n >= 3 else { return nil }
        // S = Σ over later j of (earlier values below y_j) − (earlier values above y_j), counted with a
        // Fenwick tree over ranks: O(n log n) rather than comparing every pair.
        let ranks = Dictionary(zip(Array(Set(y)).sorted(), 1...), uniquingKeysWith: { a, _ in a })
        var tree = [Int](repeating: 0, count: ranks.count + 1)
        func countUpTo(_ r: Int) -> Int {
            var i = r
            var c = 0
            while i > 0 {
                c += tree[i]
                i -= i & -i
            }
            return c
        }
        var s = 0.0
        for (seen, v) in y.enumerated() {
            let r = ranks[v]!
            let below = countUpTo(r - 1)
            let above = seen - countUpTo(r)
            s += Double(below - above)
            var i = r
            while i < tree.count {
                tree[i] += 1
                i += i & -i
            }
        }
        var ties = 0.0
        var counts: [Double: Int] = [:]
        for v in y { counts[v, default: 0] += 1 }
        for t in counts.values where t > 1 {
            let t = Double(t)
            ties += t * (t - 1) * (2 * t + 5)
        }
        let nn = Double(n)
        let variance = (nn * (nn - 1) * (2 * nn + 5) - ties) / 18
        guard variance > 0 else { return (s, 0, 0, 1) }
        let z = s / variance.squareRoot()
        return (s, variance, z, twoSidedP(z))
    }

    /// Two-sided p-value of a standard normal statistic.
    public static func twoSidedP(_ z: Double) -> Double { erfc(abs(z) / 2.0.squareRoot()) }
}
