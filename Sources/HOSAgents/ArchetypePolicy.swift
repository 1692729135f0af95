// What each archetype asks of a day: targets, sleep need, pacing. One table that every agent reads.

import HOSCore

/// The targets and pacing of an archetype, used for consistency, plans and tone.
public struct ArchetypePolicy: Sendable {
    /// Nightly sleep the archetype aims for, in minutes.
    public var sleepNeedMin: Double
    public var stepsTarget: Double
    public var activeMinutesTarget: Double
    /// Starting plan difficulty (1–5) before adaptation moves it.
    public var baseDifficulty: Int
    /// Nutrition goal: deficit, maintenance or performance.
    public var nutritionGoal: String
    /// Which insight kinds come first, most important first.
    public var priorities: [String]

    /// Daily targets checked for consistency: metric → minimum to count a day as met.
    public var targets: [String: Double] {
        ["sleep_duration_min": sleepNeedMin, "steps": stepsTarget, "active_minutes": activeMinutesTarget]
    }

    public static func of(_ a: Archetype) -> ArchetypePolicy {
        switch a {
        case .peakPerformer:
            ArchetypePolicy(sleepNeedMin: 480, stepsTarget: 12000, activeMinutesTarget: 60, baseDifficulty: 4,
                            nutritionGoal: "performance", priorities: ["trend", "correlation", "progress"])
        case .systematicImprover:
            ArchetypePolicy(sleepNeedMin: 450, stepsTarget: 10000, activeMinutesTarget: 45, baseDifficulty: 3,
                            nutritionGoal: "maintenance", priorities: ["correlation", "trend", "progress"])
        case .transformationSeeker:
            ArchetypePolicy(sleepNeedMin: 450, stepsTarget: 9000, activeMinutesTarget: 45, baseDifficulty: 3,
                            nutritionGoal: "deficit", priorities: ["progress", "milestone", "trend"])
        case .foundationBuilder:
            ArchetypePolicy(sleepNeedMin: 450, stepsTarget: 7000, activeMinutesTarget: 20, baseDifficulty: 2,
                            nutritionGoal: "maintenance", priorities: ["milestone", "progress", "risk"])
        case .resilienceRebuilder:
            ArchetypePolicy(sleepNeedMin: 480, stepsTarget: 5000, activeMinutesTarget: 15, baseDifficulty: 1,
                            nutritionGoal: "maintenance", priorities: ["risk", "anomaly", "progress"])
        case .connectedExplorer:
            ArchetypePolicy(sleepNeedMin: 450, stepsTarget: 8000, activeMinutesTarget: 30, baseDifficulty: 2,
                            nutritionGoal: "maintenance", priorities: ["correlation", "milestone", "progress"])
        }
    }
}

/// The archetype an analysis runs under: the request's, else the events', else Foundation Builder.
public func resolveArchetype(request: Event, seen: String?) -> Archetype {
    if let a = request.payload["archetype"]?.stringValue.flatMap(Archetype.init(named:)) { return a }
    if let a = request.archetype.flatMap(Archetype.init(named:)) { return a }
    if let a = seen.flatMap(Archetype.init(named:)) { return a }
    return .foundationBuilder
}
