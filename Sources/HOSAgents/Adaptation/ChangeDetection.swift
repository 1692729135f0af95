// Preferences that move: when the arm a plan carried does markedly worse than its own earlier evidence, the
// evidence from before the change is mostly forgotten, so the other arms are tried again.

import HOSCore

/// The change test of hos-adapt(1) and the weight each feedback keeps in the arm posteriors.
public enum ChangeDetection {
    /// Per pair of `join`, its weight: 1, times `AdaptationRules.forgetOnChange` for each change found at a
    /// later plan on this dimension; and the plans (oldest first) where a change began.
    ///
    /// Plans are taken in date order, and the test at each uses only what was known then. For each arm the
    /// plan carried, each split of that arm's last `changeScanPlans` plans into earlier evidence (before the
    /// split, as weighted so far) and recent evidence (from the split to this plan) is tested, recent plans
    /// no harder than the earlier ones: at each intensity I, recent plans of intensity ≤ I (n₁, r₁) against
    /// earlier ones of intensity ≥ I (n₀, r₀), so that a drop a harder plan explains is no move. The test is a
    /// one-sided two-proportion z-test on Laplace-smoothed rates, r = (s + 1) / (n + 2),
    /// z = (r₀ − r₁) / √(p̄(1 − p̄)(1/n₀ + 1/n₁)), p̄ the smoothed pooled rate; z ≥ 1.96 with n₀ ≥ 7 and
    /// n₁ ≥ 5 is a change, which begins at the split with the largest z. The smoothing keeps a lucky streak
    /// (14 of 14) followed by an ordinary week from passing; the scan finds a move one or two plans late
    /// that the plan alone, diluted by the failures after the move, no longer shows.
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
        // Each arm's plans so far, oldest first: (plan's position in `order`, pairs, intensity).
        var history: [String: [(at: Int, pairs: [Int], intensity: Int)]] = [:]
        var changes: [String] = []
        for (at, plan) in order.enumerated() {
            var arms: [String: (pairs: [Int], intensity: Int)] = [:]
            for i in byPlan[plan]! {
                let item = join.pairs[i].item
                let o = arms[item.variant[dimension]!] ?? ([], 0)
                arms[item.variant[dimension]!] = (o.pairs + [i], max(o.intensity, item.intensity ?? 0))
            }
            for (arm, o) in arms { history[arm, default: []].append((at, o.pairs, o.intensity)) }
            var best: (z: Double, at: Int)?
            for arm in arms.keys.sorted() {
                if let found = strongestDrop(history[arm]!, join: join, weights: weights), found.z > (best?.z ?? 0) {
                    best = found
                }
            }
            guard let start = best?.at else { continue }
            for p in order[..<start] { for i in byPlan[p]! { weights[i] *= r.forgetOnChange } }
            changes.append(order[start])
        }
        return (weights, changes)
    }

    /// The largest z among the splits of an arm's last plans that pass the test, and the plan it begins at.
    static func strongestDrop(
        _ plans: [(at: Int, pairs: [Int], intensity: Int)], join: FeedbackJoin, weights: [Double]
    ) -> (z: Double, at: Int)? {
        func sum(_ ps: ArraySlice<(at: Int, pairs: [Int], intensity: Int)>) -> (s: Double, n: Double) {
            ps.reduce((0.0, 0.0)) { acc, p in
                p.pairs.reduce(acc) { ($0.0 + weights[$1] * join.pairs[$1].feedback.score, $0.1 + weights[$1]) }
            }
        }
        var best: (z: Double, at: Int)?
        for split in max(1, plans.count - AdaptationRules.changeScanPlans)..<plans.count {
            let (before, after) = (plans[..<split], plans[split...])
            for level in Set(after.map(\.intensity)) {
                let e = sum(before.filter { $0.intensity >= level }[...])
                let o = sum(after.filter { $0.intensity <= level }[...])
                if let z = dropZ(earlier: e, recent: o), z > (best?.z ?? 0) { best = (z, plans[split].at) }
            }
        }
        return best
    }

    /// The one-sided z of a drop from the earlier evidence to the recent, when it reaches the test's bar.
    static func dropZ(earlier e: (s: Double, n: Double), recent o: (s: Double, n: Double)) -> Double? {
        let r = AdaptationRules.self
        guard e.n >= r.changeMinEarlier, o.n >= r.changeMinRecent else { return nil }
        let p = (e.s + o.s + 1) / (e.n + o.n + 2)
        let z = ((e.s + 1) / (e.n + 2) - (o.s + 1) / (o.n + 2)) / (p * (1 - p) * (1 / e.n + 1 / o.n)).squareRoot()
        return z >= r.changeZ ? z : nil
    }
}
