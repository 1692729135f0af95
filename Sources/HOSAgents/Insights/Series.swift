// One user's daily values laid out by day, and the adjustment that makes correlations day-to-day ones.

import HOSCore

/// A user's numeric series over consecutive days ending at `end`: `values[metric][i]` is day `start + i`, NaN
/// when missing. Clock metrics (sleep_start, sleep_end) become signed minutes from their circular mean.
public struct DailySeries: Sendable {
    public let start: LocalDate
    public let end: LocalDate
    public var values: [String: [Double]] = [:]

    public var count: Int { end.days(since: start) + 1 }

    /// The days of `days` within [start, end].
    public init(_ days: UserDays, from start: LocalDate, to end: LocalDate) {
        self.start = start
        self.end = end
        let n = max(0, end.days(since: start) + 1)
        var clocks: [String: [(Int, Double)]] = [:]
        for (date, metrics) in days.days where date >= start && date <= end {
            let i = date.days(since: start)
            for (name, value) in metrics {
                switch value {
                case .number(let v):
                    if values[name] == nil { values[name] = [Double](repeating: .nan, count: n) }
                    values[name]![i] = v
                case .clock(let t):
                    clocks[name, default: []].append((i, Double(t.minutes)))
                }
            }
        }
        for (name, points) in clocks {
            guard let centre = CircularStats.mean(minutes: points.map(\.1))?.mean else { continue }
            var a = [Double](repeating: .nan, count: n)
            for (i, m) in points { a[i] = CircularStats.difference(m, centre) }
            values[name] = a
        }
    }

    /// The date of index i.
    public func date(_ i: Int) -> LocalDate { start.adding(days: i) }

    /// Present values of a metric with their indices, in day order.
    public func points(_ metric: String) -> [(index: Int, value: Double)] {
        guard let a = values[metric] else { return [] }
        var out: [(Int, Double)] = []
        for (i, v) in a.enumerated() where !v.isNaN { out.append((i, v)) }
        return out
    }

    /// A clock metric's value back in minutes after midnight, from its offset (for words).
    public func clockMinutes(_ metric: String, offset: Double, days: UserDays) -> Double? {
        let raw = days.days.compactMap { d, m -> Double? in
            guard d >= start && d <= end, case .clock(let t)? = m[metric] else { return nil }
            return Double(t.minutes)
        }
        guard let centre = CircularStats.mean(minutes: raw)?.mean else { return nil }
        let v = (centre + offset).truncatingRemainder(dividingBy: 1440)
        return v < 0 ? v + 1440 : v
    }
}

/// The adjustment of hos-insights(1): each series less its Theil–Sen line over the days, then less the median
/// of those residuals on its kind of day (weekend or weekday; one median for all when either kind has fewer
/// than 3 values), so two metrics that share only a trend or a weekly rhythm are not reported as related.
/// Medians, not least squares, so a mostly-zero metric (alcohol) keeps its ties and its zero days stay equal.
public enum Adjustment {
    /// Adjusted values by day index (NaN where missing), or nil below 5 values.
    public static func residuals(_ series: [Double], start: LocalDate) -> [Double]? {
        var idx: [Int] = []
        var y: [Double] = []
        for (i, v) in series.enumerated() where !v.isNaN {
            idx.append(i)
            y.append(v)
        }
        guard y.count >= 5, let line = Stats.theilSen(x: idx.map(Double.init), y: y) else { return nil }
        var r = zip(idx, y).map { i, v in v - (line.intercept + line.slope * Double(i)) }
        let weekend = idx.map { start.adding(days: $0).isWeekend }
        let we = zip(r, weekend).filter(\.1).map(\.0)
        let wd = zip(r, weekend).filter { !$0.1 }.map(\.0)
        if we.count >= 3, wd.count >= 3, let mWe = Stats.median(we), let mWd = Stats.median(wd) {
            for k in r.indices { r[k] -= weekend[k] ? mWe : mWd }
        } else if let m = Stats.median(r) {
            for k in r.indices { r[k] -= m }
        }
        // Rounded to 6 decimals: values that are equal in exact arithmetic stay tied whatever the order of
        // floating-point operations, so ranks (and Spearman's ρ) match any correct implementation.
        var out = [Double](repeating: .nan, count: series.count)
        for (k, i) in idx.enumerated() { out[i] = (r[k] * 1e6).rounded() / 1e6 }
        return out
    }
}
