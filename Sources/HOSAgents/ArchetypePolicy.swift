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
            ArchetypePolicy(
                sleepNeedMin: 480, stepsTarget: 12000, activeMinutesTarget: 60, baseDifficulty: 4,
                nutritionGoal: "performance", priorities: ["trend", "correlation", "progress"])
        case .systematicImprover:
            ArchetypePolicy(
                sleepNeedMin: 450, stepsTarget: 10000, activeMinutesTarget: 45, baseDifficulty: 3,
                nutritionGoal: "maintenance", priorities: ["correlation", "trend", "progress"])
        case .transformationSeeker:
            ArchetypePolicy(
                sleepNeedMin: 450, stepsTarget: 9000, activeMinutesTarget: 45, baseDifficulty: 3,
                nutritionGoal: "deficit", priorities: ["progress", "milestone", "trend"])
        case .foundationBuilder:
            ArchetypePolicy(
                sleepNeedMin: 450, stepsTarget: 7000, activeMinutesTarget: 20, baseDifficulty: 2,
                nutritionGoal: "maintenance", priorities: ["milestone", "progress", "risk"])
        case .resilienceRebuilder:
            ArchetypePolicy(
                sleepNeedMin: 480, stepsTarget: 5000, activeMinutesTarget: 15, baseDifficulty: 1,
                nutritionGoal: "maintenance", priorities: ["risk", "anomaly", "progress"])
        case .connectedExplorer:
            ArchetypePolicy(
                sleepNeedMin: 450, stepsTarget: 8000, activeMinutesTarget: 30, baseDifficulty: 2,
                nutritionGoal: "maintenance", priorities: ["correlation", "milestone", "progress"])
        }
    }
}

extension ArchetypePolicy {
    /// The order the help texts list archetypes by difficulty: Peak Performer first, Resilience Rebuilder last.
    public static let byDifficulty: [Archetype] = [
        .peakPerformer, .systematicImprover, .transformationSeeker,
        .foundationBuilder, .connectedExplorer, .resilienceRebuilder,
    ]
    /// The order the help texts list archetypes by daily load: Foundation Builder first, Peak Performer last.
    public static let byLoad: [Archetype] = [
        .foundationBuilder, .resilienceRebuilder, .connectedExplorer,
        .systematicImprover, .transformationSeeker, .peakPerformer,
    ]

    /// A per-archetype value in words, in `order`: "Peak Performer 4, Systematic Improver 3, …"; `grouped`
    /// lets neighbours with the same value share it: "Systematic Improver and Transformation Seeker 3".
    public static func words(
        _ order: [Archetype], grouped: Bool = false, separator: String = ", ",
        _ value: (Archetype) -> String
    ) -> String {
        var parts: [(names: [String], value: String)] = []
        for a in order {
            let v = value(a)
            if grouped, let last = parts.last, last.value == v {
                parts[parts.count - 1].names.append(a.name)
            } else {
                parts.append(([a.name], v))
            }
        }
        return parts.map { $0.names.joined(separator: " and ") + " " + $0.value }.joined(separator: separator)
    }

    /// The archetypes whose value differs from the most common one, then that value alone, for the caller to
    /// end ("for the others", "otherwise"): "480 min for Peak Performer and Resilience Rebuilder, 450".
    public static func exceptions(unit: String, _ value: (Archetype) -> Int) -> String {
        let all = Archetype.allCases
        let usual = all.map(value).max { a, b in
            all.filter { value($0) == a }.count < all.filter { value($0) == b }.count
        }!
        var others: [Int] = []
        for a in all where value(a) != usual && !others.contains(value(a)) { others.append(value(a)) }
        return
            (others.map { v in
                "\(v) \(unit) for " + all.filter { value($0) == v }.map(\.name).joined(separator: " and ")
            } + ["\(usual)"]).joined(separator: ", ")
    }
}

/// The archetype an analysis runs under: the request's, else the events', else Foundation Builder.
///
/// A fallback is noted once per process, counting users (`hos-behavior: note: 3 users without an archetype
/// were analysed as Foundation Builder …`). The agent that falls back stamps the archetype on its results, so
/// the agents after it in a pipe or a hos-run pipeline see one and stay silent: a pipeline says it once.
public func resolveArchetype(request: Event, seen: String?, agent: String) -> Archetype {
    if let a = request.payload["archetype"]?.stringValue.flatMap(Archetype.init(named:)) { return a }
    if let a = request.archetype.flatMap(Archetype.init(named:)) { return a }
    if let a = seen.flatMap(Archetype.init(named:)) { return a }
    Warnings.note(
        "archetype fallback", tool: agent, place: nil, key: request.userID,
        line: "a user without an archetype was analysed as \(Archetype.foundationBuilder.name)", level: "note"
    ) { _, users in
        "\(users) user\(users == 1 ? "" : "s") without an archetype \(users == 1 ? "was" : "were") analysed as "
            + "\(Archetype.foundationBuilder.name) (set one with --archetype on the importer or in the events)"
    }
    return .foundationBuilder
}
