// Titles, details and actions: the facts in plain words, in the archetype's voice, with the plan's times.

import HOSCore

extension InsightEngine {
    /// The insight with its title, detail and action written, by its kind.
    func word(_ c: Insight, input: InsightInput, voice: Voice) -> Insight {
        var c = c
        let plan = PlanTimes(input.routine)
        switch c.kind {
        case "correlation": wordCorrelation(&c, input: input, voice: voice, plan: plan)
        case "trend": wordTrend(&c, input: input, voice: voice, plan: plan)
        case "milestone": wordMilestone(&c, input: input, voice: voice, plan: plan)
        case "progress": wordProgress(&c, input: input, voice: voice, plan: plan)
        case "risk" where c.subject == "risk:strain": wordStrain(&c, input: input, voice: voice, plan: plan)
        case "risk": wordSleepDebt(&c, input: input, voice: voice, plan: plan)
        default: wordAnomaly(&c, input: input, voice: voice, plan: plan)
        }
        return c
    }

    /// A correlation: the lever, the way the outcome moves, the strength and the averages on either side.
    func wordCorrelation(_ c: inout Insight, input: InsightInput, voice: Voice, plan: PlanTimes) {
        let w = c.words
        let x = c.metrics[0]
        let y = c.metrics[1]
        let lag = c.evidence["lag_days"]?.doubleValue == 1
        let positive = c.direction == "positive"
        let xMore = MetricSemantics.isClock(x) ? "a later \(label(x))" : "more \(label(x))"
        let yWay =
            MetricSemantics.isClock(y)
            ? (positive ? "later" : "earlier")
            : isDuration(y) ? (positive ? "longer" : "shorter") : (positive ? "higher" : "lower")
        let yName = (lag ? "next-day " : "same-day ") + label(y)
        c.title = "\(voice.headline("correlation", good: nil)): \(xMore) → \(yWay) \(yName)"
        if input.archetype == .systematicImprover || input.archetype == .peakPerformer {
            c.title += " (ρ = \(fixed(c.evidence["effect"]?.doubleValue ?? 0, 2)))"
        }
        let ev = c.evidence
        var d =
            lag
            ? "After days with \(xMore) than usual, your \(label(y)) the next day tends to be \(yWay)"
            : "On days with \(xMore) than usual, your \(label(y)) tends to be \(yWay) the same day"
        d +=
            " (\(c.notes["strength"] ?? "") link: ρ = \(fixed(ev["effect"]?.doubleValue ?? 0, 2)), n = \(int(ev["n"])) day pairs, "
            + "p = \(ev["p_value"]?.text ?? "?"), q = \(ev["q_value"]?.text ?? "?") after testing \(int(ev["tests"])) pairs)."
        if let h = w["y_high"], let l = w["y_low"] {
            let (more, less) =
                MetricSemantics.isClock(x)
                ? ("a later \(label(x))", "an earlier one")
                : ("more \(label(x))", "less")
            d +=
                lag
                ? " After the days with \(more) it averaged \(fmt(y, h)); after those with \(less), \(fmt(y, l))."
                : " On the days with \(more) it averaged \(fmt(y, h)); on those with \(less), \(fmt(y, l))."
        }
        c.detail =
            d + " Days are compared with what is usual for you: your trend and weekend rhythm are taken out first."
        let goal = MetricSemantics.goal(y, for: input.archetype)
        var core: String
        if goal == 0 {
            core = "keep an eye on how \(label(x)) moves your \(yName)"
        } else {
            let more = (positive ? 1 : -1) * goal > 0
            core =
                leverCore(x, more: more, median: w["x_median"], input: input)
                + " for a \(goal > 0 ? "higher" : "lower") \(yName)"
        }
        core += plan.note(for: x)
        c.action = voice.action(core, kind: c.kind)
    }

    /// A trend: the weekly slope and the change in all, toward the goal or against it.
    func wordTrend(_ c: inout Insight, input: InsightInput, voice: Voice, plan: PlanTimes) {
        let w = c.words
        let m = c.metrics[0]
        let good = c.direction == "improving"
        let way = (w["slope_week"] ?? 0) > 0 ? "rising" : "falling"
        c.title = "\(voice.headline("trend", good: good)): \(label(m)) \(way)"
        c.detail =
            "Your \(label(m)) has been \(way) by \(fmt(m, abs(w["slope_week"] ?? 0))) a week over the last "
            + "\(Int(w["days"] ?? 0)) days (\(change(m, w["change"] ?? 0)) in all; Mann–Kendall p = "
            + "\(c.evidence["p_value"]?.text ?? "?"), q = \(c.evidence["q_value"]?.text ?? "?")), "
            + (good ? "in the direction of your goal." : "against your goal.")
        c.action = voice.action(
            good
                ? "keep doing what is working for your \(label(m))"
                : "look at what changed in these weeks and bring your \(label(m)) back toward where it was",
            kind: c.kind)
    }

