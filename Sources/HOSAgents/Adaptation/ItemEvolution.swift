// Per-item evolution and intensity tolerance per category: an item's own history decides whether it is kept,
// adapted (lighter, shorter, at another time) or replaced; a category's intensity cap follows its completions.

import HOSCore

/// A plan item's verdict from its own completion.
public enum ItemVerdict: String, Sendable, CaseIterable {
    case keep, adapt, replace

    /// The verdict of a completion given the previous one: keep at or above `keepAt`, replace below
    /// `replaceBelow`, adapt between; a verdict changes only when the completion passes a threshold by
    /// `AdaptationRules.verdictMargin` (hysteresis), so an item on the line does not flip each week.
    static func next(after previous: ItemVerdict, completion c: Double) -> ItemVerdict {
        let r = AdaptationRules.self
        let m = r.verdictMargin
        let plain: ItemVerdict = c >= r.keepAt ? .keep : (c < r.replaceBelow ? .replace : .adapt)
        switch (previous, plain) {
        case (.keep, .adapt): return c < r.keepAt - m ? .adapt : .keep
        case (.adapt, .keep): return c >= r.keepAt + m ? .keep : .adapt
        case (.adapt, .replace): return c < r.replaceBelow - m ? .replace : .adapt
        case (.replace, .adapt): return c >= r.replaceBelow + m ? .adapt : .replace
        default: return plain
        }
    }
}

/// One plan's feedback on a category's items at one intensity: fair successes of fair feedbacks (see
/// `ItemEvolution.fairGroups`), and how many feedbacks said too_hard or too_easy.
struct ToleranceGroup: Sendable, Equatable {
    var at: Int
    var intensity: Int
    var s = 0.0
    var n = 0
    var hard = 0
    var easy = 0
}

/// What a user's history says about each item and each category's intensity (hos-adapt(1), ITEMS AND
/// TOLERANCE).
public struct ItemEvolution: Sendable, Equatable {
    public var tolerance: [ToleranceReport] = []
    public var items: [ItemVerdictReport] = []

    /// The category → cap of `tolerance` (categories without a cap left out).
    public var caps: [String: Int] {
        Dictionary(uniqueKeysWithValues: tolerance.compactMap { t in t.maxIntensity.map { (t.category, $0) } })
    }

    /// The item id of a role: a schedule's `exercise-evening` is the `exercise` item.
    public static func role(of itemID: String) -> String {
        guard let dash = itemID.firstIndex(of: "-") else { return itemID }
        let arm = String(itemID[itemID.index(after: dash)...])
        return AdaptationRules.dimensions.contains { $0.arms.contains(arm) } ? String(itemID[..<dash]) : itemID
    }

    /// The settled best arm of each dimension: the arm of highest posterior mean, once its p_best is at least
    /// `AdaptationRules.settledPBest` or every arm has `exploredFeedback` feedbacks of the user's own (when
    /// every time has been tried and even the best fails, the intensity is the suspect); nil before.
    static func settled(_ posteriors: [String: [ArmPosterior]]) -> [String: String] {
        let r = AdaptationRules.self
        var out: [String: String] = [:]
        for (dim, arms) in posteriors where !arms.isEmpty {
            let best = arms[ArmChooser.greedyIndex(arms)]
            let explored = arms.allSatisfy { $0.successes + $0.failures >= r.exploredFeedback }
            if best.pBest >= r.settledPBest || explored { out[dim] = best.arm }
        }
        return out
    }

