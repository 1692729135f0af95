// Inline SVG charts for the HTML report: metric series with the baseline band, the day's timeline,
// the learning curve and the readiness gauge. Each chart carries a <title> and <desc> for screen readers.

import HOSCore

/// HTML and SVG escaping.
public enum Markup {
    /// Text safe inside elements and quoted attributes.
    public static func esc(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters have no place in a page; line breaks and tabs read as spaces.
                if c.value < 0x20 || c.value == 0x7F { out += " " } else { out.unicodeScalars.append(c) }
            }
        }
        return out
    }

    /// A coordinate with at most one decimal.
    static func c(_ v: Double) -> String { Format.number(v, places: v == v.rounded() ? 0 : 1, group: false) }
}

/// The colours of the report, chosen for contrast on white (text ≥ 4.5:1, lines ≥ 3:1).
enum Palette {
    static let line = "#1d4ed8"
    static let band = "#dbeafe"
    static let baseline = "#1e3a8a"
    static let anomaly = "#b91c1c"
    static let axis = "#4b5563"
    static let grid = "#e5e7eb"

    /// A light fill and a dark edge per routine category; labels on the fill are near-black.
    static func category(_ c: String) -> (fill: String, edge: String) {
        switch c {
        case "sleep": ("#c7d2fe", "#3730a3")
        case "exercise": ("#fecaca", "#991b1b")
        case "mindfulness": ("#d9f99d", "#3f6212")
        case "nutrition": ("#fde68a", "#92400e")
        case "recovery": ("#a5f3fc", "#155e75")
        case "focus": ("#e9d5ff", "#6b21a8")
        default: ("#e5e7eb", "#374151")
        }
    }
}

/// SVG charts as strings, sized by viewBox so they scale with the page.
public enum Charts {
    /// A metric's daily values over a window, with the personal baseline band and anomalies marked.
    public static func metric(id: String, name: String, values: [Double?], start: LocalDate, summary: MetricSummary?)
        -> String
    {
        let w = 600.0
        let h = 160.0
        let left = 52.0
        let right = 12.0
        let top = 12.0
        let bottom = 26.0
        let plotW = w - left - right
        let plotH = h - top - bottom
        let label = MetricInfo.label(name)
        let unit = MetricInfo.unit(name)
        var domain = values.compactMap { $0 }
        if let band = summary?.band { domain += [band.lowerBound, band.upperBound] }
        if let b = summary?.baseline { domain.append(b) }
        var lo = domain.min() ?? 0
        var hi = domain.max() ?? 1
        if hi - lo < 1e-9 {
            lo -= 1
            hi += 1
        }
        let pad = (hi - lo) * 0.08
        lo -= pad
        hi += pad
        let n = values.count
        func x(_ i: Int) -> Double { left + (n > 1 ? Double(i) / Double(n - 1) * plotW : plotW / 2) }
        func y(_ v: Double) -> Double { top + (hi - v) / (hi - lo) * plotH }

        let desc = description(values: values, start: start, summary: summary, unit: unit)

        var s =
            "<svg class=\"chart\" viewBox=\"0 0 \(Markup.c(w)) \(Markup.c(h))\" role=\"img\" aria-labelledby=\"\(id)-t \(id)-d\">"
        s += "<title id=\"\(id)-t\">\(Markup.esc(label + (unit.isEmpty ? "" : " (\(unit))")))</title>"
        s += "<desc id=\"\(id)-d\">\(Markup.esc(desc.joined(separator: "; ")))</desc>"
        // Grid: top, middle and bottom values.
        for v in [hi - pad, (hi + lo) / 2, lo + pad] {
            s +=
                "<line x1=\"\(Markup.c(left))\" x2=\"\(Markup.c(w - right))\" y1=\"\(Markup.c(y(v)))\" y2=\"\(Markup.c(y(v)))\" stroke=\"\(Palette.grid)\"/>"
            s +=
                "<text x=\"\(Markup.c(left - 6))\" y=\"\(Markup.c(y(v) + 4))\" text-anchor=\"end\" class=\"tick\">\(Markup.esc(Format.value(v)))</text>"
        }
        if let band = summary?.band {
            let y1 = y(min(hi, band.upperBound))
            let y2 = y(max(lo, band.lowerBound))
            s +=
                "<rect x=\"\(Markup.c(left))\" y=\"\(Markup.c(y1))\" width=\"\(Markup.c(plotW))\" height=\"\(Markup.c(max(0, y2 - y1)))\" fill=\"\(Palette.band)\"><title>usual range (baseline ± 1.4826 × MAD)</title></rect>"
        }
        if let b = summary?.baseline {
            s +=
                "<line x1=\"\(Markup.c(left))\" x2=\"\(Markup.c(w - right))\" y1=\"\(Markup.c(y(b)))\" y2=\"\(Markup.c(y(b)))\" stroke=\"\(Palette.baseline)\" stroke-dasharray=\"5 4\"><title>baseline (median) \(Markup.esc(Format.value(b)))</title></line>"
        }
        // The line breaks where days are missing.
        var run: [String] = []
        func flush() {
            if run.count > 1 {
                s +=
                    "<polyline fill=\"none\" stroke=\"\(Palette.line)\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"\(run.joined(separator: " "))\"/>"
            }
            run = []
        }
        for (i, v) in values.enumerated() {
            if let v { run.append("\(Markup.c(x(i))),\(Markup.c(y(v)))") } else { flush() }
        }
        flush()
        s += dots(values: values, start: start, anomalies: summary?.anomalies ?? [], x: x, y: y)
        // Dates under the first, middle and last day.
        for (i, anchor) in [(0, "start"), ((n - 1) / 2, "middle"), (n - 1, "end")]
        where n > 0 && (i != (n - 1) / 2 || n > 2) {
            s +=
                "<text x=\"\(Markup.c(x(i)))\" y=\"\(Markup.c(h - 8))\" text-anchor=\"\(anchor)\" class=\"tick\">\(start.adding(days: i))</text>"
        }
        return s + "</svg>"
    }

