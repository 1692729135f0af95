// --format html: one self-contained page (inline CSS and SVG, no scripts, no URLs) to hand over or print.

import HOSCore

/// Renders a model as one HTML file that needs nothing else: no network, no fonts, no scripts.
public struct HTMLReport {
    public var model: ReportModel
    public var title: String
    /// Metrics charted per analysis.
    public var metricLimit: Int

    public init(_ model: ReportModel, title: String = "hos report", metrics: Int = 10) {
        self.model = model
        self.title = title
        metricLimit = metrics
    }

    static let css = """
        :root { color-scheme: light; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
          color: #111827; background: #f3f4f6; }
        header.page, main, footer { max-width: 1100px; margin: 0 auto; padding: 0 20px; }
        header.page { padding-top: 24px; }
        h1 { font-size: 1.7rem; margin: 0 0 4px; }
        h2 { font-size: 1.35rem; margin: 0 0 2px; }
        h3 { font-size: 1.1rem; margin: 18px 0 6px; color: #1f2937; }
        h4 { font-size: .95rem; margin: 16px 0 6px; text-transform: uppercase; letter-spacing: .04em; color: #374151; }
        .muted, .tick { color: #4b5563; fill: #4b5563; }
        .tick { font-size: 13px; }
        .block { font-size: 12px; fill: #111827; }
        nav ul { list-style: none; padding: 0; margin: 10px 0 0; display: flex; flex-wrap: wrap; gap: 6px 14px; }
        a { color: #1d4ed8; }
        section.user { background: #fff; border-radius: 10px; padding: 18px 22px; margin: 18px 0;
          box-shadow: 0 1px 3px rgba(0,0,0,.12); }
        .arch { font-weight: 400; color: #4b5563; font-size: 1rem; margin-left: 6px; }
        article + article { border-top: 1px solid #e5e7eb; margin-top: 18px; }
        .facts { display: grid; grid-template-columns: minmax(240px, 320px) 1fr; gap: 8px 24px; align-items: start; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
        dt { font-weight: 600; }
        dd { margin: 0; }
        .score { font-size: 1.6rem; font-weight: 700; }
        .state-recovered { color: #166534; } .state-balanced { color: #92400e; } .state-strained { color: #991b1b; }
        .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 12px 22px; }
        figure { margin: 0; }
        figcaption { font-weight: 600; font-size: .9rem; }
        figcaption .muted { font-weight: 400; }
        svg { width: 100%; height: auto; display: block; }
        svg.gauge { max-width: 300px; }
        .legend { font-size: .85rem; color: #374151; margin: 4px 0 0; }
        .swatch { display: inline-block; width: 12px; height: 12px; vertical-align: -1px; margin: 0 4px 0 10px; border: 1px solid #9ca3af; }
        table { border-collapse: collapse; width: 100%; font-size: .88rem; }
        th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
        th { background: #f9fafb; font-weight: 600; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        td:first-child { white-space: nowrap; }
        .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
        .card { border: 1px solid #d1d5db; border-left: 5px solid #1d4ed8; border-radius: 8px; padding: 10px 14px; background: #fff; }
        .card h5 { font-size: 1rem; margin: 4px 0; }
        .card p { margin: 4px 0; }
        .kind { display: inline-block; font-size: .75rem; font-weight: 700; text-transform: uppercase; letter-spacing: .05em;
          padding: 1px 8px; border-radius: 9px; background: #e0e7ff; color: #1e3a8a; }
        .kind-risk, .kind-anomaly { background: #fee2e2; color: #7f1d1d; }
        .kind-milestone, .kind-progress { background: #dcfce7; color: #14532d; }
        .card-risk, .card-anomaly { border-left-color: #b91c1c; }
        .card-milestone, .card-progress { border-left-color: #15803d; }
        .action { font-weight: 600; }
        meter { width: 120px; height: 12px; vertical-align: -1px; }
        .bar { display: inline-block; width: 140px; height: 10px; background: #e5e7eb; border-radius: 5px; vertical-align: 0; }
        .bar span { display: block; height: 10px; background: #1d4ed8; border-radius: 5px; }
        .warn { background: #fef3c7; border: 1px solid #d97706; color: #78350f; padding: 8px 12px; border-radius: 6px; }
        pre { background: #f9fafb; border: 1px solid #e5e7eb; padding: 8px; overflow-x: auto; font-size: .82rem;
          white-space: pre-wrap; word-break: break-all; }
        footer { color: #4b5563; font-size: .85rem; padding-bottom: 24px; }
        @media (max-width: 720px) { .facts { grid-template-columns: 1fr; } }
        @media print {
          body { background: #fff; font-size: 10pt; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
          nav { display: none; }
          section.user { box-shadow: none; border-radius: 0; padding: 0; margin: 0; break-before: page; }
          section.user:first-of-type { break-before: auto; }
          figure, .card, table, svg, .facts { break-inside: avoid; }
          h3, h4 { break-after: avoid; }
          a { color: inherit; text-decoration: none; }
        }
        """

