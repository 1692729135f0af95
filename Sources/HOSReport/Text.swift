// --format text: a per-user summary for the terminal, width-aware, coloured only when asked.

import HOSCore

/// How the text report is laid out.
public struct TextOptions: Sendable {
    /// Columns available (at least 40).
    public var width: Int
    /// ANSI colours (on a terminal, without NO_COLOR).
    public var color: Bool
    /// Insights shown per analysis; 0 shows all.
    public var insights: Int
    /// Metrics shown per analysis.
    public var metrics: Int

    public init(width: Int = 80, color: Bool = false, insights: Int = 3, metrics: Int = 10) {
        self.width = max(40, width)
        self.color = color
        self.insights = insights
        self.metrics = metrics
    }
}

/// Renders a model as terminal text.
public struct TextReport {
    public var model: ReportModel
    public var options: TextOptions

    public init(_ model: ReportModel, options: TextOptions = TextOptions()) {
        self.model = model
        self.options = options
    }

    var width: Int { options.width }

    enum Style: String {
        case bold = "1"
        case dim = "2"
        case red = "31"
        case green = "32"
        case yellow = "33"
        case cyan = "36"
    }

    /// Styles are applied after a line is laid out, so escape codes never count as columns.
    func paint(_ s: String, _ style: Style...) -> String {
        guard options.color, !s.isEmpty, !style.isEmpty else { return s }
        return "\u{1B}[" + style.map(\.rawValue).joined(separator: ";") + "m" + s + "\u{1B}[0m"
    }

    /// The whole report, ending in a newline.
    public func render() -> String {
        var out: [String] = []
        let users = model.users.count
        let analyses = model.analysisCount
        out.append(
            paint("hos report", .bold)
                + " · \(users) user\(users == 1 ? "" : "s") · \(analyses) analys\(analyses == 1 ? "is" : "es")")
        if model.users.isEmpty {
            out.append("")
            out += Columns.wrap(
                "No users in the input: pipe in health_record events, agent results or analysis_complete events.", width
            )
        }
        for user in model.users {
            out.append("")
            out += userBlock(user)
        }
        // Empty trailing cells leave spaces that nobody needs (and golden files would keep).
        return out.map { l in String(l.reversed().drop { $0 == " " }.reversed()) }.joined(separator: "\n") + "\n"
    }

    /// A section's bold name and its facts, on one line when they fit, else the facts wrapped below.
    func heading(_ name: String, _ facts: [String]) -> [String] {
        let text = facts.joined(separator: " · ")
        if facts.isEmpty { return ["", paint(name, .bold)] }
        if Columns.width(name + " for " + text) <= width {
            return ["", paint(name, .bold) + paint(" for " + text, .dim)]
        }
        return ["", paint(name, .bold)] + Columns.wrap(text, width - 2).map { "  " + paint($0, .dim) }
    }

    /// A label column of 12, then the text wrapped under itself.
    func labelled(_ label: String, _ text: String, style: Style? = nil) -> [String] {
        Columns.wrap(text, width - 12).enumerated().map { i, l in
            (i == 0 ? paint(Columns.pad(label, 12), .bold) : String(repeating: " ", count: 12))
                + (style.map { paint(l, $0) } ?? l)
        }
    }

    func userBlock(_ user: UserReport) -> [String] {
        var out: [String] = []
        let title = Columns.oneLine(user.userID) + (user.archetype.map { " · " + Columns.oneLine($0) } ?? "")
        out.append(paint(Columns.truncate(title, width), .bold, .cyan))
        out.append(paint(String(repeating: "═", count: width), .cyan))
        for (i, a) in user.analyses.enumerated() {
            if i > 0 { out.append("") }
            out += analysisBlock(a, user)
        }
        return out
    }

