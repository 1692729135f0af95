// Archetype switching: when a user's archetype changes, what hos-adapt learned of the person stays (or, fresh,
// is set aside) and the archetype-level priors change, at once or blended over some plans.

import HOSCore

/// What hos-adapt does when a user's archetype is not the one it last decided with (`--archetype-switch`).
public enum ArchetypeSwitchStrategy: Sendable, Equatable, CustomStringConvertible {
    /// The person's evidence stays; the new archetype's pooled priors replace the old ones at once (the default).
    case adaptive
    /// The person's evidence from before the switch counts 0: a fresh start from the new archetype's priors
    /// and base difficulty.
    case fresh
    /// The person's evidence stays; each prior mixes the old archetype's and the new one's, the new one's share
    /// rising linearly to 1 over N plans.
    case blend(plans: Int)

    /// The longest blend, in plans.
    public static let maxBlendPlans = 52

    /// A strategy as the option and the memory file spell it: adaptive, fresh or blend:N (N from 1 to 52).
    public init?(argument: String) {
        switch argument {
        case "adaptive": self = .adaptive
        case "fresh": self = .fresh
        default:
            guard argument.hasPrefix("blend:"), let n = Int(argument.dropFirst("blend:".count)),
                (1...Self.maxBlendPlans).contains(n)
            else { return nil }
            self = .blend(plans: n)
        }
    }

    public var description: String {
        switch self {
        case .adaptive: "adaptive"
        case .fresh: "fresh"
        case .blend(let n): "blend:\(n)"
        }
    }
}

/// The archetype switch in effect at one decision: a new one, or the user's latest stored one.
public struct ArchetypeSwitchState: Sendable, Equatable {
    public var record: ArchetypeSwitchRecord
    /// True at the decision that saw the switch: its record is stored with it.
    public var isNew: Bool
    /// The recorded strategy: a switch keeps the strategy it was seen under until the next switch.
    public var strategy: ArchetypeSwitchStrategy
    /// Decisions made since the switch, before this one: the plans the new archetype has shaped so far.
    public var plansSince: Int

    /// The switch at a decision: new when the request's archetype is not the one the user's stored arms were
    /// last decided with; else the user's latest stored switch when it led to this archetype; else nil.
    public static func at(_ input: AdaptInput, strategy: ArchetypeSwitchStrategy) -> Self? {
        let current = input.archetype.name
        let h = input.history
        if let last = h.arms.compactMap(\.archetype).first, !last.isEmpty, last != current {
            let record = ArchetypeSwitchRecord(
                from: last, to: current, switchedAt: input.timestamp,
                since: LocalDate(String(input.timestamp.prefix(10))), analysisID: input.analysisID,
                strategy: strategy.description)
            return Self(record: record, isNew: true, strategy: strategy, plansSince: 0)
        }
        guard let r = h.archetypeSwitch, r.to == current else { return nil }
        // Both times are as the memory file stores them (UTC), so they compare as text.
        let since = Set(h.decisions.filter { $0.decidedAt >= r.switchedAt }.map(\.decisionID))
        return Self(
            record: r, isNew: false, strategy: ArchetypeSwitchStrategy(argument: r.strategy) ?? .adaptive,
            plansSince: since.count)
    }

    /// The new archetype's share of each prior: 1, but min(1, (plans_since + 1) / N) under blend:N, so the
    /// plan after the switch gets 1/N and the N-th plan the new prior whole.
    public var blendWeight: Double {
        if case .blend(let n) = strategy { return min(1, Double(plansSince + 1) / Double(n)) }
        return 1
    }

    /// The weight of the person's own evidence from before the switch: 0 under fresh, else 1.
    public var ownWeight: Double { strategy == .fresh ? 0 : 1 }

    /// True while the switch shapes decisions: adaptive at the switch only, blend:N while the new prior's share
    /// is below 1 or reaches it, fresh until the next switch (its earlier evidence stays set aside).
    public var applies: Bool {
        switch strategy {
        case .adaptive: isNew
        case .fresh: true
        case .blend(let n): plansSince < n
        }
    }

    /// The feedback the person's learning uses: all of it, but under fresh only that on plans dated from the
    /// switch on (a plan without a date counts as earlier).
    public func learning(_ join: FeedbackJoin) -> FeedbackJoin {
        guard ownWeight < 1 else { return join }
        var j = join
        j.pairs = join.pairs.filter { p in
            guard let d = p.item.date, let since = record.since else { return false }
            return d >= since
        }
        return j
    }

    /// An arm's prior under the switch: the new archetype's pooled prior, under blend mixed with the old one's,
    /// alpha = w·alpha_new + (1 − w)·alpha_old and likewise beta (w the blend weight); the source is the new one's.
    public func prior(_ pool: AdaptPool, user: String, dimension: String, arm: String)
        -> (alpha: Double, beta: Double, source: PriorSource)
    {
        let new = pool.prior(user: user, archetype: record.to, dimension: dimension, arm: arm)
        let w = blendWeight
        guard w < 1 else { return new }
        let old = pool.prior(user: user, archetype: record.from, dimension: dimension, arm: arm)
        return (w * new.alpha + (1 - w) * old.alpha, w * new.beta + (1 - w) * old.beta, new.source)
    }

    /// As the adaptation payload reports it.
    public var report: ArchetypeSwitchReport {
        var r = ArchetypeSwitchReport()
        (r.from, r.to, r.since, r.analysisID) = (record.from, record.to, record.since, record.analysisID)
        (r.strategy, r.plansSince) = (strategy.description, plansSince)
        (r.blendWeight, r.ownWeight) = (JSON.rounded(blendWeight, places: 4), ownWeight)
        return r
    }
}