    /// The chart's text description: the days, what was recorded, baseline, usual range, recent mean, trend,
    /// anomalies.
    static func description(values: [Double?], start: LocalDate, summary: MetricSummary?, unit: String) -> [String] {
        let n = values.count
        var desc: [String] = ["\(n) days from \(start) to \(start.adding(days: max(0, n - 1)))"]
        let recorded = values.compactMap { $0 }.count
        desc.append("\(recorded) recorded")
        if let b = summary?.baseline { desc.append("baseline \(Format.value(b))\(unit.isEmpty ? "" : " " + unit)") }
        if let band = summary?.band {
            desc.append("usual range \(Format.value(band.lowerBound)) to \(Format.value(band.upperBound))")
        }
        if let r = summary?.recent { desc.append("recent mean \(Format.value(r))") }
        if let t = summary?.trend?.direction { desc.append("trend \(t)") }
        if let a = summary?.anomalies, !a.isEmpty {
            desc.append("anomalies: " + a.map(Phrases.anomaly).joined(separator: ", "))
        }
        return desc
    }

    /// One dot per recorded day, larger and coloured on an anomaly, each with its value as a tooltip.
    static func dots(
        values: [Double?], start: LocalDate, anomalies list: [Anomaly], x: (Int) -> Double, y: (Double) -> Double
    ) -> String {
        var s = ""
        let anomalies = Dictionary((list).map { ($0.date, $0) }, uniquingKeysWith: { a, _ in a })
        for (i, v) in values.enumerated() {
            guard let v else { continue }
            let day = start.adding(days: i)
            if let a = anomalies[day] {
                s +=
                    "<circle cx=\"\(Markup.c(x(i)))\" cy=\"\(Markup.c(y(v)))\" r=\"5.5\" fill=\"\(Palette.anomaly)\" stroke=\"#fff\" stroke-width=\"1.5\" class=\"anomaly\"><title>\(Markup.esc("anomaly: " + Phrases.anomaly(a) + (a.z.map { ", z " + Format.number($0, places: 1, typographic: true) } ?? "")))</title></circle>"
            } else {
                s +=
                    "<circle cx=\"\(Markup.c(x(i)))\" cy=\"\(Markup.c(y(v)))\" r=\"2.5\" fill=\"\(Palette.line)\"><title>\(day): \(Markup.esc(Format.value(v)))</title></circle>"
            }
        }
        return s
    }