    func analysisBlock(_ a: AnalysisReport, _ user: UserReport) -> [String] {
        var out: [String] = []
        var head: [String] = []
        head.append(
            a.analysisID.isEmpty
                ? (a.hasResults ? "results without an analysis id" : "records only")
                : "analysis " + Columns.oneLine(a.analysisID))
        if let archetype = a.archetype, archetype != user.archetype { head.append(Columns.oneLine(archetype)) }
        let window = user.window(for: a)
        if let asOf = a.asOf {
            head.append("as of \(asOf)")
        } else if let w = window {
            head.append("records to \(w.upperBound)")
        }
        out += Columns.wrap(head.joined(separator: " · "), width).map { paint($0, .dim) }
        for alert in a.alerts {
            out += labelled("Alert", Phrases.alert(alert), style: alert.severity == "critical" ? .red : .yellow)
        }
        if !a.hasResults {
            out += Columns.wrap(
                a.analysisID.isEmpty
                    ? "No agent results: pipe the records through hos-behavior and the other agents."
                    : "No agent results for this analysis yet.", width)
        }
        if !a.degraded.isEmpty {
            out += labelled(
                "Degraded",
                a.degraded.map(Columns.oneLine).joined(separator: ", ")
                    + ": these steps failed, so their results are missing", style: .yellow)
        }
        if let b = a.behavior {
            if let r = b.readiness { out += readiness(r) }
            if let s = Phrases.sleep(b) { out += labelled("Sleep", s) }
            if let s = Phrases.signature(b) { out += labelled("Signature", s) }
        }
        if let m = a.memory, let s = Phrases.memory(m) { out += labelled("Memory", s) }
        if let w = window { out += metrics(a, user, w) }
        if let b = a.behavior { out += missing(b) }
        if !a.insights.isEmpty { out += insights(a.insights) }
        if let r = a.routine { out += routine(r) }
        if let n = a.nutrition { out += nutrition(n) }
        if let x = a.adaptation { out += adaptation(x) }
        if !a.otherSteps.isEmpty {
            out.append("")
            out.append(paint("Other steps", .bold))
            for s in a.otherSteps {
                let name = Columns.truncate(Columns.oneLine(s.step), 16)
                out.append(
                    "  " + name + "  " + Phrases.generic(s.value, limit: max(10, width - 4 - Columns.width(name))))
            }
        }
        return out
    }

    func readiness(_ r: Readiness) -> [String] {
        var line = ""
        var plain = 0
        if let score = r.score {
            let head = "\(Format.number(score, places: 0))/100" + (r.state.map { " " + Columns.oneLine($0) } ?? "")
            let cells = max(0, min(20, width - 14 - Columns.width(head)))
            let filled = Int((score / 100 * Double(cells)).rounded())
            let style: Style = r.state == "recovered" ? .green : r.state == "strained" ? .red : .yellow
            line =
                paint("\(Format.number(score, places: 0))/100", .bold)
                + (r.state.map { " " + paint(Columns.oneLine($0), style) } ?? "")
                + (cells > 0
                    ? "  " + paint(String(repeating: "█", count: filled), style)
                        + paint(String(repeating: "░", count: cells - filled), .dim) : "")
            plain = Columns.width(head) + (cells > 0 ? cells + 2 : 0)
        } else if let state = r.state {
            line = Columns.oneLine(state)
            plain = Columns.width(line)
        }
        var rest: [String] = []
        if let debt = r.sleepDebtHours {
            let d = "sleep debt \(Format.number(debt, places: 1)) h"
            if 12 + plain + 2 + Columns.width(d) <= width { line += "  " + d } else { rest.append(d) }
        }
        if let d = Phrases.drivers(r) { rest.append("points: " + d) }
        var out = [paint(Columns.pad("Readiness", 12), .bold) + line]
        if !rest.isEmpty {
            out += Columns.wrap(rest.joined(separator: " · "), width - 12).map {
                String(repeating: " ", count: 12) + paint($0, .dim)
            }
        }
        return out
    }

