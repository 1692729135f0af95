// One insight: what it says, the evidence behind it, its honest confidence, its priority and its content id.

import HOSCore

/// An insight before wording: the fact, its subject (what it is about, stable across analyses) and the parts
/// that confidence is computed from.
public struct Insight: Sendable {
    public var kind: String
    /// What the insight is about, e.g. `correlation:steps:sleep_efficiency_pct:1`, `trend:resting_hr_bpm`.
    public var subject: String
    /// positive/negative (correlation), improving/worsening/rising/falling (trend, progress), reached,
    /// record (milestone), high/low (anomaly), elevated (risk).
    public var direction: String
    /// A coarse size (weak/moderate/strong, a streak level): part of the id, so a changed size is news.
    public var sizeClass: String
    public var metrics: [String]
    public var title = ""
    public var detail = ""
    public var action = ""
    public var evidence: [String: JSON]
    /// Evidence strength, sample and size parts of the confidence, each 0–1 (hos-insights(1)).
    public var strength: Double
    public var sample: Double
    public var size: Double
    /// 1 when an earlier analysis gave this subject the same direction, −1 the opposite one, 0 none.
    public var agreement = 0
    public var confidence = 0.0
    public var priority = 0
    /// new, or changed (memory had the subject with another id).
    public var status = "new"
    public var previous: [String: JSON]?
    /// For words: the raw numbers the templates need.
    public var words: [String: Double] = [:]
    public var notes: [String: String] = [:]

    public init(
        kind: String, subject: String, direction: String, sizeClass: String, metrics: [String],
        evidence: [String: JSON], strength: Double, sample: Double, size: Double
    ) {
        self.kind = kind
        self.subject = subject
        self.direction = direction
        self.sizeClass = sizeClass
        self.metrics = metrics
        self.evidence = evidence
        self.strength = strength
        self.sample = sample
        self.size = size
    }

    /// `ins-` and 16 hex digits of the hash of user, kind, subject, direction and size class: the same fact
    /// about the same user always has the same id, and a changed direction or size gets a new one.
    public func id(user: String) -> String {
        "ins-" + StableHash.hex(StableHash.of("insight", user, kind, subject, direction, sizeClass))
    }

    /// confidence = c₀ + 0.3 (1 − c₀) when an earlier analysis agreed, c₀ / 2 when one disagreed, else c₀,
    /// where c₀ = E × (0.4 + 0.3 S + 0.3 Z); rounded to 2 decimals, at most 0.99.
    public static func confidence(strength e: Double, sample s: Double, size z: Double, agreement: Int) -> Double {
        let c0 = max(0, min(1, e)) * (0.4 + 0.3 * max(0, min(1, s)) + 0.3 * max(0, min(1, z)))
        let c = agreement > 0 ? c0 + 0.3 * (1 - c0) : agreement < 0 ? c0 / 2 : c0
        return min(0.99, (c * 100).rounded() / 100)
    }

    /// The sample part: n / (n + 14), so 14 days weigh 0.5 and 56 days 0.8.
    public static func sample(_ n: Int) -> Double { Double(n) / Double(n + 14) }

    /// Priority 1–99: the kind's place in the archetype's order (first 80, second 70, third 60, others 45;
    /// risk at least 75), + 15 × (confidence − 0.5), + 5 when a metric is one the archetype watches, + 12 × the
    /// user's feedback on the kind, (useful − not useful) / (useful + not useful + 2).
    public static func priority(
        kind: String, confidence: Double, metrics: [String], archetype: Archetype,
        feedback: (useful: Int, notUseful: Int)?
    ) -> Int {
        let order = ArchetypePolicy.of(archetype).priorities
        var base = 45.0
        if let i = order.firstIndex(of: kind) { base = [80.0, 70, 60][min(i, 2)] }
        if kind == "risk" { base = max(base, 75) }
        var p = base + 15 * (confidence - 0.5)
        if metrics.contains(where: MetricSemantics.focus(archetype).contains) { p += 5 }
        if let f = feedback {
            p += 12 * Double(f.useful - f.notUseful) / Double(f.useful + f.notUseful + 2)
        }
        return Int(max(1, min(99, p.rounded())))
    }
}
