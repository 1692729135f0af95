// Difficulty with hysteresis: one step up after sustained high adherence, one down after sustained low.

import HOSCore

/// The difficulty rule of hos-adapt(1).
public enum DifficultyRule {
    /// What a control event asks of the difficulty.
    public enum Request: String, Sendable { case up, down, hold }

    /// The next difficulty from the current one and the plans with feedback (oldest first).
    ///
    /// Only plans made at the current difficulty count, so after a step the rule waits for
    /// `sustainedPlans` plans at the new level: that wait is the hysteresis, and it also means that no
    /// two steps follow each other without evidence at the level in between. A step up that the plans at
    /// the new level do not sustain is taken back, and that level is not tried again for a while.
    ///
    /// A plan counts with `minFeedback` load-item feedbacks (`AdaptationRules.minLoadFeedback`; 1 for a user who
    /// answers once per item and plan, whose plans never reach 3).
    public static func decide(current: Int, plans: [PlanOutcome], minFeedback: Int = AdaptationRules.minLoadFeedback)
        -> DifficultyDecision
    {
        let r = AdaptationRules.self
        let counted = plans.filter { $0.load.n >= minFeedback }
        let k = r.sustainedPlans
        let recent = Array(counted.suffix(k))
        func text(_ xs: [PlanOutcome]) -> String {
            xs.map { p in "\(fmt(p.load.adherence ?? 0)) (\(p.date?.description ?? p.planID), n=\(p.load.n))" }
                .joined(separator: ", ")
        }
        func hold(_ why: String) -> DifficultyDecision {
            DifficultyDecision(from: current, to: current, rule: "hold", reason: "holding at \(current): " + why)
        }
        guard recent.count == k else {
            return hold(
                "\(counted.count) of the \(k) plans with at least \(minFeedback) load-item feedbacks that a change needs"
            )
        }
        guard recent.allSatisfy({ $0.difficulty == current }) else {
            let levels = recent.map { $0.difficulty.map(String.init) ?? "unknown" }.joined(separator: ", ")
            return hold("the last \(k) plans with feedback were made at difficulty \(levels), not all at \(current)")
        }
        let rates = recent.map { $0.load.adherence ?? 0 }
        let before = Array(counted.dropLast(k).suffix(k))
        if rates.allSatisfy({ $0 >= r.upThreshold }) {
            if current >= r.difficultyRange.upperBound {
                return hold("the highest difficulty; load-item adherence \(text(recent)) ≥ \(fmt(r.upThreshold))")
            }
            if let failed = failedAttempt(at: current + 1, in: Array(counted.suffix(r.retryAfterPlans))) {
                return hold(
                    "load-item adherence \(text(recent)) ≥ \(fmt(r.upThreshold)), but the step to \(current + 1) was taken back after \(failed) within the last \(r.retryAfterPlans) plans"
                )
            }
            return DifficultyDecision(
                from: current, to: current + 1, rule: "up",
                reason:
                    "up one step: load-item adherence \(text(recent)) on the last \(k) plans at difficulty \(current), each ≥ \(fmt(r.upThreshold))"
            )
        }
        if rates.allSatisfy({ $0 <= r.downThreshold }), current > r.difficultyRange.lowerBound {
            return DifficultyDecision(
                from: current, to: current - 1, rule: "down",
                reason:
                    "down one step: load-item adherence \(text(recent)) on the last \(k) plans at difficulty \(current), each ≤ \(fmt(r.downThreshold))"
            )
        }
        if rates.allSatisfy({ $0 < r.holdThreshold }), current > r.difficultyRange.lowerBound, before.count == k,
            before.allSatisfy({ $0.difficulty == current - 1 && ($0.load.adherence ?? 0) >= r.upThreshold })
        {
            return DifficultyDecision(
                from: current, to: current - 1, rule: "step_back",
                reason:
                    "taking back the step up to \(current): load-item adherence \(text(recent)) at \(current), each < \(fmt(r.holdThreshold)), after \(text(before)) at \(current - 1)"
            )
        }
        if rates.allSatisfy({ $0 <= r.downThreshold }) {
            return hold("the lowest difficulty; load-item adherence \(text(recent)) ≤ \(fmt(r.downThreshold))")
        }
        return hold(
            "load-item adherence \(text(recent)) is neither all ≥ \(fmt(r.upThreshold)) nor all ≤ \(fmt(r.downThreshold))"
        )
    }

    /// A level the plans show was taken back: `sustainedPlans` plans in a row at it, each below the hold
    /// threshold; the adherence text of the attempt, or nil.
    static func failedAttempt(at level: Int, in plans: [PlanOutcome]) -> String? {
        let k = AdaptationRules.sustainedPlans
        guard plans.count >= k else { return nil }
        for end in stride(from: plans.count, through: k, by: -1) {
            let run = plans[(end - k)..<end]
            if run.allSatisfy({ $0.difficulty == level && ($0.load.adherence ?? 1) < AdaptationRules.holdThreshold }) {
                return run.map { fmt($0.load.adherence ?? 0) }.joined(separator: " and ") + " at \(level)"
            }
        }
        return nil
    }

    /// A control event's request: one step, within 1–5.
    public static func requested(current: Int, _ request: Request, reason: String?) -> DifficultyDecision {
        let r = AdaptationRules.difficultyRange
        let why = reason.map { ": " + printable($0, limit: 120) } ?? ""
        switch request {
        case .up:
            let to = min(r.upperBound, current + 1)
            return DifficultyDecision(
                from: current, to: to, rule: "requested",
                reason: (to == current ? "already at the highest difficulty \(current)" : "up one step")
                    + " as an adapt_difficulty event asked" + why)
        case .down:
            let to = max(r.lowerBound, current - 1)
            return DifficultyDecision(
                from: current, to: to, rule: "requested",
                reason: (to == current ? "already at the lowest difficulty \(current)" : "down one step")
                    + " as an adapt_difficulty event asked" + why)
        case .hold:
            return DifficultyDecision(
                from: current, to: current, rule: "requested",
                reason: "holding at \(current) as an adapt_difficulty event asked" + why)
        }
    }

    /// The oracle's difficulty: one step toward the user's intensity capacity.
    public static func oracle(current: Int, capacity: Int) -> DifficultyDecision {
        let to = capacity > current ? current + 1 : capacity < current ? current - 1 : current
        return DifficultyDecision(
            from: current, to: to, rule: "oracle",
            reason: "oracle: one step toward the intensity capacity \(capacity) of the --truth file")
    }

    static func fmt(_ x: Double) -> String {
        let r = (x * 100).rounded() / 100
        return String(format2: r)
    }
}

extension String {
    /// A number with two decimals at most, without trailing zeros ("0.8", "0.85", "1").
    init(format2 v: Double) {
        let cents = Int((v * 100).rounded())
        let whole = cents / 100
        let frac = abs(cents % 100)
        let sign = cents < 0 && whole == 0 ? "-" : ""
        if frac == 0 {
            self = sign + String(whole)
        } else if frac % 10 == 0 {
            self = sign + "\(whole).\(frac / 10)"
        } else {
            self = sign + "\(whole)." + (frac < 10 ? "0" : "") + String(frac)
        }
    }
}
