// --format md: the text report as Markdown, for a coach's notes, an issue or a wiki page.

import HOSCore

/// Renders a model as GitHub-flavoured Markdown (tables, no HTML).
public struct MarkdownReport {
    public var model: ReportModel
    /// Insights per analysis; 0 shows all.
    public var insightLimit: Int
    public var metricLimit: Int

    public init(_ model: ReportModel, insights: Int = 3, metrics: Int = 10) {
        self.model = model
        insightLimit = insights
        metricLimit = metrics
    }

    /// Text from input made inert: Markdown's inline punctuation escaped, line breaks and pipes kept out of tables.
    static func esc(_ s: String) -> String {
        var out = ""
        for c in Columns.oneLine(s) {
            if "\\`*_[]<>|~".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }

    /// The whole report, ending in a newline.
    public func render() -> String {
        var out: [String] = ["# hos report", ""]
        let users = model.users.count
        let analyses = model.analysisCount
        out.append("\(users) user\(users == 1 ? "" : "s"), \(analyses) analys\(analyses == 1 ? "is" : "es").")
        for user in model.users {
            out.append("")
            out.append("## " + Self.esc(user.userID) + (user.archetype.map { " · " + Self.esc($0) } ?? ""))
            for a in user.analyses { out += analysis(a, user) }
        }
        return out.joined(separator: "\n") + "\n"
    }

    func analysis(_ a: AnalysisReport, _ user: UserReport) -> [String] {
        let e = Self.esc
        var out = [""]
        let window = user.window(for: a)
        var head =
            a.analysisID.isEmpty
            ? (a.hasResults ? "Results without an analysis id" : "Records only")
            : "Analysis `\(a.analysisID.replacingBackticks)`"
        if let archetype = a.archetype, archetype != user.archetype { head += " (\(e(archetype)))" }
        if let asOf = a.asOf { head += ", as of \(asOf)" }
        if let w = window { head += "; charts \(w.lowerBound) to \(w.upperBound)" }
        out.append(head + ".")
        // A blank line between alerts: consecutive quoted lines would run into one paragraph.
        out += a.alerts.flatMap { ["", "> **Alert:** " + Self.esc(Phrases.alert($0))] }
        if !a.hasResults {
            out.append("")
            out.append(
                a.analysisID.isEmpty
                    ? "No agent results: pipe the records through hos-behavior and the other agents."
                    : "No agent results for this analysis yet.")
        }
        if !a.degraded.isEmpty {
            out.append("")
            out.append(
                "> **Degraded:** \(a.degraded.map(e).joined(separator: ", ")) failed, so their results are missing.")
        }
        var facts: [String] = []
        if let b = a.behavior {
            if let r = b.readiness {
                var s = "- **Readiness**"
                if let score = r.score { s += " \(Format.number(score, places: 0))/100" }
                if let state = r.state { s += " (\(e(state)))" }
                if let debt = r.sleepDebtHours { s += ", sleep debt \(Format.number(debt, places: 1)) h" }
                if let d = Phrases.drivers(r) { s += "; points: " + e(d) }
                facts.append(s)
            }
            if let s = Phrases.sleep(b) { facts.append("- **Sleep** " + e(s)) }
            if let s = Phrases.signature(b) { facts.append("- **Signature** " + e(s)) }
        }
        if let m = a.memory, let s = Phrases.memory(m) { facts.append("- **Memory** " + e(s)) }
        if !facts.isEmpty { out += [""] + facts }
        if let w = window { out += metrics(a, user, w) }
        if let b = a.behavior {
            let missing = Phrases.missing(b)
            if !missing.isEmpty { out += ["", "**Missing**", ""] + missing.map { "- " + Self.esc($0) } }
        }
        if !a.insights.isEmpty { out += insights(a.insights) }
        if let r = a.routine { out += routine(r) }
        if let n = a.nutrition { out += nutrition(n) }
        if let x = a.adaptation { out += adaptation(x) }
        if !a.otherSteps.isEmpty {
            out += ["", "### Other steps", ""]
            for s in a.otherSteps {
                out.append("- **\(e(s.step))** `" + Phrases.generic(s.value, limit: 200).replacingBackticks + "`")
            }
        }
        return out
    }

    func metrics(_ a: AnalysisReport, _ user: UserReport, _ window: ClosedRange<LocalDate>) -> [String] {
        let names = MetricInfo.shown(a.behavior, recorded: user.recordedMetrics(over: window), limit: metricLimit)
        guard !names.isEmpty else { return [] }
        let days = window.upperBound.days(since: window.lowerBound) + 1
        let daily = user.hasRecords(in: window)
        var out = [
            "", "### Metrics", "",
            "| metric | unit |" + (daily ? " \(days) days |" : "") + " baseline | recent | trend | anomalies |",
            "| --- | --- |" + (daily ? " --- |" : "") + " ---: | ---: | --- | --- |",
        ]
        for name in names {
            let m = a.behavior?.metrics[name]
            let spark = Spark.line(user.series(name, over: window), width: 60)
            let cells =
                [Self.esc(MetricInfo.label(name)), MetricInfo.unit(name)]
                + (daily ? [spark.allSatisfy { $0 == " " } ? "" : "`\(spark)`"] : []) + [
                    m?.baseline.map(Format.value) ?? "–", m?.recent.map(Format.value) ?? "–",
                    Phrases.trend(m?.trend), m.map { $0.anomalies.map(Phrases.anomaly).joined(separator: ", ") } ?? "",
                ]
            out.append("| " + cells.joined(separator: " | ") + " |")
        }
        if !daily { out += ["", Self.esc(Phrases.noDailyRecords)] }
        return out
    }

    func insights(_ all: [InsightResult]) -> [String] {
        let e = Self.esc
        var out = ["", "### Insights", ""]
        let shown = insightLimit > 0 ? Array(all.prefix(insightLimit)) : all
        for (i, insight) in shown.enumerated() {
            var s = "\(i + 1). **\(e(insight.title))**"
            let meta = Phrases.insightMeta(insight)
            if !meta.isEmpty { s += " (\(e(meta)))" }
            if let d = insight.detail { s += " " + e(d) }
            if let ev = Phrases.evidence(insight) { s += " *Evidence:* " + e(ev) + "." }
            if let act = insight.action { s += " *Action:* " + e(act) }
            out.append(s)
        }
        if shown.count < all.count { out += ["", "\(all.count - shown.count) more (`--insights 0` shows them all)."] }
        return out
    }

    func routine(_ r: RoutineResult) -> [String] {
        let e = Self.esc
        var head = "### Routine"
        if let d = r.date { head += " for \(d)" }
        var out = ["", head, ""]
        var facts: [String] = []
        if let d = r.difficulty { facts.append("difficulty \(Format.value(d))") }
        if let f = r.focus { facts.append("focus \(e(f))") }
        if let w = r.wake { facts.append("wake \(w)") }
        if let b = r.bedtime { facts.append("lights out \(b)") }
        if !facts.isEmpty { out += [facts.joined(separator: " · ").capitalizedFirst + ".", ""] }
        out += ["| start | end | minutes | category | intensity | item |", "| --- | --- | ---: | --- | ---: | --- |"]
        for item in r.items {
            let cells = [
                "\(item.start)", "\(item.end)", Format.number(item.durationMin, places: 0), e(item.category),
                item.intensity.map { Format.number($0, places: 0) + "/5" } ?? "", e(item.titleWithDays),
            ]
            out.append("| " + cells.joined(separator: " | ") + " |")
        }
        return out
    }

    func nutrition(_ n: NutritionResult) -> [String] {
        let e = Self.esc
        var head = "### Nutrition targets"
        if let d = n.date { head += " for \(d)" }
        var out = ["", head, ""]
        if let kcal = n.energyKcal {
            out += [
                "**\(Format.number(kcal, places: 0)) kcal**" + (n.goal.map { " (\(e($0)))" } ?? "")
                    + (Phrases.macros(n).map { " · " + e($0) } ?? ""), "",
            ]
        } else if let m = Phrases.macros(n) {
            out += [e(m), ""]
        }
        if !n.meals.isEmpty {
            out += ["| time | meal | kcal | protein g | focus |", "| --- | --- | ---: | ---: | --- |"]
            for m in n.meals {
                let cells = [
                    m.time.map(\.description) ?? "", e(m.name), m.kcal.map { Format.number($0, places: 0) } ?? "",
                    m.proteinG.map { Format.number($0, places: 0) } ?? "", m.focus.map(e) ?? "",
                ]
                out.append("| " + cells.joined(separator: " | ") + " |")
            }
        }
        return out
    }

    func adaptation(_ x: AdaptationResult) -> [String] {
        let e = Self.esc
        var out = ["", "### Adaptation", ""]
        if let d = Phrases.difficulty(x) { out.append("- " + e(d).capitalizedFirst) }
        if let p = Phrases.predicted(x) { out.append("- " + e(p).capitalizedFirst) }
        for ex in x.experiments {
            out.append("- Experiment **\(e(ex.dimension))**, chance each arm is the best: " + e(Phrases.arms(ex)))
        }
        if let c = Phrases.curve(x) {
            let spark = x.curve.count > 1 ? " `\(Spark.line(x.curve.map(\.adherence), width: 60, scale: 0...1))`" : ""
            out.append("- Learning curve:" + spark + " " + e(c))
        }
        return out + learned(x)
    }

    /// What hos-adapt learned of the person: a list, then the tolerance and item verdicts as tables.
    func learned(_ x: AdaptationResult) -> [String] {
        let e = Self.esc
        var out: [String] = []
        if !x.learned.isEmpty {
            out.append("- Learned of the person:")
            out += x.learned.map { "  - " + e(Phrases.learned($0)).capitalizedFirst }
            if let d = x.difficultyTo { out.append("  - Difficulty " + e(d)) }
        }
        if let s = x.archetypeSwitch { out.append("- Archetype switch: " + e(Phrases.archetypeSwitch(s))) }
        if !x.tolerance.isEmpty {
            out += [
                "", "| category | max intensity | evidence | state | reason |", "| --- | ---: | ---: | --- | --- |",
            ]
            for t in x.tolerance {
                let cells = [
                    e(t.category), t.maxIntensity.map { "\($0)/5" } ?? "", t.evidence.map(Phrases.count) ?? "",
                    e(t.state ?? ""), e(t.reason ?? ""),
                ]
                out.append("| " + cells.joined(separator: " | ") + " |")
            }
        }
        if !x.items.isEmpty {
            out += [
                "", "| item | category | completion | n | verdict | action | reason |",
                "| --- | --- | ---: | ---: | --- | --- | --- |",
            ]
            for i in x.items {
                let cells = [
                    e(i.item), e(i.category ?? ""), i.completion.map(Format.percent) ?? "",
                    i.n.map(Phrases.count) ?? "",
                    e(i.verdict ?? ""), e(i.action ?? ""), e(i.reason ?? ""),
                ]
                out.append("| " + cells.joined(separator: " | ") + " |")
            }
        }
        return out
    }
}

extension String {
    /// With its first letter in upper case.
    var capitalizedFirst: String {
        guard let f = first else { return self }
        return f.uppercased() + dropFirst()
    }

    /// Backticks turned into quotes, so the text can sit inside a Markdown code span.
    var replacingBackticks: String { String(map { $0 == "`" ? "'" : $0 }) }
}
