// The archetype's voice (hos-events(7), ARCHETYPES: tone): how an insight's title opens and how its action is framed.

import HOSCore

/// Words that differ by archetype; the facts and numbers do not.
public struct Voice: Sendable {
    public let archetype: Archetype

    public init(_ archetype: Archetype) { self.archetype = archetype }

    /// The opening of a title, by kind and direction (good news, bad news, neutral).
    public func headline(_ kind: String, good: Bool?) -> String {
        switch (archetype, kind) {
        case (.peakPerformer, "correlation"): "Performance lever"
        case (.peakPerformer, "trend"): good == false ? "Performance drag" : "Trajectory"
        case (.peakPerformer, "milestone"): "New benchmark"
        case (.peakPerformer, "progress"): good == false ? "Regression" : "Gain"
        case (.peakPerformer, _): "Recovery alert"
        case (.systematicImprover, "correlation"): "Finding"
        case (.systematicImprover, "trend"): "Measured trend"
        case (.systematicImprover, "milestone"): "Data point worth noting"
        case (.systematicImprover, "progress"): "Progress, measured"
        case (.systematicImprover, _): "Signal in the data"
        case (.transformationSeeker, "correlation"): "Breakthrough lever"
        case (.transformationSeeker, "trend"): good == false ? "Watch out" : "Transformation under way"
        case (.transformationSeeker, "milestone"): "Breakthrough"
        case (.transformationSeeker, "progress"): good == false ? "Time to refocus" : "You are transforming"
        case (.transformationSeeker, _): "Protect your momentum"
        case (.foundationBuilder, "correlation"): "A simple pattern"
        case (.foundationBuilder, "trend"): good == false ? "A gentle heads-up" : "Steady progress"
        case (.foundationBuilder, "milestone"): "Well done"
        case (.foundationBuilder, "progress"): good == false ? "A small dip" : "You are building it"
        case (.foundationBuilder, _): "A gentle heads-up"
        case (.resilienceRebuilder, "correlation"): "What helps you recover"
        case (.resilienceRebuilder, "trend"): good == false ? "Your body is asking for care" : "You are recovering"
        case (.resilienceRebuilder, "milestone"): "A moment to acknowledge"
        case (.resilienceRebuilder, "progress"): good == false ? "Be kind to yourself" : "Restoring, step by step"
        case (.resilienceRebuilder, _): "Your body is asking for rest"
        case (.connectedExplorer, "correlation"): "Discovery"
        case (.connectedExplorer, "trend"): good == false ? "A change to explore" : "On the move"
        case (.connectedExplorer, "milestone"): "Something to share"
        case (.connectedExplorer, "progress"): good == false ? "A detour" : "Journey so far"
        case (.connectedExplorer, _): "Check in with yourself"
        }
    }

    /// The action around its core (`aim for at least 7 h 30 min of sleep`).
    public func action(_ core: String, kind: String) -> String {
        switch archetype {
        case .peakPerformer: "Optimise: \(core)."
        case .systematicImprover:
            kind == "correlation"
                ? "Test it for 14 days: \(core); then compare the numbers."
                : "Next step: \(core); keep logging so the data can confirm it."
        case .transformationSeeker: "Commit to it: \(core). Small levers compound into transformation."
        case .foundationBuilder: "One small step: \(core). Consistency matters more than perfection."
        case .resilienceRebuilder: "Gently, when you feel able: \(core). Rest counts as progress too."
        case .connectedExplorer: "Make it shared: \(core), and invite someone to join you."
        }
    }
}