    /// The day as a strip from wake to lights out, one block per item.
    public static func timeline(id: String, routine r: RoutineResult) -> String {
        let w = 1000.0
        let h = 74.0
        let left = 8.0
        let right = 8.0
        // Times after midnight belong to the same day: they are counted on from the wake time.
        let wake = r.wake?.minutes ?? r.items.map(\.start.minutes).min() ?? 0
        func unwrap(_ m: Int) -> Int { m < wake ? m + 1440 : m }
        let ends = r.items.map { unwrap($0.start.minutes) + Int($0.durationMin.rounded()) }
        let end = max(r.bedtime.map { unwrap($0.minutes) } ?? 0, ends.max() ?? wake + 60, wake + 60)
        let span = Double(end - wake)
        func x(_ m: Int) -> Double { left + Double(m - wake) / span * (w - left - right) }

        var s =
            "<svg class=\"timeline\" viewBox=\"0 0 \(Markup.c(w)) \(Markup.c(h))\" role=\"img\" aria-labelledby=\"\(id)-t \(id)-d\">"
        s +=
            "<title id=\"\(id)-t\">The day's plan from \(ClockTime(minutes: wake)) to \(ClockTime(minutes: end))</title>"
        s +=
            "<desc id=\"\(id)-d\">\(Markup.esc(r.items.map { "\($0.start)–\($0.end) \($0.category): \(Columns.oneLine($0.title))" }.joined(separator: "; ")))</desc>"
        s +=
            "<rect x=\"\(Markup.c(left))\" y=\"14\" width=\"\(Markup.c(w - left - right))\" height=\"30\" fill=\"#f9fafb\" stroke=\"\(Palette.grid)\"/>"
        // An hour tick every hour, labelled every second hour.
        var hour = (wake + 59) / 60 * 60
        while hour <= end {
            let hx = x(hour)
            s += "<line x1=\"\(Markup.c(hx))\" x2=\"\(Markup.c(hx))\" y1=\"44\" y2=\"49\" stroke=\"\(Palette.axis)\"/>"
            if (hour / 60) % 2 == 0 {
                s +=
                    "<text x=\"\(Markup.c(hx))\" y=\"62\" text-anchor=\"middle\" class=\"tick\">\(ClockTime(minutes: hour))</text>"
            }
            hour += 60
        }
        for item in r.items {
            let a = unwrap(item.start.minutes)
            let b = a + Int(item.durationMin.rounded())
            let (fill, edge) = Palette.category(item.category)
            let bx = x(a)
            let bw = max(2, x(b) - x(a))
            s +=
                "<rect x=\"\(Markup.c(bx))\" y=\"14\" width=\"\(Markup.c(bw))\" height=\"30\" fill=\"\(fill)\" stroke=\"\(edge)\" rx=\"3\"><title>\(Markup.esc("\(item.start)–\(item.end) \(item.category): \(Columns.oneLine(item.titleWithDays))"))</title></rect>"
            // A label only where it fits: about 6.5 units a character at this size.
            let word = Columns.oneLine(item.category)
            if bw >= Double(word.count) * 6.5 + 6 {
                s +=
                    "<text x=\"\(Markup.c(bx + bw / 2))\" y=\"33\" text-anchor=\"middle\" class=\"block\">\(Markup.esc(word))</text>"
            }
        }
        return s + "</svg>"
    }

