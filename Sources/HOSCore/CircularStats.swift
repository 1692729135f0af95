// Statistics of times of day on the 24-hour circle, shared by the agents and the memory store.

import Glibc

/// Statistics of times of day, which wrap at midnight: 23:50 and 00:10 are 20 minutes apart.
public enum CircularStats {
    static let day = 1440.0

    /// Mean direction in minutes after midnight, and the mean resultant length R (0–1).
    public static func mean(minutes: [Double]) -> (mean: Double, r: Double)? {
        guard !minutes.isEmpty else { return nil }
        var c = 0.0
        var s = 0.0
        for m in minutes {
            let a = 2 * Double.pi * m / day
            c += cos(a)
            s += sin(a)
        }
        c /= Double(minutes.count)
        s /= Double(minutes.count)
        let r = (c * c + s * s).squareRoot()
        guard r > 1e-12 else { return nil }
        var angle = atan2(s, c)
        if angle < 0 { angle += 2 * Double.pi }
        return (angle * day / (2 * Double.pi), r)
    }

    /// Circular standard deviation in minutes, sqrt(−2 ln R) scaled to the day (scipy.stats.circstd).
    public static func standardDeviation(minutes: [Double]) -> Double? {
        guard let m = mean(minutes: minutes) else { return nil }
        // Identical times can give R a hair above 1 in floating point: that is a spread of 0, not NaN.
        return max(0, -2 * log(min(1, m.r))).squareRoot() * day / (2 * Double.pi)
    }

    /// The median of the times unwrapped around `centre` (usually their circular mean), in [0, 1440).
    /// Unwrapping first makes 23:50 and 00:10 have the median 00:00, not 12:00.
    public static func median(minutes: [Double], around centre: Double) -> Double? {
        guard !minutes.isEmpty else { return nil }
        let u = minutes.map { centre + difference($0, centre) }.sorted()
        let n = u.count
        let m = n % 2 == 1 ? u[n / 2] : (u[n / 2 - 1] + u[n / 2]) / 2
        let r = m.truncatingRemainder(dividingBy: day)
        return r < 0 ? r + day : r
    }

    /// The signed shortest difference a − b in minutes, in (−720, 720].
    public static func difference(_ a: Double, _ b: Double) -> Double {
        var d = (a - b).truncatingRemainder(dividingBy: day)
        if d > day / 2 { d -= day }
        if d <= -day / 2 { d += day }
        return d
    }
}