    /// A milestone: the best week of a metric on record, or a streak of days on target or logged.
    func wordMilestone(_ c: inout Insight, input: InsightInput, voice: Voice, plan: PlanTimes) {
        let w = c.words
        if c.subject.hasPrefix("milestone:best_week:") {
            let m = c.metrics[0]
            let lowest = MetricSemantics.goal(m, for: input.archetype) < 0
            c.title =
                "\(voice.headline("milestone", good: true)): your \(lowest ? "lowest" : "best") week of \(label(m)) on record"
            c.detail =
                "Your 7-day average \(label(m)) reached \(fmt(m, w["mean"] ?? 0)) (the week to "
                + "\(c.notes["week_end"] ?? "")), better than your best in earlier analyses, \(fmt(m, w["previous"] ?? 0)) "
                + "(as of \(c.notes["previous_as_of"] ?? ""))."
            c.action = voice.action("note what made this week work, and keep it up", kind: c.kind)
        } else {
            let days = Int(w["days"] ?? 0)
            let what: String
            if let m = c.metrics.first, let t = w["target"] {
                what = "\(label(m)) at or above \(fmt(m, t))"
                c.title = "\(voice.headline("milestone", good: true)): \(days) days in a row of \(label(m)) on target"
            } else {
                what = "logging your data"
                c.title = "\(voice.headline("milestone", good: true)): \(days) days in a row of logging"
            }
            c.detail =
                "\(days) days in a row of \(what), past the \(JSON.number(w["level"] ?? 0).countValue ?? 0)-day mark"
            if c.direction == "record", let best = w["best"] {
                c.detail +=
                    ": your longest streak on record (the best before was \(JSON.number(best).countValue ?? 0) days)."
            } else if let best = w["best"] {
                c.detail += " (your longest on record is \(JSON.number(best).countValue ?? 0) days)."
            } else {
                c.detail += "."
            }
            c.action = voice.action("celebrate it, and keep the streak going tomorrow", kind: c.kind)
        }
    }

    /// Progress: the median now against the one of an earlier analysis.
    func wordProgress(_ c: inout Insight, input: InsightInput, voice: Voice, plan: PlanTimes) {
        let w = c.words
        let m = c.metrics[0]
        let good = c.direction == "improving"
        let delta = w["delta"] ?? 0
        c.title =
            "\(voice.headline("progress", good: good)): \(label(m)) \(change(m, delta)) since \(c.notes["reference_as_of"] ?? "")"
        c.detail =
            "Your typical (median) \(label(m)) over the last \(int(c.evidence["n"])) days is \(fmt(m, w["current"] ?? 0)), "
            + "\(change(m, delta)) against \(fmt(m, w["reference"] ?? 0)) in your analysis of \(c.notes["reference_as_of"] ?? "")"
            + (good ? ": progress worth celebrating." : ", against your goal.")
        c.action = voice.action(
            good
                ? "keep the habits that got you here"
                : "aim to get back to about \(fmt(m, w["reference"] ?? 0))", kind: c.kind)
    }

    /// The strain risk: resting heart rate up and HRV down for days in a row.
    func wordStrain(_ c: inout Insight, input: InsightInput, voice: Voice, plan: PlanTimes) {
        let w = c.words
        let days = Int(w["days"] ?? 0)
        let hrv = c.notes["hrv"] ?? "hrv_rmssd_ms"
        c.title = "\(voice.headline("risk", good: false)): resting heart rate up and HRV down for \(days) days"
        c.detail =
            "For \(days) days in a row your resting heart rate (\(fmt("resting_hr_bpm", w["rhr"] ?? 0)) on average) "
            + "has been above its usual \(fmt("resting_hr_bpm", w["rhr_base"] ?? 0)) while your HRV "
            + "(\(fmt(hrv, w["hrv"] ?? 0))) sat below its usual \(fmt(hrv, w["hrv_base"] ?? 0)): a pattern that often comes "
            + "with strain, poor recovery or an oncoming illness."
        c.action = voice.action(
            "take a lighter day and put sleep and easy movement first until both return toward normal"
                + plan.note(for: "sleep_duration_min"), kind: c.kind)
    }