    /// Adherence over time (0–100%), the adaptation engine's learning curve.
    public static func curve(id: String, points: [AdherencePoint]) -> String {
        let w = 1000.0
        let h = 180.0
        let left = 48.0
        let right = 12.0
        let top = 10.0
        let bottom = 26.0
        let plotW = w - left - right
        let plotH = h - top - bottom
        guard let first = points.first?.date, let last = points.last?.date else { return "" }
        let days = max(1, last.days(since: first))
        func x(_ d: LocalDate) -> Double { left + Double(d.days(since: first)) / Double(days) * plotW }
        func y(_ v: Double) -> Double { top + (1 - v) * plotH }
        var s =
            "<svg class=\"chart\" viewBox=\"0 0 \(Markup.c(w)) \(Markup.c(h))\" role=\"img\" aria-labelledby=\"\(id)-t \(id)-d\">"
        s += "<title id=\"\(id)-t\">Learning curve: share of plan items done</title>"
        s +=
            "<desc id=\"\(id)-d\">\(Markup.esc(points.map { "\($0.date) \(Format.percent($0.adherence))" }.joined(separator: ", ")))</desc>"
        for v in [0.0, 0.5, 1.0] {
            s +=
                "<line x1=\"\(Markup.c(left))\" x2=\"\(Markup.c(w - right))\" y1=\"\(Markup.c(y(v)))\" y2=\"\(Markup.c(y(v)))\" stroke=\"\(Palette.grid)\"/>"
            s +=
                "<text x=\"\(Markup.c(left - 6))\" y=\"\(Markup.c(y(v) + 4))\" text-anchor=\"end\" class=\"tick\">\(Format.percent(v))</text>"
        }
        s +=
            "<polyline fill=\"none\" stroke=\"\(Palette.line)\" stroke-width=\"2\" points=\"\(points.map { "\(Markup.c(x($0.date))),\(Markup.c(y($0.adherence)))" }.joined(separator: " "))\"/>"
        for p in points {
            s +=
                "<circle cx=\"\(Markup.c(x(p.date)))\" cy=\"\(Markup.c(y(p.adherence)))\" r=\"3\" fill=\"\(Palette.line)\"><title>\(p.date): \(Format.percent(p.adherence))\(p.n.map { " of \(Format.number($0, places: 0)) items" } ?? "")</title></circle>"
        }
        s += "<text x=\"\(Markup.c(left))\" y=\"\(Markup.c(h - 8))\" class=\"tick\">\(first)</text>"
        s +=
            "<text x=\"\(Markup.c(w - right))\" y=\"\(Markup.c(h - 8))\" text-anchor=\"end\" class=\"tick\">\(last)</text>"
        return s + "</svg>"
    }

    /// Readiness 0–100 on a bar with its three zones (strained < 45 ≤ balanced < 70 ≤ recovered).
    public static func readiness(id: String, score: Double, state: String?) -> String {
        let w = 300.0
        let h = 44.0
        func x(_ v: Double) -> Double { 4 + v / 100 * (w - 8) }
        var s =
            "<svg class=\"gauge\" viewBox=\"0 0 \(Markup.c(w)) \(Markup.c(h))\" role=\"img\" aria-labelledby=\"\(id)-t\">"
        s +=
            "<title id=\"\(id)-t\">Readiness \(Format.number(score, places: 0)) of 100\(state.map { ", " + Markup.esc($0) } ?? "")</title>"
        for (lo, hi, fill) in [(0.0, 45.0, "#fecaca"), (45.0, 70.0, "#fde68a"), (70.0, 100.0, "#bbf7d0")] {
            s +=
                "<rect x=\"\(Markup.c(x(lo)))\" y=\"8\" width=\"\(Markup.c(x(hi) - x(lo)))\" height=\"14\" fill=\"\(fill)\"/>"
        }
        let mx = x(min(100, max(0, score)))
        s += "<rect x=\"\(Markup.c(mx - 2))\" y=\"2\" width=\"4\" height=\"26\" fill=\"#111827\"/>"
        for v in [0.0, 45, 70, 100] {
            s +=
                "<text x=\"\(Markup.c(x(v)))\" y=\"40\" text-anchor=\"\(v == 0 ? "start" : v == 100 ? "end" : "middle")\" class=\"tick\">\(Format.number(v, places: 0))</text>"
        }
        return s + "</svg>"
    }
}