    /// Feedback on a category's items grouped by plan and intensity, plans in date order: (plan position,
    /// intensity, successes, feedbacks). Only fair evidence counts: an item whose strategy arm is not its
    /// dimension's settled best says more about the time than about the intensity.
    static func fairGroups(_ join: FeedbackJoin, settled: [String: String], position: [String: Int])
        -> [String: [ToleranceGroup]]
    {
        struct Key: Hashable {
            var category: String
            var at: Int
            var intensity: Int
        }
        var sums: [Key: ToleranceGroup] = [:]
        for (item, f) in join.pairs {
            guard let at = position[item.planID] else { continue }
            let k = Key(category: item.category, at: at, intensity: item.intensity ?? 1)
            var g = sums[k] ?? ToleranceGroup(at: at, intensity: k.intensity)
            // What a person says about the intensity counts wherever the item was placed.
            switch FeedbackEvidence.intensity(f) {
            case .tooHard?: g.hard += 1
            case .tooEasy?: g.easy += 1
            case nil: break
            }
            if item.variant.allSatisfy({ dim, arm in AdaptationRules.arms(of: dim) == nil || settled[dim] == arm }) {
                (g.s, g.n) = (g.s + f.score, g.n + 1)
            }
            sums[k] = g
        }
        var out: [String: [ToleranceGroup]] = [:]
        for (k, v) in sums.sorted(by: { ($0.key.at, $0.key.intensity) < ($1.key.at, $1.key.intensity) }) {
            out[k.category, default: []].append(v)
        }
        return out
    }

    /// Each plan's position among the user's plans with feedback, oldest first (`PlanOutcome.of`'s order).
    static func planPositions(_ join: FeedbackJoin) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: PlanOutcome.of(join).enumerated().map { ($1.planID, $0) })
    }

    /// Each category's tolerance and each item's verdict from the user's history and the experiments'
    /// posteriors.
    public static func of(_ join: FeedbackJoin, posteriors: [String: [ArmPosterior]]) -> ItemEvolution {
        let settled = Self.settled(posteriors)
        var out = ItemEvolution()
        let position = planPositions(join)
        for (category, groups) in fairGroups(join, settled: settled, position: position).sorted(by: { $0.key < $1.key })
        {
            out.tolerance.append(Self.tolerance(category, groups: groups))
        }
        out.items = Self.verdicts(join, settled: settled, caps: out.caps, position: position)
        return out
    }
}

extension ItemEvolution {
    /// A category's cap, replayed over its plans: evidence accumulates per intensity since the cap last
    /// moved; an intensity of at least 2 whose completion is clearly below `keepAt` (P(p < keepAt) ≥
    /// `lowerConfidence` under Beta(1 + s, 1 + n − s), at least `minToleranceFeedback` feedbacks) lowers the
    /// cap below it; after `probeAfterPlans` plans at a cap, one level up is tried again, unless that level
    /// has failed `maxLevelFailures` times (then the cap holds). What people say moves it at once: at least
    /// `saidIntensity` too_hard on a plan's items at an intensity (more than too_easy) lowers the cap below
    /// it, and as many too_easy at the cap raises it.
    static func tolerance(_ category: String, groups: [ToleranceGroup]) -> ToleranceReport {
        let r = AdaptationRules.self
        var cap: Int?
        var since = 0
        var failures: [Int: Int] = [:]
        var sums: [Int: (s: Double, n: Int)] = [:]
        var t = ToleranceReport()
        (t.category, t.state) = (category, "none")
        t.reason = "no intensity has clearly failed"
        var lastAt = -1
        for g in groups {
            t.evidence += g.n
            if g.at != lastAt, let c = cap, g.at - since >= r.probeAfterPlans, c < 5,
                failures[c + 1, default: 0] < r.maxLevelFailures
            {
                (cap, since, sums) = (c + 1 >= 5 ? nil : c + 1, g.at, [:])
                t.state = "raised"
                t.reason = "held at \(c) for \(r.probeAfterPlans) plans: intensity \(c + 1) is tried again"
            }
            lastAt = g.at
            let o = sums[g.intensity] ?? (0, 0)
            let sum = (o.s + g.s, o.n + g.n)
            sums[g.intensity] = sum
            if let c = cap, g.intensity >= c, g.easy >= r.saidIntensity, g.easy > g.hard {
                (cap, since, sums) = (c + 1 >= 5 ? nil : c + 1, g.at, [:])
                (t.state, t.reason) = ("raised", "said too_easy \(g.easy) times at intensity \(g.intensity)")
                continue
            }
            if g.intensity >= 2, g.hard >= r.saidIntensity, g.hard > g.easy, (cap ?? 5) >= g.intensity {
                failures[g.intensity, default: 0] += 1
                (cap, since, sums) = (g.intensity - 1, g.at, [:])
                (t.state, t.reason) = ("lowered", "said too_hard \(g.hard) times at intensity \(g.intensity)")
                continue
            }
            guard g.intensity >= 2, sum.1 >= r.minToleranceFeedback else { continue }
            let below = BetaDistribution(1 + sum.0, 1 + Double(sum.1) - sum.0).cdf(r.keepAt)
            guard below >= r.lowerConfidence, (cap ?? 5) >= g.intensity else { continue }
            failures[g.intensity, default: 0] += 1
            (cap, since, sums) = (g.intensity - 1, g.at, [:])
            t.state = "lowered"
            t.reason =
                "intensity \(g.intensity): completion \(Int((sum.0 / Double(sum.1) * 100).rounded()))% of "
                + "\(sum.1) is clearly below \(Int(r.keepAt * 100))% (P = \(JSON.rounded(below, places: 3)))"
        }
        if cap != nil, t.state == "raised" || t.state == "lowered", groups.last.map({ $0.at > since }) == true {
            t.state = "held"
        }
        t.maxIntensity = cap
        return t
    }