    /// The sleep-debt risk: hours short of the need over the last 7 nights.
    func wordSleepDebt(_ c: inout Insight, input: InsightInput, voice: Voice, plan: PlanTimes) {
        let w = c.words
        let hours = w["hours"] ?? 0
        c.title = "\(voice.headline("risk", good: false)): \(fixed(hours, 1)) h of sleep debt this week"
        c.detail =
            "Over the last 7 nights (\(Int(w["nights"] ?? 0)) logged) you slept \(fixed(hours, 1)) h less in all "
            + "than your \(fmt("sleep_duration_min", w["need"] ?? 0)) a night"
        if let before = w["before"] {
            c.detail +=
                before < hours
                ? ", up from \(fixed(before, 1)) h the week before: it is building up."
                : " (\(fixed(before, 1)) h the week before)."
        } else {
            c.detail += "."
        }
        c.action = voice.action(
            "plan an earlier night and protect your sleep window" + plan.note(for: "sleep_duration_min"),
            kind: c.kind)
    }

    /// An anomaly: days in a row far from the usual level.
    func wordAnomaly(_ c: inout Insight, input: InsightInput, voice: Voice, plan: PlanTimes) {
        let w = c.words
        let m = c.metrics[0]
        let days = Int(w["days"] ?? 0)
        let way = c.direction == "high" ? "high" : "low"
        c.title = "\(voice.headline("anomaly", good: false)): \(label(m)) unusually \(way) for \(days) days"
        c.detail =
            "For \(days) days in a row your \(label(m)) has been unusually \(way): \(fmt(m, w["mean"] ?? 0)) on average "
            + "against a usual \(fmt(m, w["baseline"] ?? 0)) (each day at least \(JSON.number(InsightRules.anomalyZ).text) robust SDs from your usual)."
        c.action = voice.action(
            "check what changed (sleep, stress, illness, travel, alcohol) and favour recovery until it settles",
            kind: c.kind)
    }

    /// What to do with a lever, in its own words where a generic phrase would read badly.
    func leverCore(_ x: String, more: Bool, median: Double?, input: InsightInput) -> String {
        let level = median.map { fmt(x, $0) }
        switch (x, more) {
        case ("sleep_duration_min", true): return "aim for at least \(level ?? "your usual amount") of sleep"
        case ("sleep_duration_min", false): return "avoid oversleeping beyond \(level ?? "your usual amount")"
        case ("sleep_start", false): return "go to bed a little earlier than usual"
        case ("sleep_start", true): return "allow a slightly later bedtime than usual"
        case ("steps", true):
            return "walk at least \(median.map { MetricSemantics.grouped($0) } ?? "your usual") steps a day"
        case ("steps", false): return "follow high-step days with easier ones"
        case ("alcohol_units", false): return "choose alcohol-free evenings, especially before days that matter"
        case ("caffeine_mg", false): return "have less caffeine, and none late in the day"
        default:
            return "keep your \(label(x)) \(more ? "at or above" : "at or below") your usual \(level ?? "level")"
        }
    }

    func label(_ m: String) -> String { MetricSemantics.label(m) }
    func fmt(_ m: String, _ v: Double) -> String { MetricSemantics.format(m, v) }
    func change(_ m: String, _ v: Double) -> String { MetricSemantics.formatChange(m, v) }
    func fixed(_ v: Double, _ places: Int) -> String { MetricSemantics.fixed(v, places) }
    func int(_ v: JSON?) -> Int { Int(v?.doubleValue ?? 0) }
    /// Metrics in minutes of time, which grow longer or shorter rather than higher or lower.
    func isDuration(_ m: String) -> Bool { m.hasSuffix("_min") || m == "active_minutes" || m == "sedentary_minutes" }
}

/// Times from the user's routine plan that actions point to.
struct PlanTimes {
    var bedtime: String?
    var exercise: String?

    init(_ routine: RoutinePlanPayload?) {
        bedtime = routine?.bedtime?.description
        exercise = routine?.items.first { ["exercise", "walk"].contains($0.itemID) }?.start?.description
    }

    /// ` (tonight's plan: lights out at 22:45)` for sleep levers, the exercise time for activity ones.
    func note(for lever: String) -> String {
        switch lever {
        case "sleep_duration_min", "sleep_start", "time_in_bed_min":
            bedtime.map { " (tonight's plan: lights out at \($0))" } ?? ""
        case "steps", "active_minutes", "workout_minutes", "distance_km":
            exercise.map { " (your plan has exercise at \($0))" } ?? ""
        default: ""
        }
    }
}
