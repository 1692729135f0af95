// Preferences that move: when the arm a plan carried does markedly worse than its own earlier evidence, the
// evidence from before that plan is mostly forgotten, so the other arms are tried again.

import HOSCore

/// The change test of hos-adapt(1) and the weight each feedback keeps in the arm posteriors.
public enum ChangeDetection {
    /// Per pair of `join`, its weight: 1, times `AdaptationRules.forgetOnChange` for each change found at a
    /// later plan on this dimension; and the plans (oldest first) where a change was found.
    ///
    /// Plans are taken in date order. At each, for each arm it carried, its feedback there (n₁ of them, mean
    /// score r₁) is compared with the same arm's weighted evidence before it on items of the same intensity
    /// or higher (n₀, r₀; a drop on a harder plan is not a move) by a one-sided
    /// two-proportion z-test, z = (r₀ − r₁) / √(p̄(1 − p̄)(1/n₀ + 1/n₁)), p̄ the pooled rate; z ≥ 2.58
    /// (p < 0.005) with n₀ ≥ 7 and n₁ ≥ 5 is a change. A steady arm rarely trips it; a preferred window
    /// that moves (0.85 to 0.25) does within a week.
    public static func weights(_ join: FeedbackJoin, dimension: String) -> (weights: [Double], changes: [String]) {
        let r = AdaptationRules.self
        var byPlan: [String: [Int]] = [:]
        var dates: [String: Int] = [:]
        for (i, pair) in join.pairs.enumerated() where pair.item.variant[dimension] != nil {
            byPlan[pair.item.planID, default: []].append(i)
            dates[pair.item.planID] = min(dates[pair.item.planID] ?? Int.max, pair.item.date?.daysSinceEpoch ?? Int.min)
        }
        let order = byPlan.keys.sorted { (dates[$0]!, $0) < (dates[$1]!, $1) }
        var weights = Array(repeating: 1.0, count: join.pairs.count)
        // Earlier evidence per arm and intensity, so that a plan is compared with evidence at its intensity
        // or harder: a drop that a harder plan explains is no change of preference.
        var earlier: [Evidence: (s: Double, n: Double)] = [:]
        var seen: [Int] = []
        var changes: [String] = []
        for plan in order {
            var recent: [String: (s: Double, n: Double, intensity: Int)] = [:]
            for i in byPlan[plan]! {
                let (item, f) = join.pairs[i]
                let arm = item.variant[dimension]!
                let o = recent[arm] ?? (0, 0, 0)
                recent[arm] = (o.s + f.score, o.n + 1, max(o.intensity, item.intensity ?? 0))
            }
            let moved = recent.contains { arm, o in
                let before = earlier.filter { $0.key.arm == arm && $0.key.intensity >= o.intensity }.values
                let e = before.reduce((s: 0.0, n: 0.0)) { ($0.s + $1.s, $0.n + $1.n) }
                return dropped(earlier: e, recent: (o.s, o.n))
            }
            if moved {
                for i in seen { weights[i] *= r.forgetOnChange }
                earlier = earlier.mapValues { ($0.s * r.forgetOnChange, $0.n * r.forgetOnChange) }
                changes.append(plan)
            }
            for i in byPlan[plan]! {
                let (item, f) = join.pairs[i]
                let key = Evidence(arm: item.variant[dimension]!, intensity: item.intensity ?? 0)
                let e = earlier[key] ?? (0, 0)
                earlier[key] = (e.s + f.score, e.n + 1)
            }
            seen += byPlan[plan]!
        }
        return (weights, changes)
    }

    struct Evidence: Hashable {
        var arm: String
        var intensity: Int
    }

    /// The one-sided two-proportion z-test of a drop from the earlier evidence to the recent.
    static func dropped(earlier e: (s: Double, n: Double), recent o: (s: Double, n: Double)) -> Bool {
        let r = AdaptationRules.self
        guard e.n >= r.changeMinEarlier, o.n >= r.changeMinRecent else { return false }
        let p = (e.s + o.s) / (e.n + o.n)
        guard p > 0, p < 1 else { return false }
        let z = (e.s / e.n - o.s / o.n) / (p * (1 - p) * (1 / e.n + 1 / o.n)).squareRoot()
        return z >= r.changeZ
    }
}
