// hos-behavior: behaviour analysis of each user's window.

import ArgumentParser
import HOSAgents
import HOSCore

public struct BehaviorCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hos-behavior",
        abstract: "Analyse each user's recorded behaviour: baselines, trends, timing, readiness.",
        discussion: """
            An agent (hos-events(7)): it forwards every event and, at each user's analysis_request \
            (explicit, or implicit at end of input), writes one behavior_analysis for that user before \
            the request. It reads health_record events; the window is the request's window_days (30) \
            ending at as_of (default: the user's latest record date; without records, the UTC day of the \
            request's timestamp).

            Per numeric metric with values in the window: n and completeness (days with a value / \
            window days); baseline (median); recent (mean of the last 7 days); trend (Theil–Sen slope \
            per week, Mann–Kendall two-sided p-value without continuity correction, direction rising or \
            falling when p < 0.05, else flat; needs 7 days); variability (coefficient of variation, \
            sample SD over mean; and MAD, the median absolute deviation); anomalies (days whose modified \
            z-score 0.6745 (x − median) / MAD exceeds 3.5 in size, with value, z and direction; needs \
            7 days and MAD > 0).

            sleep_timing: circular mean and circular SD (minutes) of sleep_start and sleep_end, so 23:50 \
            and 00:10 are 20 minutes apart; regularity (SD ≤ 30 min regular, ≤ 60 moderate, else \
            irregular); mid-sleep on free nights (waking Saturday or Sunday) and work nights, social jet \
            lag = free − work mid-sleep in minutes (needs two of each); chronotype from free-night \
            mid-sleep (all nights when there are too few of either kind): before 03:00 early, after \
            05:00 late, else intermediate, counted from 15:00 so that day sleepers are late.

            consistency: share of days meeting the archetype's targets (sleep, steps, active minutes; \
            see hos-events(7)). readiness: 65 + 12 × z(HRV) + 8 × z(−resting HR) − 2.5 × sleep debt \
            hours (capped at 12), kept within 0–100, where each z compares the mean of the last 3 days \
            with the median of the earlier window days over 1.4826 × MAD (capped at ±3; needs 5 \
            baseline days; RMSSD preferred, else SDNN), and sleep debt sums the shortfall against the \
            archetype's sleep need over the last 7 days. State: ≥ 70 recovered, ≥ 45 balanced, else \
            strained; drivers list each part's effect in points. signature: labels with the numbers \
            behind them (consistent or irregular sleeper, short sleeper, weekend warrior, sedentary \
            weekdays, highly active, early or late chronotype, social jet lag). engagement: days \
            logged, share, longest gap, current streak, level (≥ 0.85 high, ≥ 0.6 moderate, else low).

            What cannot be computed is listed under not_computed with the reason. The archetype is the \
            request's, else the user's events', else Foundation Builder.

            \(llmDiscussion("payload.narrative holds a summary in the archetype's tone of: window_days, readiness score and state, the baseline, recent mean and trend (direction, slope per week) of the headline metrics present (sleep duration and efficiency, HRV, resting HR, steps, active and workout minutes, readiness, stress, mood, energy, weight), the signature's labels, the consistency shares and the engagement level and share."))

            EXIT STATUS: 0 success; 65 bad input; 66 unreadable input; 74 I/O error; 64 usage.
            """,
        version: hosVersion)

    @OptionGroup public var stream: StreamOptions

    @Flag(help: "Add the reasoning in words (payload.explain).")
    public var explain = false

    @OptionGroup public var llm: LLMOptions

    public init() {}

    public func run() throws {
        try runTool(BehaviorStage.agent) {
            let narrator = try llm.narrator(agent: BehaviorStage.agent)
            try runStage(
                BehaviorStage(explain: explain, narrator: narrator), tool: BehaviorStage.agent, options: stream)
        }
    }
}
