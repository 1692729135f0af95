// hos-insights: correlations, trends, milestones, progress, anomalies and risks, each with confidence and an action.

import ArgumentParser
import HOSAgents
import HOSCore

public struct InsightsCommand: ParsableCommand {
    /// Numbers of InsightRules as the help writes them: 2.0 → "2", 0.25 → "0.25".
    static func number(_ v: Double) -> String { JSON.number(v).text }
    static var material: String { number(InsightRules.materialShare) }
    /// "|ρ| ≥ 0.5 strong, ≥ 0.3 moderate".
    static var strengthWords: String {
        InsightRules.strengthWords.enumerated().map { i, s in
            (i == 0 ? "|ρ| ≥ " : "≥ ") + number(s.atLeast) + " " + s.word
        }
        .joined(separator: ", ")
    }

    public static let configuration = CommandConfiguration(
        commandName: "hos-insights",
        abstract: "Find each user's patterns, trends, milestones and progress, with honest confidence and an action.",
        discussion: """
            An agent (hos-events(7)): it forwards every event and, at each user's analysis_request \
            (explicit, or implicit at end of input), writes that user's alert events (see Alerts) \
            and insight events before the request, highest priority first. It reads the user's \
            health_record, behavior_analysis, memory_context, routine_plan, insight, insight_feedback and \
            alert events since the user's last request (records \
            accumulate; of the others the latest wins), and the control events generate_insights and \
            insight_validation. No clock is read: as_of is the request's, else the latest record date, \
            else the behaviour analysis' as_of, else the UTC day of the request's timestamp. The window \
            (trends, progress, anomalies, risks, best weeks) is the request's window_days (30) ending at \
            as_of; correlations and streaks look back --correlation-days (90) from as_of over the records \
            the stage holds. In a pipeline: ... | hos-behavior | hos-memory | hos-nutrition | hos-routine \
            | hos-insights | hos-adapt.

            Payload of each insight: insight_id ("ins-" and 16 hex digits of the hash of user, kind, \
            subject, direction and size class: the same fact always has the same id, and a changed \
            direction or size gets a new one), kind (correlation, trend, milestone, progress, anomaly, \
            risk), subject (what it is about, stable across analyses: correlation:X:Y:LAG, trend:M, \
            milestone:streak:M, milestone:streak:logging, milestone:best_week:M, progress:M, anomaly:M, \
            risk:strain, risk:sleep_debt), direction, title, detail (the direction and size in plain \
            words, with the numbers), action (in the archetype's voice; sleep and activity actions name \
            the routine_plan's lights-out and exercise times), evidence {statistic, n, p_value, effect, \
            ...}, confidence (0–1), confidence_parts {evidence, sample, size, agreement}, priority \
            (1–99), rank (1 = first), metrics, status (new, or changed: memory had the subject with \
            another id, named in previous {insight_id, direction, last_seen}), as_of.

            Correlation. Metrics are levers (what the user does: steps, distance_km, active_minutes, \
            sedentary_minutes, floors_climbed, calories_burned_kcal, active_energy_kcal, \
            workout_minutes, calories_in_kcal, protein_g, carbs_g, fat_g, fiber_g, water_ml, \
            caffeine_mg, alcohol_units, mindfulness_min, and every custom x_ metric), outcomes (every \
            other metric), or both (sleep_duration_min, time_in_bed_min, sleep_start, sleep_end: the \
            day shapes sleep, and sleep shapes the next day). A metric takes part when it \
            has at least --min-pairs (14) values in the look-back and at least 4 days that differ from \
            its most common value. Families are one behaviour, represented by their first present \
            member, the rest left out: sleep_duration_min (time_in_bed_min, light, deep, REM sleep); \
            sleep_start (sleep_end); steps (distance_km, active_minutes, calories_burned_kcal, \
            active_energy_kcal, floors_climbed); calories_in_kcal (carbs_g, fat_g, protein_g); \
            hrv_rmssd_ms (hrv_sdnn_ms). At most 12 levers and 12 outcomes take part (sleep metrics count \
            in both), those with most days first (then by name), so at most 288 pairs are tested, each \
            lever before its outcome in time (hos-events(7), METRICS, says when each metric is measured: \
            overnight, day or evening): same day, each lever with each outcome measured later that day \
            (a day's steps with that evening's mood), or with one measured in the same night (bedtime \
            with that night's sleep; a pair of two sleep metrics once), never with one measured before \
            it (a day's steps and the resting heart rate of the night before, dated on the same wake \
            day); next day, each lever on day d with each other outcome on day d + 1 (an evening's \
            alcohol with the next morning's resting heart rate). A custom x_ metric is measured when its \
            importer says (hos-import(1): WHOOP's journal answers and workouts during the day, its skin \
            temperature and sleep need overnight; Fitbit's light activity and naps during the day) or \
            when --timing says; one that neither names is paired with next-day outcomes only. Two behaviours are not compared with each \
            other, nor two outcomes. Clock metrics count in signed minutes from their circular \
            mean. Each series is first adjusted: less its Theil–Sen line over the days, then less the \
            median of those residuals on its kind of day (weekend or weekday; one median when either \
            kind has fewer than 3 values), so metrics that share only a trend or a weekly rhythm are \
            not reported as related; medians keep a mostly-zero metric's ties (alcohol on dry days), and \
            adjusted values are rounded to 6 decimals so that exact ties stay ties. A pair is tested on the days where both adjusted values exist (lagged pairs: x on \
            d, y on d + 1), with at least --min-pairs pairs: Spearman's ρ (average ranks for ties) and \
            its two-sided p-value from Student's t with n − 2 degrees of freedom, as \
            scipy.stats.spearmanr. q-values come from the weighted Benjamini–Hochberg procedure \
            (Genovese, Roeder and Wasserman 2006) over every pair tested for the user: relationships \
            established in sleep and exercise physiology, fixed before any data are seen, weigh \
            --known-weight (4) against 1 for the others, the weights are scaled to average 1, and \
            Benjamini–Hochberg runs on min(1, p / weight) (scipy.stats.false_discovery_control); \
            --known-weight 1 is plain Benjamini–Hochberg. The established relationships (lever → \
            outcome, either lag): sleep_duration_min → hrv_rmssd_ms, resting_hr_bpm, readiness_score, \
            recovery_score, mood, energy, stress_score; sleep_start → sleep_duration_min, \
            sleep_efficiency_pct, sleep_latency_min; steps → sleep_efficiency_pct, sleep_duration_min, \
            mood; workout_minutes → sleep_efficiency_pct, hrv_rmssd_ms, resting_hr_bpm; alcohol_units \
            → resting_hr_bpm, hrv_rmssd_ms, sleep_efficiency_pct, readiness_score; caffeine_mg → \
            sleep_latency_min, sleep_efficiency_pct, sleep_duration_min; mindfulness_min → \
            stress_score, hrv_rmssd_ms, mood; calories_in_kcal → weight_kg; and WHOOP's journal answers \
            (hos-import whoop) as the behaviour they ask about: x_journal_alcohol as alcohol_units, \
            x_journal_caffeine as caffeine_mg. A pair is reported when \
            q ≤ --fdr (0.05) and |ρ| ≥ --min-effect (0.3). Strength in words: \(strengthWords). Evidence: \
            statistic spearman_rho, effect ρ, p_value, weight, q_value, n, tests, fdr, lag_days, x, y, \
            adjusted, and split \
            (the mean raw y after the days of x above its median against those below). --tests FILE \
            writes every test, reported or not, one JSON line each: user_id, analysis_id, x, y, lag_days, \
            n, rho, p_value, weight, q_value, reported.

            Trend. For each metric with a goal for the archetype (one per family): more is better for \
            sleep_duration_min, sleep_efficiency_pct, deep and REM sleep, HRV, spo2_pct, steps, \
            active_minutes, distance_km, floors_climbed, workout_minutes, active_energy_kcal, the \
            readiness, recovery and sleep scores, mood, energy, mindfulness_min, water_ml, fiber_g (and \
            protein_g and strain for Peak Performer); less is better for sleep_latency_min, awake_min, \
            sleep_interruptions, resting_hr_bpm, sedentary_minutes, stress_score, alcohol_units, \
            caffeine_mg (and weight_kg, body_fat_pct and calories_in_kcal for Transformation Seeker, \
            body_fat_pct for Peak Performer). With at least --min-pairs values in the window: the \
            Theil–Sen slope and the Mann–Kendall p-value (as hos-behavior(1)); Benjamini–Hochberg over \
            the metrics tested; reported when q ≤ --fdr and the change over the window (slope × days \
            from first to last value) is at least \(material) robust SD (1.4826 × MAD, or the SD when the MAD \
            is 0). Direction improving or worsening against the goal; size small (< 0.5 SD), medium \
            (< 1), large.

            Milestone. Streaks: consecutive days up to as_of (a missing latest day is allowed) meeting \
            the archetype's targets (sleep_duration_min ≥ the sleep need, steps and active_minutes ≥ \
            the targets of hos-events(7)), reported from \(InsightRules.targetStreakFrom) days, and logging streaks \
            (days with any record) from \(InsightRules.loggingStreakFrom); the size class is the highest level reached \
            of \(InsightRules.streakLevels.map(String.init).joined(separator: ", ")) days, so the streak is told again only at the next level. direction \
            record when it beats the longest streak memory holds for the subject (history.insight_subjects \
            best), else reached. Best week: for a goal metric with at least 4 earlier behaviour analyses \
            in memory, a 7-day mean (at least 5 values) ending in the last 14 days that beats the best \
            7-day mean (recent) of every earlier analysis by at least \(material) robust SD; at most the 2 that \
            beat it by most (the lowest week, for a metric where less is better).

            Progress. For a goal metric whose memory history has a reference analysis (the earlier one \
            closest to 28 days before as_of, at least 14 days before): the window's median against the \
            reference's baseline (median), z = change / (1.2533 × robust SD × √(1/n + 1/n_ref)), two-sided \
            normal p-value, Benjamini–Hochberg over the metrics compared; reported when q ≤ --fdr and the \
            change is at least \(material) robust SD. Improving (celebrated) or worsening.

            Anomaly and risk, against a baseline of the window's days before the last 7 (median and \
            robust SD; at least \(InsightRules.minBaselineValues) values and MAD > 0). risk:strain: resting HR at \
            least \(number(InsightRules.strainZ)) robust SD above and HRV (RMSSD, else SDNN) at least \
            \(number(InsightRules.strainZ)) below, together, for at least \(InsightRules.anomalyDays) consecutive \
            days up to as_of. risk:sleep_debt: over the last 7 nights (at least \(InsightRules.sleepDebtNights) \
            logged) at least \(number(InsightRules.sleepDebtHours)) h of sleep in all below the archetype's need \
            (\(ArchetypePolicy.exceptions(unit: "min") { Int(ArchetypePolicy.of($0).sleepNeedMin) }) otherwise). \
            anomaly:M: a metric at least \(number(InsightRules.anomalyZ)) robust SD from its baseline, the same \
            way, for at least \(InsightRules.anomalyDays) consecutive days up to as_of, where that way is worse \
            for the goal (either way for an outcome without a goal); not for the metrics of a reported \
            strain. Size classes \(InsightRules.runClasses.map { "\($0)+" }.joined(separator: ", ")) days.

            Confidence = c₀ + 0.3 (1 − c₀) when an earlier analysis (memory's subject) had the same \
            direction (a reached streak and a record one agree), c₀ / 2 when it had another, else c₀; c₀ = E × (0.4 + 0.3 S + 0.3 Z); rounded to \
            2 decimals, at most 0.99. E, the evidence: 1 − q (correlation, trend, progress), 1 − p (anomaly \
            and strain, with p = 7 × s^k for a run of k days where s is the share of baseline \
            days that met the condition, smoothed (count + 1) / (days + 2)), 1 for streaks and best \
            weeks (observed, not inferred), the share of the last 7 nights logged for sleep debt. S, the \
            sample: n / (n + 14) (n: day pairs, days, baseline days; 7 days per earlier analysis for a \
            best week). Z, the size: |ρ| / 0.5, change / robust SD, streak days / 30, mean |z| / 3, \
            sleep debt / 10 h; each at most 1.

            Priority (1–99, higher first) = the kind's place in the archetype's order (Peak Performer \
            trend, correlation, progress; Systematic Improver correlation, trend, progress; \
            Transformation Seeker progress, milestone, trend; Foundation Builder milestone, progress, \
            risk; Resilience Rebuilder risk, anomaly, progress; Connected Explorer correlation, \
            milestone, progress: first 80, second 70, third 60, others 45, risk at least 75) + 15 × \
            (confidence − 0.5) + 5 when a metric is one the archetype watches (Peak Performer HRV, \
            readiness, resting HR, recovery, strain, sleep; Systematic Improver sleep, sleep \
            efficiency, steps, HRV; Transformation Seeker weight, body fat, steps, calories eaten, \
            active minutes; Foundation Builder sleep, steps, mood; Resilience Rebuilder HRV, resting \
            HR, sleep, stress, mood, energy; Connected Explorer steps, mood, energy, active minutes) + \
            12 × (useful − not useful) / (useful + not useful + 2) over the user's insight_feedback on \
            insights of that kind: memory's history.insight_feedback counts when a memory_context came \
            (hos-memory upstream has stored this stream's feedback before it wrote the context), else \
            the stream's insight_feedback whose insight is known by subject. Ties: confidence, then id. \
            Titles and actions follow the archetype's tone (hos-events(7), ARCHETYPES); the numbers do not change.

            Dedup: an insight whose id memory's history.insight_subjects holds as the subject's latest, \
            seen fewer than --dedup-days (14) days before as_of, is not written; nor one already in the \
            stream (an insight event, or an earlier generate_insights for the user). A subject memory \
            holds with another id is written with status changed. Then at most --max-insights (10; 0 \
            for all) are written. Memory learns the insights it sees: store the output (hos-memory \
            store, or the next run's input) so that the next run knows them.

            generate_insights (control event, payload all optional: kinds [..], max, window_days, \
            as_of, analysis_id): computes the user's insights at once from what the stage holds, like a \
            barrier, writes them before the event and forwards the event; the user's state is kept (no \
            request is forwarded), and insights it wrote are not repeated at the user's barrier. \
            insight_validation (payload insight_id or insight_ids [..]; optional subject and direction \
            for an insight memory and the stream do not know; window_days, as_of): re-checks each earlier \
            insight's subject against the data the stage holds now and writes one insight event with \
            validation {insight_id, status, subject, direction_before, direction_now, as_of}: status \
            confirmed (the same subject and direction pass the rules now), reversed (another direction \
            does), not_confirmed (the data no longer pass the rules; a correlation's current test is \
            the evidence), insufficient_data; the title opens Still holds, Reversed, No longer \
            supported, or Cannot be checked yet. An id that is not known writes an agent_error (code \
            unknown_insight) instead. A control event with a malformed payload is bad input.

            Alerts (for a coach). At each barrier, before the insights, hos-insights writes alert events \
            (hos-events(7)) for these conditions up to as_of: readiness_low, the readiness score (else the \
            recovery score) at or below --alert-readiness (50) for --alert-readiness-days (2) days in a \
            row; hrv_low, HRV (RMSSD, else SDNN) at least --alert-hrv-drop (20) percent under its baseline \
            (the median of the \(AlertOptions.hrvBaselineDays) days before the last --alert-hrv-days, at \
            least \(AlertOptions.hrvBaselineValues) values) for --alert-hrv-days (3) days in a row; strain, \
            the risk:strain insight's condition; no_records, no record at all on the --alert-quiet-days (3) \
            days up to as_of (so only when the request names an as_of after the latest record); \
            sleep_debt, sleep debt (readiness.sleep_debt_hours of hos-behavior(1): hours short of the \
            archetype's need over the last 7 nights, at least \(InsightRules.sleepDebtNights) logged) at \
            least --alert-sleep-debt (\(number(AlertOptions().sleepDebtHours))) h. As in the insights' runs, \
            a missing as_of does not break a run of days. Payload: alert_id ("alr-" and 16 hex digits of \
            the hash of user, rule and started), rule, severity (warning; critical once the condition has \
            held twice the rule's days, or a debt of twice the threshold; strain always), status, \
            started (the episode's first day), ended, as_of, days, title, detail (one plain sentence \
            with the numbers), metrics, evidence. Once per episode: an alert is written open when its \
            condition begins and has no open alert, and closed (same alert_id, ended = as_of) at the \
            first barrier where the condition no longer holds; the open alerts are memory_context's \
            history.open_alerts (hos-memory stores each alert it sees, so store the output: hos-memory \
            store, or the next run's input) and the alert events earlier in the stream. An open alert \
            whose condition now began after it was opened belonged to an episode that ended unseen: it \
            is closed and a new one opened. --alerts-only writes the alerts and no insights, so that \
            hos-run ... | hos-insights --alerts-only | hos-memory store ... can notify a coach from cron.

            The archetype is the request's, else the user's events', else Foundation Builder.

            \(llmDiscussion("each insight written at a barrier gets payload.narrative, a rewording in the archetype's tone, all of a user's insights in one call, from: per insight its kind, direction, title, detail and action (generate_insights and insight_validation answers are not reworded)."))

            EXIT STATUS: 0 success; 65 bad input; 66 unreadable input; 74 I/O error; 64 usage.
            """,
        version: hosVersion)