    /// The whole page.
    public func render() -> String {
        var s = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        s += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        s += "<title>\(Markup.esc(title))</title>\n<style>\n\(HTMLReport.css)\n</style>\n</head>\n<body>\n"
        let users = model.users.count
        let analyses = model.analysisCount
        s += "<header class=\"page\">\n<h1>\(Markup.esc(title))</h1>\n"
        s +=
            "<p class=\"muted\">\(users) user\(users == 1 ? "" : "s") · \(analyses) analys\(analyses == 1 ? "is" : "es")</p>\n"
        if users > 1 {
            s += "<nav aria-label=\"Users\"><ul>"
            for (i, u) in model.users.enumerated() {
                s +=
                    "<li><a href=\"#u\(i + 1)\">\(Markup.esc(u.userID))</a>\(u.archetype.map { " <span class=\"muted\">\(Markup.esc($0))</span>" } ?? "")</li>"
            }
            s += "</ul></nav>\n"
        }
        s += "</header>\n<main>\n"
        if model.users.isEmpty {
            s +=
                "<p>No users in the input: pipe in health_record events, agent results or analysis_complete events.</p>\n"
        }
        for (i, u) in model.users.enumerated() { s += user(u, id: "u\(i + 1)") }
        s +=
            "</main>\n<footer><p>Written by hos-report. Charts: the blue band is the user's usual range (baseline ± 1.4826 × MAD over the analysis window), the dashed line the baseline (median), red dots anomalies (modified z-score beyond 3.5).</p></footer>\n"
        return s + "</body>\n</html>\n"
    }

    func user(_ u: UserReport, id: String) -> String {
        var s = "<section class=\"user\" id=\"\(id)\" aria-labelledby=\"\(id)-h\">\n"
        s +=
            "<h2 id=\"\(id)-h\">\(Markup.esc(u.userID))\(u.archetype.map { "<span class=\"arch\">\(Markup.esc($0))</span>" } ?? "")</h2>\n"
        for (k, a) in u.analyses.enumerated() { s += analysis(a, u, id: "\(id)-a\(k + 1)") }
        return s + "</section>\n"
    }

    func analysis(_ a: AnalysisReport, _ u: UserReport, id: String) -> String {
        var s = "<article aria-labelledby=\"\(id)-h\">\n"
        var head =
            a.analysisID.isEmpty
            ? (a.hasResults ? "Results without an analysis id" : "Records only")
            : "Analysis \(Markup.esc(a.analysisID))"
        if let archetype = a.archetype, archetype != u.archetype { head += " · \(Markup.esc(archetype))" }
        let window = u.window(for: a)
        var sub: [String] = []
        if let asOf = a.asOf { sub.append("as of \(asOf)") }
        if let w = window { sub.append("charts \(w.lowerBound) to \(w.upperBound)") }
        s +=
            "<h3 id=\"\(id)-h\">\(head)\(sub.isEmpty ? "" : " <span class=\"muted\">· \(sub.joined(separator: " · "))</span>")</h3>\n"
        for alert in a.alerts {
            s += "<p class=\"warn\" role=\"alert\"><strong>Alert:</strong> \(Markup.esc(Phrases.alert(alert)))</p>\n"
        }
        if !a.hasResults {
            s +=
                "<p>\(a.analysisID.isEmpty ? "No agent results: pipe the records through hos-behavior and the other agents." : "No agent results for this analysis yet.")</p>\n"
        }
        if !a.degraded.isEmpty {
            s +=
                "<p class=\"warn\" role=\"note\"><strong>Degraded:</strong> \(Markup.esc(a.degraded.joined(separator: ", "))) failed, so their results are missing.</p>\n"
        }
        s += facts(a, id: id)
        if !a.insights.isEmpty { s += insights(a.insights) }
        if let w = window {
            if u.hasRecords(in: w) {
                s += charts(a, u, w, id: id)
            } else if a.behavior != nil {
                s += "<p class=\"muted\">\(Markup.esc(Phrases.noDailyRecords))</p>\n"
            }
        }
        if let r = a.routine { s += routine(r, id: id) }
        if let n = a.nutrition { s += nutrition(n) }
        if let x = a.adaptation { s += adaptation(x, id: id) }
        if let b = a.behavior, !b.metrics.isEmpty { s += metricTable(b) }
        if !a.otherSteps.isEmpty {
            s += "<h4>Other steps</h4>\n"
            for o in a.otherSteps {
                s += "<p><strong>\(Markup.esc(o.step))</strong></p><pre>\(Markup.esc(Self.pretty(o.value)))</pre>\n"
            }
        }
        if !a.timings.isEmpty {
            s +=
                "<p class=\"muted\">Step times: \(Markup.esc(a.timings.map { "\($0.step) \(Format.number($0.ms, places: 0)) ms" }.joined(separator: ", ")))</p>\n"
        }
        return s + "</article>\n"
    }

    func facts(_ a: AnalysisReport, id: String) -> String {
        var rows: [(String, String)] = []
        var gauge = ""
        if let b = a.behavior {
            if let r = b.readiness {
                if let score = r.score {
                    let state =
                        r.state.map { " <span class=\"state-\(Markup.esc($0))\">\(Markup.esc($0))</span>" } ?? ""
                    gauge =
                        "<div><div><span class=\"score\">\(Format.number(score, places: 0))</span>/100\(state) readiness</div>"
                        + Charts.readiness(id: id + "-r", score: score, state: r.state) + "</div>\n"
                } else if let state = r.state {
                    rows.append(("Readiness", Markup.esc(state)))
                }
                if let debt = r.sleepDebtHours {
                    rows.append(("Sleep debt", "\(Format.number(debt, places: 1)) h over the last 7 nights"))
                }
                if let d = Phrases.drivers(r) { rows.append(("Readiness points", Markup.esc(d))) }
            }
            if let t = Phrases.sleep(b) { rows.append(("Sleep", Markup.esc(t))) }
            if let t = Phrases.signature(b) { rows.append(("Signature", Markup.esc(t))) }
            let missing = Phrases.missing(b)
            if !missing.isEmpty { rows.append(("Missing", missing.map(Markup.esc).joined(separator: "<br>"))) }
        }
        if let m = a.memory, let t = Phrases.memory(m) { rows.append(("Memory", Markup.esc(t))) }
        guard !rows.isEmpty || !gauge.isEmpty else { return "" }
        var s = "<div class=\"facts\">\n" + (gauge.isEmpty ? "<div></div>\n" : gauge)
        s += "<dl>" + rows.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }.joined() + "</dl>\n"
        return s + "</div>\n"
    }

    func charts(_ a: AnalysisReport, _ u: UserReport, _ window: ClosedRange<LocalDate>, id: String) -> String {
        // A chart needs at least one day's value; the table below has every metric anyway.
        let names = MetricInfo.shown(a.behavior, recorded: u.recordedMetrics(over: window), limit: metricLimit)
            .filter { u.series($0, over: window).contains { $0 != nil } }
        guard !names.isEmpty else { return "" }
        var s = "<h4>Metrics</h4>\n<div class=\"charts\">\n"
        for (k, name) in names.enumerated() {
            let m = a.behavior?.metrics[name]
            let unit = MetricInfo.unit(name)
            var caption =
                Markup.esc(MetricInfo.label(name))
                + (unit.isEmpty ? "" : " <span class=\"muted\">\(Markup.esc(unit))</span>")
            var notes: [String] = []
            if let b = m?.baseline { notes.append("baseline \(Format.value(b))") }
            if let r = m?.recent { notes.append("recent \(Format.value(r))") }
            let t = Phrases.trend(m?.trend)
            if !t.isEmpty { notes.append(t) }
            if !notes.isEmpty {
                caption += " <span class=\"muted\">· \(Markup.esc(notes.joined(separator: " · ")))</span>"
            }
            s += "<figure><figcaption>\(caption)</figcaption>"
            s += Charts.metric(
                id: "\(id)-m\(k + 1)", name: name, values: u.series(name, over: window), start: window.lowerBound,
                summary: m)
            s += "</figure>\n"
        }
        s += "</div>\n"
        s += "<p class=\"legend\"><span class=\"swatch\" style=\"background:\(Palette.band)\"></span>usual range"
        s += "<span class=\"swatch\" style=\"background:\(Palette.baseline)\"></span>baseline"
        s += "<span class=\"swatch\" style=\"background:\(Palette.anomaly)\"></span>anomaly</p>\n"
        return s
    }

    func metricTable(_ b: BehaviorResult) -> String {
        var s = "<h4>All metrics</h4>\n<table><thead><tr><th scope=\"col\">metric</th><th scope=\"col\">unit</th>"
        s +=
            "<th scope=\"col\" class=\"num\">days</th><th scope=\"col\" class=\"num\">baseline</th><th scope=\"col\" class=\"num\">recent</th>"
        s +=
            "<th scope=\"col\">trend</th><th scope=\"col\" class=\"num\">p</th><th scope=\"col\" class=\"num\">CV</th><th scope=\"col\">anomalies</th></tr></thead><tbody>\n"
        for name in b.metrics.keys.sorted() {
            let m = b.metrics[name]!
            s +=
                "<tr><th scope=\"row\">\(Markup.esc(MetricInfo.label(name)))</th><td>\(Markup.esc(MetricInfo.unit(name)))</td>"
            s += "<td class=\"num\">\(m.n.map { Format.number(Double($0), places: 0) } ?? "")</td>"
            s +=
                "<td class=\"num\">\(m.baseline.map(Format.value) ?? "")</td><td class=\"num\">\(m.recent.map(Format.value) ?? "")</td>"
            s +=
                "<td>\(Markup.esc(Phrases.trend(m.trend)))</td><td class=\"num\">\(m.trend?.pValue.map { Format.number($0, places: 3) } ?? "")</td>"
            s += "<td class=\"num\">\(m.variability?.cv.map { Format.number($0, places: 2) } ?? "")</td>"
            s += "<td>\(Markup.esc(m.anomalies.map(Phrases.anomaly).joined(separator: ", ")))</td></tr>\n"
        }
        return s + "</tbody></table>\n"
    }

    func insights(_ all: [InsightResult]) -> String {
        var s = "<h4>Insights</h4>\n<div class=\"cards\">\n"
        for i in all {
            let kind = Markup.esc(i.kind ?? "insight")
            s += "<div class=\"card card-\(kind)\" role=\"group\" aria-label=\"\(Markup.esc(i.title))\">"
            s += "<span class=\"kind kind-\(kind)\">\(kind)</span>"
            s += "<h5>\(Markup.esc(i.title))</h5>"
            if let d = i.detail { s += "<p>\(Markup.esc(d))</p>" }
            if let c = i.confidence {
                s +=
                    "<p>Confidence <meter min=\"0\" max=\"1\" value=\"\(Format.raw(c))\" aria-label=\"confidence \(Format.percent(c))\">\(Format.percent(c))</meter> \(Format.percent(c))</p>"
            }
            if let e = Phrases.evidence(i) { s += "<p class=\"muted\">\(Markup.esc(e))</p>" }
            if let act = i.action { s += "<p class=\"action\">→ \(Markup.esc(act))</p>" }
            s += "</div>\n"
        }
        return s + "</div>\n"
    }

    func routine(_ r: RoutineResult, id: String) -> String {
        var head = "Routine"
        if let d = r.date { head += " for \(d)" }
        var facts: [String] = []
        if let d = r.difficulty { facts.append("difficulty \(Format.value(d))") }
        if let f = r.focus { facts.append("focus \(f)") }
        if let w = r.wake { facts.append("wake \(w)") }
        if let b = r.bedtime { facts.append("lights out \(b)") }
        var s = "<h4>\(head)</h4>\n"
        if !facts.isEmpty { s += "<p>\(Markup.esc(facts.joined(separator: " · ")))</p>\n" }
        if !r.items.isEmpty { s += Charts.timeline(id: id + "-t", routine: r) + "\n" }
        s +=
            "<table><thead><tr><th scope=\"col\">time</th><th scope=\"col\" class=\"num\">min</th><th scope=\"col\">category</th>"
        s +=
            "<th scope=\"col\" class=\"num\">intensity</th><th scope=\"col\">item</th><th scope=\"col\">why</th></tr></thead><tbody>\n"
        for item in r.items {
            let (fill, _) = Palette.category(item.category)
            s +=
                "<tr><td>\(item.start)–\(item.end)</td><td class=\"num\">\(Format.number(item.durationMin, places: 0))</td>"
            s +=
                "<td><span class=\"swatch\" style=\"background:\(fill);margin-left:0\"></span>\(Markup.esc(item.category))</td>"
            s += "<td class=\"num\">\(item.intensity.map { Format.number($0, places: 0) + "/5" } ?? "")</td>"
            s +=
                "<td>\(Markup.esc(item.titleWithDays))</td><td class=\"muted\">\(Markup.esc(item.why ?? ""))</td></tr>\n"
        }
        return s + "</tbody></table>\n"
    }

    func nutrition(_ n: NutritionResult) -> String {
        var head = "Nutrition targets"
        if let d = n.date { head += " for \(d)" }
        var s = "<h4>\(head)</h4>\n"
        var line: [String] = []
        if let e = n.energyKcal {
            line.append(
                "<strong>\(Format.number(e, places: 0)) kcal</strong>" + (n.goal.map { " (\(Markup.esc($0)))" } ?? ""))
        }
        if let m = Phrases.macros(n) { line.append(Markup.esc(m)) }
        if !line.isEmpty { s += "<p>\(line.joined(separator: " · "))</p>\n" }
        if !n.meals.isEmpty {
            s +=
                "<table><thead><tr><th scope=\"col\">time</th><th scope=\"col\">meal</th><th scope=\"col\" class=\"num\">kcal</th>"
            s += "<th scope=\"col\" class=\"num\">protein g</th><th scope=\"col\">focus</th></tr></thead><tbody>\n"
            for m in n.meals {
                s += "<tr><td>\(m.time?.description ?? "")</td><td>\(Markup.esc(m.name))</td>"
                s += "<td class=\"num\">\(m.kcal.map { Format.number($0, places: 0) } ?? "")</td>"
                s +=
                    "<td class=\"num\">\(m.proteinG.map { Format.number($0, places: 0) } ?? "")</td><td>\(Markup.esc(m.focus ?? ""))</td></tr>\n"
            }
            s += "</tbody></table>\n"
        }
        return s
    }

    func adaptation(_ x: AdaptationResult, id: String) -> String {
        var s = "<h4>Adaptation</h4>\n"
        var lines: [String] = []
        if let d = Phrases.difficulty(x) { lines.append(d.capitalizedFirst) }
        if let p = Phrases.predicted(x) { lines.append(p.capitalizedFirst) }
        if !lines.isEmpty { s += "<p>\(lines.map(Markup.esc).joined(separator: "<br>"))</p>\n" }
        if !x.experiments.isEmpty {
            s +=
                "<table><thead><tr><th scope=\"col\">experiment</th><th scope=\"col\">arm</th><th scope=\"col\" class=\"num\">done</th>"
            s +=
                "<th scope=\"col\" class=\"num\">missed</th><th scope=\"col\">chance it is the best</th></tr></thead><tbody>\n"
            for e in x.experiments {
                for arm in e.arms {
                    let chosen = arm.arm == e.chosen
                    s +=
                        "<tr><td>\(Markup.esc(e.dimension))</td><td>\(Markup.esc(arm.arm))\(chosen ? " <strong>(chosen)</strong>" : "")</td>"
                    s += "<td class=\"num\">\(arm.successes.map { Format.number($0, places: 0) } ?? "")</td>"
                    s += "<td class=\"num\">\(arm.failures.map { Format.number($0, places: 0) } ?? "")</td><td>"
                    if let p = arm.pBest {
                        s +=
                            "<span class=\"bar\" role=\"img\" aria-label=\"\(Format.percent(p))\"><span style=\"width:\(Format.number(p * 100, places: 1))%\"></span></span> \(Format.percent(p))"
                    }
                    s += "</td></tr>\n"
                }
            }
            s += "</tbody></table>\n"
        }
        if x.curve.count > 1 {
            s +=
                "<figure><figcaption>Learning curve <span class=\"muted\">· \(Markup.esc(Phrases.curve(x) ?? ""))</span></figcaption>"
            s += Charts.curve(id: id + "-lc", points: x.curve) + "</figure>\n"
        } else if let c = Phrases.curve(x) {
            s += "<p>\(Markup.esc(c.capitalizedFirst))</p>\n"
        }
        return s + learned(x)
    }

    /// What hos-adapt learned of the person: a list, then the tolerance and item verdicts as tables.
    func learned(_ x: AdaptationResult) -> String {
        var s = ""
        var lines = x.learned.map { Phrases.learned($0).capitalizedFirst }
        if !lines.isEmpty, let d = x.difficultyTo { lines.append("Difficulty " + d) }
        if let w = x.archetypeSwitch { lines.append("Archetype switch: " + Phrases.archetypeSwitch(w)) }
        if !lines.isEmpty {
            s += "<p class=\"muted\">Learned of the person</p>\n<ul>"
            s += lines.map { "<li>\(Markup.esc($0))</li>" }.joined() + "</ul>\n"
        }
        func table(_ head: [(String, Bool)], _ rows: [[String]]) -> String {
            var t = "<table><thead><tr>"
            t += head.map { "<th scope=\"col\"\($0.1 ? " class=\"num\"" : "")>\($0.0)</th>" }.joined()
            t += "</tr></thead><tbody>\n"
            for r in rows {
                t += "<tr>" + zip(head, r).map { "<td\($0.1 ? " class=\"num\"" : "")>\(Markup.esc($1))</td>" }.joined()
                t += "</tr>\n"
            }
            return t + "</tbody></table>\n"
        }
        if !x.tolerance.isEmpty {
            s += table(
                [
                    ("category", false), ("max intensity", true), ("evidence", true), ("state", false),
                    ("reason", false),
                ],
                x.tolerance.map { t in
                    [
                        t.category, t.maxIntensity.map { "\($0)/5" } ?? "", t.evidence.map(Phrases.count) ?? "",
                        t.state ?? "", t.reason ?? "",
                    ]
                })
        }
        if !x.items.isEmpty {
            s += table(
                [
                    ("item", false), ("category", false), ("completion", true), ("n", true), ("verdict", false),
                    ("action", false), ("reason", false),
                ],
                x.items.map { i in
                    [
                        i.item, i.category ?? "", i.completion.map(Format.percent) ?? "", i.n.map(Phrases.count) ?? "",
                        i.verdict ?? "", i.action ?? "", i.reason ?? "",
                    ]
                })
        }
        return s
    }

    /// JSON with sorted keys, indented two spaces, for a step the report does not know.
    static func pretty(_ v: JSON, indent: String = "") -> String {
        let inner = indent + "  "
        switch v {
        case .array(let a) where !a.isEmpty:
            return "[\n" + a.map { inner + pretty($0, indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .object(let o) where !o.isEmpty:
            return "{\n"
                + o.keys.sorted().map { inner + JSON.string($0).text + ": " + pretty(o[$0]!, indent: inner) }
                .joined(separator: ",\n") + "\n" + indent + "}"
        default:
            return v.text
        }
    }
}