    /// Each item's verdict, replayed over the plans that had it (at least `minItemFeedback` feedbacks each),
    /// with the action of the latest: another_time when its strategy arm is not the settled best, lighter
    /// when the category's cap is below its intensity, else shorter (adapt) or replace.
    static func verdicts(
        _ join: FeedbackJoin, settled: [String: String], caps: [String: Int], position: [String: Int]
    ) -> [ItemVerdictReport] {
        struct Plan {
            var at: Int
            var s = 0.0
            var n = 0
            var category = ""
            var intensity = 1
            var offArm = false
        }
        var byRole: [String: [Int: Plan]] = [:]
        for (item, f) in join.pairs {
            guard let at = position[item.planID] else { continue }
            let role = role(of: item.itemID)
            var p = byRole[role]?[at] ?? Plan(at: at)
            (p.s, p.n, p.category) = (p.s + f.score, p.n + 1, item.category)
            p.intensity = max(p.intensity, item.intensity ?? 1)
            if item.variant.contains(where: { AdaptationRules.arms(of: $0.key) != nil && settled[$0.key] != $0.value })
            {
                p.offArm = true
            }
            byRole[role, default: [:]][at] = p
        }
        var out: [ItemVerdictReport] = []
        for (role, plans) in byRole.sorted(by: { $0.key < $1.key }) {
            var verdict = ItemVerdict.keep
            var latest: Plan?
            for p in plans.values.sorted(by: { $0.at < $1.at }) where p.n >= AdaptationRules.minItemFeedback {
                verdict = .next(after: verdict, completion: p.s / Double(p.n))
                latest = p
            }
            guard let p = latest else { continue }
            var v = ItemVerdictReport()
            (v.item, v.category, v.n, v.verdict) = (role, p.category, p.n, verdict.rawValue)
            v.completion = JSON.rounded(p.s / Double(p.n), places: 4)
            switch verdict {
            case .keep: (v.action, v.reason) = ("none", "at least 80%: kept as is")
            case _ where p.offArm:
                (v.action, v.reason) = ("another_time", "its time is not the settled best: the experiment moves it")
            case _ where (caps[p.category] ?? 5) < p.intensity:
                v.action = "lighter"
                v.reason = "intensity \(p.intensity), and \(p.category) is capped at \(caps[p.category]!)"
            case .adapt: (v.action, v.reason) = ("shorter", "40–80%: a shorter version")
            case .replace: (v.action, v.reason) = ("replace", "below 40%: its simplest form")
            }
            out.append(v)
        }
        return out
    }
}