    @OptionGroup public var stream: StreamOptions

    @Option(
        help: ArgumentHelp(
            "False discovery rate of reported correlations and trends (Benjamini–Hochberg level).",
            valueName: "q"))
    public var fdr = InsightOptions().fdr

    @Option(help: ArgumentHelp("Fewest day pairs for a correlation, and fewest days for a trend.", valueName: "n"))
    public var minPairs = InsightOptions().minPairs

    @Option(
        help: ArgumentHelp(
            "Weight of an established relationship's test against 1 for the others; 1 is plain Benjamini–Hochberg.",
            valueName: "w"))
    public var knownWeight = InsightOptions().knownWeight

    @Option(help: ArgumentHelp("Smallest |rho| of a reported correlation.", valueName: "r"))
    public var minEffect = InsightOptions().minEffect

    @Option(help: ArgumentHelp("Days before as_of that correlations and streaks look back over.", valueName: "days"))
    public var correlationDays = InsightOptions().correlationDays

    @Option(help: ArgumentHelp("Days within which an insight that memory holds is not repeated.", valueName: "days"))
    public var dedupDays = InsightOptions().dedupDays

    @Option(help: ArgumentHelp("Insights written per analysis at most; 0 for all.", valueName: "n"))
    public var maxInsights = InsightOptions().maxInsights

