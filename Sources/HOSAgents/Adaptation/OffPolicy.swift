// Off-line evaluation of a policy on the logged decisions: inverse propensity scoring (IPS) and its
// self-normalised form, with the effective sample size.

import Glibc
import HOSCore

/// A policy to evaluate on logged decisions.
public enum TargetPolicy: Sendable, Equatable, CustomStringConvertible {
    /// The logging policy itself (every weight 1: the mean logged reward).
    case logged
    /// Each arm with probability 1/k.
    case uniform
    /// The arm with the highest posterior mean at decision time.
    case greedy
    /// Thompson sampling with an exploration floor: explore + (1 − k·explore) · p_best.
    case thompson(explore: Double)
    /// Always this arm.
    case arm(String)

    /// Parses logged, uniform, greedy, thompson, thompson:EPS or arm:NAME.
    public init?(argument s: String) {
        switch s {
        case "logged": self = .logged
        case "uniform": self = .uniform
        case "greedy": self = .greedy
        case "thompson": self = .thompson(explore: 0)
        default:
            if s.hasPrefix("thompson:"), let e = Double(s.dropFirst(9)), e >= 0, e <= 1 {
                self = .thompson(explore: e)
            } else if s.hasPrefix("arm:"), s.count > 4 {
                self = .arm(String(s.dropFirst(4)))
            } else {
                return nil
            }
        }
    }

    public var description: String {
        switch self {
        case .logged: "logged"
        case .uniform: "uniform"
        case .greedy: "greedy"
        case .thompson(let e): e == 0 ? "thompson" : "thompson:\(e)"
        case .arm(let a): "arm:\(a)"
        }
    }

    /// The probability that this policy chooses `arm` given the arms as the decision saw them.
    public func probability(of arm: String, arms: [ArmSnapshot]) -> Double {
        let k = Double(arms.count)
        switch self {
        case .logged: return arms.first { $0.arm == arm }?.probability ?? 0
        case .uniform: return 1 / k
        case .greedy:
            var best = arms.first
            for a in arms where a.alpha / (a.alpha + a.beta) > (best.map { $0.alpha / ($0.alpha + $0.beta) } ?? -1) {
                best = a
            }
            return best?.arm == arm ? 1 : 0
        case .thompson(let explore):
            let eps = min(explore, 1 / k)
            return eps + (1 - k * eps) * (arms.first { $0.arm == arm }?.pBest ?? 0)
        case .arm(let a): return a == arm ? 1 : 0
        }
    }
}

/// The estimated mean reward of a policy on one dimension's logged decisions.
public struct OffPolicyEstimate: Sendable, Equatable {
    public var dimension: String
    public var policy: String
    /// Decisions used: applied (the plan carried the chosen arm) and rewarded.
    public var n: Int
    /// IPS: the mean of w·r with w = π(a)/μ(a); unbiased when every μ > 0 where π > 0.
    public var ips: Double?
    /// Its standard error (SD of w·r / √n) and a 95% normal interval.
    public var standardError: Double?
    public var low: Double?
    public var high: Double?
    /// Self-normalised IPS: Σ w·r / Σ w (biased, lower variance); nil when Σ w = 0.
    public var snips: Double?
    /// Effective sample size (Σ w)² / Σ w².
    public var effectiveN: Double
    public var maxWeight: Double
    /// The mean logged reward, for comparison.
    public var loggedMean: Double?

    public var json: JSON {
        func num(_ v: Double?) -> JSON { v.map { .number($0, places: 4) } ?? .null }
        return [
            "dimension": .string(dimension), "policy": .string(policy), "n": .number(Double(n)), "ips": num(ips),
            "se": num(standardError), "ci95": [num(low), num(high)], "snips": num(snips),
            "effective_n": .number(effectiveN, places: 2), "max_weight": .number(maxWeight, places: 3),
            "logged_mean": num(loggedMean),
        ]
    }
}

/// Inverse propensity scoring over logged decisions.
public enum OffPolicy {
    /// Estimates the policy's mean reward per decision on one dimension's decisions.
    public static func evaluate(_ decisions: [AdaptDecisionLog], dimension: String, target: TargetPolicy)
        -> OffPolicyEstimate
    {
        let usable = decisions.filter {
            $0.dimension == dimension && $0.applied == true && $0.reward != nil && $0.propensity > 0
        }
        var weights: [Double] = []
        var values: [Double] = []
        var rewards: [Double] = []
        for d in usable {
            let w = target.probability(of: d.chosen, arms: d.arms) / d.propensity
            weights.append(w)
            values.append(w * d.reward!)
            rewards.append(d.reward!)
        }
        let n = usable.count
        var e = OffPolicyEstimate(
            dimension: dimension, policy: target.description, n: n, effectiveN: 0, maxWeight: weights.max() ?? 0)
        guard n > 0 else { return e }
        let mean = values.reduce(0, +) / Double(n)
        e.ips = mean
        e.loggedMean = rewards.reduce(0, +) / Double(n)
        if n > 1 {
            let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)).squareRoot()
            e.standardError = sd / Double(n).squareRoot()
            e.low = mean - 1.959963984540054 * e.standardError!
            e.high = mean + 1.959963984540054 * e.standardError!
        }
        let sw = weights.reduce(0, +)
        let sw2 = weights.reduce(0) { $0 + $1 * $1 }
        if sw > 0 { e.snips = values.reduce(0, +) / sw }
        e.effectiveN = sw2 > 0 ? sw * sw / sw2 : 0
        return e
    }
}