    func metrics(_ a: AnalysisReport, _ user: UserReport, _ window: ClosedRange<LocalDate>) -> [String] {
        let names = MetricInfo.shown(a.behavior, recorded: user.recordedMetrics(over: window), limit: options.metrics)
        guard !names.isEmpty else { return [] }
        let days = window.upperBound.days(since: window.lowerBound) + 1
        // Columns: indent 2, name and a space, the sparkline and a space, baseline 8, recent 8, 2, trend ≈ 10.
        let nameWidth = width >= 60 ? 18 : 13
        let room = width - 32 - nameWidth
        let spark = room >= 10 && user.hasRecords(in: window) ? min(days, room) : 0
        var out = [""]
        var sparkHead = ""
        if spark > 0 {
            let long = "\(days) days to \(window.upperBound)"
            let short = "\(days) days"
            sparkHead = Columns.pad(
                Columns.width(long) <= spark ? long : Columns.width(short) <= spark ? short : "", spark + 1)
        }
        out.append(
            paint(Columns.pad("Metrics", nameWidth + 3), .bold) + paint(sparkHead + "baseline  recent  trend", .dim))
        var anomalies: [String] = []
        for name in names {
            let m = a.behavior?.metrics[name]
            let unit = MetricInfo.unit(name)
            var row = "  " + Columns.pad(MetricInfo.label(name) + (unit.isEmpty ? "" : " " + unit), nameWidth) + " "
            if spark > 0 {
                row += Columns.pad(Spark.line(user.series(name, over: window), width: spark), spark) + " "
            }
            row += Columns.pad(m?.baseline.map(Format.value) ?? "–", 8, right: true)
            row += Columns.pad(m?.recent.map(Format.value) ?? "–", 8, right: true) + "  "
            var trend = Phrases.trend(m?.trend)
            // Where the slope does not fit, the arrow alone says which way.
            if Columns.width(row) + Columns.width(trend) > width { trend = Spark.arrow(m?.trend?.direction) }
            let sign = m?.trend?.direction == "rising" ? 1 : m?.trend?.direction == "falling" ? -1 : 0
            let good = sign * MetricInfo.better(name)
            out.append(
                row
                    + (good > 0
                        ? paint(trend, .green) : good < 0 ? paint(trend, .red) : sign == 0 ? paint(trend, .dim) : trend)
            )
            if let m, !m.anomalies.isEmpty {
                anomalies.append(
                    MetricInfo.label(name) + " " + m.anomalies.map(Phrases.anomaly).joined(separator: ", "))
            }
        }
        if !anomalies.isEmpty {
            out += Columns.wrap("anomalies: " + anomalies.joined(separator: "; "), width - 2, indent: "  ")
                .map { "  " + paint($0, .yellow) }
        }
        if !user.hasRecords(in: window) {
            out += Columns.wrap(Phrases.noDailyRecords, width - 2).map { "  " + paint($0, .dim) }
        }
        return out
    }

    /// Why parts of the behaviour analysis are missing, under the metrics whose gaps they explain.
    func missing(_ b: BehaviorResult) -> [String] {
        // A terminal names a few metrics per reason; the other formats name them all.
        let lines = Phrases.missing(b, names: 4)
        guard !lines.isEmpty else { return [] }
        return [""] + lines.enumerated().flatMap { i, l in labelled(i == 0 ? "Missing" : "", l, style: .dim) }
    }

    func insights(_ all: [InsightResult]) -> [String] {
        var out = ["", paint("Insights", .bold)]
        let shown = options.insights > 0 ? Array(all.prefix(options.insights)) : all
        for (i, insight) in shown.enumerated() {
            let number = "\(i + 1). "
            let meta = Phrases.insightMeta(insight)
            let indent = String(repeating: " ", count: 2 + number.count)
            let titleRoom = width - indent.count - (meta.isEmpty ? 0 : Columns.width(meta) + 2)
            let title = Columns.oneLine(insight.title)
            if meta.isEmpty || (titleRoom >= 24 && Columns.width(title) <= titleRoom) || titleRoom >= 40 {
                let shown = Columns.truncate(title, meta.isEmpty ? width - indent.count : titleRoom)
                let gap = max(2, width - indent.count - Columns.width(shown) - Columns.width(meta))
                out.append(
                    indent.dropLast(number.count) + number + paint(shown, .bold)
                        + (meta.isEmpty ? "" : String(repeating: " ", count: gap) + paint(meta, .dim)))
            } else {
                // Narrow: the title wraps, and kind and confidence go on a line of their own.
                let lines = Columns.wrap(title, width - indent.count)
                out.append(indent.dropLast(number.count) + number + paint(lines[0], .bold))
                out += lines.dropFirst().map { indent + paint($0, .bold) }
                out.append(indent + paint(Columns.truncate(meta, width - indent.count), .dim))
            }
            if let d = insight.detail {
                out += Columns.wrap(Columns.oneLine(d), width - indent.count).map { indent + $0 }
            }
            if let e = Phrases.evidence(insight) {
                out += Columns.wrap(e, width - indent.count).map { indent + paint($0, .dim) }
            }
            if let act = insight.action {
                out += Columns.wrap("→ " + Columns.oneLine(act), width - indent.count, indent: "  ").map {
                    indent + paint($0, .green)
                }
            }
        }
        if shown.count < all.count {
            out.append(paint("  + \(all.count - shown.count) more (--insights 0 shows them all)", .dim))
        }
        return out
    }