    @Option(
        help: ArgumentHelp(
            "When a custom metric is measured: METRIC=overnight, day or evening; METRIC may end in * for a prefix (repeatable).",
            valueName: "x_metric=timing"))
    public var timing: [String] = []

    @Option(
        help: ArgumentHelp(
            "Write every correlation test, reported or not, to this file (JSON lines).",
            valueName: "file"))
    public var tests: String?

    @Flag(help: "Write only the coach alerts at each barrier, no insights.")
    public var alertsOnly = false

    @Option(help: ArgumentHelp("Alert when the readiness (else recovery) score is at most this.", valueName: "score"))
    public var alertReadiness = AlertOptions().readinessAtMost

    @Option(help: ArgumentHelp("...for at least this many days in a row.", valueName: "days"))
    public var alertReadinessDays = AlertOptions().readinessDays

    @Option(help: ArgumentHelp("Alert when HRV is at least this percent under its baseline.", valueName: "percent"))
    public var alertHrvDrop = AlertOptions().hrvDropPct

    @Option(help: ArgumentHelp("...for at least this many days in a row.", valueName: "days"))
    public var alertHrvDays = AlertOptions().hrvDays

    @Option(help: ArgumentHelp("Alert after this many days without any record, up to as_of.", valueName: "days"))
    public var alertQuietDays = AlertOptions().quietDays

