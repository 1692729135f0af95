// Rank correlation and its p-value, as scipy.stats.spearmanr computes them (scripts/stats_reference.py checks).

import Glibc

extension Stats {
    /// Ranks 1…n with ties given their average rank (scipy.stats.rankdata, method "average").
    public static func ranks(_ x: [Double]) -> [Double] {
        let order = x.indices.sorted { x[$0] < x[$1] }
        var r = [Double](repeating: 0, count: x.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count, x[order[j + 1]] == x[order[i]] { j += 1 }
            // Positions i…j (0-based) share the mean of ranks i+1…j+1.
            let average = Double(i + j + 2) / 2
            for k in i...j { r[order[k]] = average }
            i = j + 1
        }
        return r
    }

    /// Pearson's correlation coefficient; nil when either side is constant or there are fewer than 2 pairs.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        precondition(x.count == y.count)
        guard x.count >= 2, let mx = mean(x), let my = mean(y) else { return nil }
        var sxy = 0.0
        var sxx = 0.0
        var syy = 0.0
        for i in x.indices {
            let dx = x[i] - mx
            let dy = y[i] - my
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return nil }
        return max(-1, min(1, sxy / (sxx * syy).squareRoot()))
    }

    /// Spearman's rank correlation with its two-sided p-value from Student's t with n − 2 degrees of
    /// freedom, t = ρ √((n − 2) / (1 − ρ²)), exactly as scipy.stats.spearmanr. Nil below 3 pairs or when a
    /// side is constant.
    public static func spearman(_ x: [Double], _ y: [Double]) -> (rho: Double, p: Double, n: Int)? {
        precondition(x.count == y.count)
        let n = x.count
        guard n >= 3, let rho = pearson(ranks(x), ranks(y)) else { return nil }
        return (rho, correlationP(rho, n: n), n)
    }

    /// The two-sided p-value of a correlation coefficient from n pairs under the t approximation.
    public static func correlationP(_ r: Double, n: Int) -> Double {
        let df = Double(n - 2)
        guard df > 0 else { return 1 }
        let denominator = (1 - r) * (1 + r)
        guard denominator > 0 else { return 0 }
        let t = r * (df / denominator).squareRoot()
        return studentTTwoSidedP(t, df: df)
    }

    /// P(|T| ≥ |t|) for Student's t with `df` degrees of freedom: I_{df/(df+t²)}(df/2, 1/2).
    public static func studentTTwoSidedP(_ t: Double, df: Double) -> Double {
        guard t.isFinite else { return t.isNaN ? 1 : 0 }
        let x = df / (df + t * t)
        return min(1, max(0, regularizedIncompleteBeta(a: df / 2, b: 0.5, x: x)))
    }

    /// The regularized incomplete beta function I_x(a, b), by Lentz's continued fraction (Numerical
    /// Recipes' betacf), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges slowly.
    public static func regularizedIncompleteBeta(a: Double, b: Double, x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let lnFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(1 - x)
        let front = exp(lnFront)
        if x < (a + 1) / (a + b + 2) {
            return front * betaContinuedFraction(a: a, b: b, x: x) / a
        }
        return 1 - front * betaContinuedFraction(a: b, b: a, x: 1 - x) / b
    }

    /// The continued fraction of I_x(a, b) by the modified Lentz method, at most `maxTerms` terms.
    static func betaContinuedFraction(a: Double, b: Double, x: Double, maxTerms: Int = 300) -> Double {
        let tiny = 1e-300
        let epsilon = 1e-15
        let qab = a + b
        let qap = a + 1
        let qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...maxTerms {
            let m = Double(m)
            let m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return h
    }
}