    func routine(_ r: RoutineResult) -> [String] {
        var head: [String] = []
        if let d = r.date { head.append(d.description) }
        if let d = r.difficulty { head.append("difficulty \(Format.value(d))") }
        if let f = r.focus { head.append("focus " + Columns.oneLine(f)) }
        var out = heading("Routine", head)
        if let w = r.wake { out.append("  \(w)  " + paint("○", .cyan) + " wake") }
        for item in r.items {
            let minutes = Columns.pad(Format.number(item.durationMin, places: 0) + " min", 6, right: true)
            let lead = "  \(item.start)  " + paint("│", .cyan) + " "
            let under = "         " + paint("│", .cyan) + " "
            if width >= 64 {
                // time 5, the line, category 12, minutes 6, intensity 5: the title starts at column 39.
                let dots =
                    item.intensity.map { v -> String in
                        let k = min(5, max(0, Int(v.rounded())))
                        return String(repeating: "●", count: k) + String(repeating: "○", count: 5 - k)
                    } ?? "     "
                let title = Columns.wrap(Columns.oneLine(item.titleWithDays), width - 39)
                out.append(
                    lead + Columns.pad(Columns.oneLine(item.category), 12) + " " + minutes + "  " + paint(dots, .yellow)
                        + "  " + title[0])
                out += title.dropFirst().map { under + String(repeating: " ", count: 28) + $0 }
            } else {
                // Narrow: minutes, then category and title wrapped from column 19.
                let text = Columns.wrap(
                    Columns.oneLine(item.category) + ": " + Columns.oneLine(item.titleWithDays), width - 19)
                out.append(lead + minutes + "  " + text[0])
                out += text.dropFirst().map { under + String(repeating: " ", count: 8) + $0 }
            }
        }
        if let b = r.bedtime { out.append("  \(b)  " + paint("●", .cyan) + " lights out") }
        return out
    }

    func nutrition(_ n: NutritionResult) -> [String] {
        var head: [String] = []
        if let d = n.date { head.append(d.description) }
        if let e = n.energyKcal {
            head.append("\(Format.number(e, places: 0)) kcal" + (n.goal.map { " (\(Columns.oneLine($0)))" } ?? ""))
        }
        var out = heading("Nutrition", head)
        if let m = Phrases.macros(n) { out += Columns.wrap(m, width - 2).map { "  " + $0 } }
        if !n.meals.isEmpty {
            out += Columns.wrap(
                "meals " + n.meals.map(Phrases.meal).joined(separator: " · "), width - 2, indent: "      "
            )
            .map { "  " + $0 }
        }
        return out
    }

    func adaptation(_ x: AdaptationResult) -> [String] {
        var out = ["", paint("Adaptation", .bold)]
        if let d = Phrases.difficulty(x) { out += Columns.wrap(d, width - 2, indent: "  ").map { "  " + $0 } }
        if let p = Phrases.predicted(x) { out.append("  " + p) }
        for e in x.experiments {
            let name = Columns.pad(Columns.oneLine(e.dimension), 14)
            for (i, l) in Columns.wrap(Phrases.arms(e, chosenMark: " ◀ chosen"), width - 18).enumerated() {
                out.append("  " + (i == 0 ? name : String(repeating: " ", count: 14)) + "  " + l)
            }
        }
        if !x.experiments.isEmpty { out.append(paint("  (each arm's chance of being the best)", .dim)) }
        if let c = Phrases.curve(x) {
            let spark =
                x.curve.count > 1
                ? Spark.line(x.curve.map(\.adherence), width: min(30, width - 40), scale: 0...1) + "  " : ""
            out += Columns.wrap(spark + c, width - 2, indent: "  ").map { "  " + $0 }
        }
        return out + learned(x)
    }

    /// What hos-adapt learned of the person: the arm of each dimension with its evidence, the difficulty, an
    /// archetype switch, the intensity tolerance per category and each item's verdict (those present).
    func learned(_ x: AdaptationResult) -> [String] {
        var out: [String] = []
        func rows(_ label: String, _ lines: [String]) {
            for (k, line) in lines.enumerated() {
                for (i, l) in Columns.wrap(line, width - 18, indent: "  ").enumerated() {
                    out.append("  " + Columns.pad(i == 0 && k == 0 ? label : "", 14) + "  " + l)
                }
            }
        }
        var learned = x.learned.map(Phrases.learned)
        if !learned.isEmpty, let d = x.difficultyTo { learned.append("difficulty " + Columns.oneLine(d)) }
        rows("learned", learned)
        if let s = x.archetypeSwitch { rows("archetype", [Phrases.archetypeSwitch(s)]) }
        // On a terminal only what changes a plan: capped categories and items not kept (the other formats
        // list them all).
        rows("tolerance", Phrases.toleranceRows(x.tolerance))
        rows("items", Phrases.itemRows(x.items))
        return out
    }
}