    @Option(help: ArgumentHelp("Alert at this much sleep debt over the last 7 nights.", valueName: "hours"))
    public var alertSleepDebt = AlertOptions().sleepDebtHours

    @OptionGroup public var llm: LLMOptions

    public init() {}

    public mutating func validate() throws {
        guard fdr > 0, fdr < 1 else { throw ValidationError("--fdr must be between 0 and 1") }
        guard minPairs >= 4, minPairs <= 3660 else { throw ValidationError("--min-pairs must be between 4 and 3660") }
        guard knownWeight >= 1, knownWeight <= 100 else {
            throw ValidationError("--known-weight must be between 1 and 100")
        }
        guard minEffect >= 0, minEffect < 1 else {
            throw ValidationError("--min-effect must be at least 0 and below 1")
        }
        guard correlationDays >= 1, correlationDays <= 3660 else {
            throw ValidationError("--correlation-days must be between 1 and 3660")
        }
        guard dedupDays >= 0, dedupDays <= 3660 else {
            throw ValidationError("--dedup-days must be between 0 and 3660")
        }
        guard maxInsights >= 0 else { throw ValidationError("--max-insights must be 0 or more") }
        guard alertReadiness >= 0, alertReadiness <= 100 else {
            throw ValidationError("--alert-readiness must be between 0 and 100")
        }
        guard alertHrvDrop > 0, alertHrvDrop < 100 else {
            throw ValidationError("--alert-hrv-drop must be above 0 and below 100")
        }
        guard alertSleepDebt > 0, alertSleepDebt <= 168 else {
            throw ValidationError("--alert-sleep-debt must be above 0 and at most 168")
        }
        for (name, days) in [
            ("--alert-readiness-days", alertReadinessDays), ("--alert-hrv-days", alertHrvDays),
            ("--alert-quiet-days", alertQuietDays),
        ] where days < 1 || days > 365 {
            throw ValidationError("\(name) must be between 1 and 365")
        }
        _ = try timings()
    }

    /// `--timing` as a table: each METRIC a custom x_ name (or prefix ending in *), each timing a known one.
    func timings() throws -> [String: MetricTiming] {
        var out: [String: MetricTiming] = [:]
        for item in timing {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            let names = MetricTiming.allCases.map(\.rawValue).joined(separator: ", ")
            guard parts.count == 2, let when = MetricTiming(rawValue: parts[1]) else {
                throw ValidationError("--timing takes X_METRIC=TIMING with TIMING one of \(names), not '\(item)'")
            }
            let name = parts[0].hasSuffix("*") ? String(parts[0].dropLast()) + "a" : parts[0]
            guard Metrics.isCustom(name) else {
                throw ValidationError(
                    "--timing is for custom x_ metrics (the vocabulary's are fixed), not '\(parts[0])'")
            }
            out[parts[0]] = when
        }
        return out
    }

    public func run() throws {
        var options = InsightOptions()
        options.fdr = fdr
        options.minPairs = minPairs
        options.minEffect = minEffect
        options.knownWeight = knownWeight
        options.correlationDays = correlationDays
        options.dedupDays = dedupDays
        options.maxInsights = maxInsights
        options.timings = try timings()
        options.alertsOnly = alertsOnly
        (options.alerts.readinessAtMost, options.alerts.readinessDays) = (alertReadiness, alertReadinessDays)
        (options.alerts.hrvDropPct, options.alerts.hrvDays) = (alertHrvDrop, alertHrvDays)
        (options.alerts.quietDays, options.alerts.sleepDebtHours) = (alertQuietDays, alertSleepDebt)
        try runTool(InsightsStage.agent) {
            var stage = InsightsStage(options: options)
            stage.narrator = try llm.narrator(agent: InsightsStage.agent)
            let testsSink = try tests.map { try OutputSink(path: $0) }
            if let sink = testsSink {
                stage.onTests = { user, analysis, tests in
                    for t in tests {
                        guard case .object(var o) = t.json else { continue }
                        o["user_id"] = .string(user)
                        o["analysis_id"] = .string(analysis)
                        try sink.writeLine(JSON.object(o).encoded())
                    }
                }
            }
            do {
                try runStage(stage, tool: InsightsStage.agent, options: stream)
                try testsSink?.commit()
            } catch {
                testsSink?.abandon()
                throw error
            }
        }
    }
}
