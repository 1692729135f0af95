// The six archetypes (hos-events(7), ARCHETYPES): one definition that every command reads.

/// A user archetype: what the user wants from hos, which shapes targets, load and tone.
public enum Archetype: String, CaseIterable, Sendable, Codable {
    case peakPerformer = "Peak Performer"
    case systematicImprover = "Systematic Improver"
    case transformationSeeker = "Transformation Seeker"
    case foundationBuilder = "Foundation Builder"
    case resilienceRebuilder = "Resilience Rebuilder"
    case connectedExplorer = "Connected Explorer"

    /// The display name, as written in events (`"Foundation Builder"`).
    public var name: String { rawValue }

    /// A lowercase, hyphenated name for flags and files (`foundation-builder`).
    public var slug: String { String(rawValue.lowercased().map { $0 == " " ? "-" : $0 }) }

    /// Accepts the display name or the slug, in any case, with `-`, `_` or spaces.
    public init?(named text: String) {
        let key = String(text.lowercased().map { $0 == "_" || $0 == " " ? "-" : $0 })
        guard let a = Archetype.allCases.first(where: { $0.slug == key }) else { return nil }
        self = a
    }

    /// Plan items per day beyond sleep (hos-events(7), ARCHETYPES).
    public var dailyLoad: Int {
        switch self {
        case .foundationBuilder, .resilienceRebuilder: 2
        case .connectedExplorer: 3
        case .systematicImprover, .transformationSeeker: 4
        case .peakPerformer: 5
        }
    }

    public var focus: String {
        switch self {
        case .foundationBuilder: "simple, sustainable basics; consistency first"
        case .resilienceRebuilder: "recovery and restoration after burnout or illness"
        case .connectedExplorer: "social and adventure-oriented wellness; flexible timing"
        case .systematicImprover: "methodical, evidence-based progress"
        case .transformationSeeker: "ambitious lifestyle change"
        case .peakPerformer: "elite optimisation, precise timing, metrics"
        }
    }

    public var tone: String {
        switch self {
        case .foundationBuilder: "gentle, supportive"
        case .resilienceRebuilder: "safe, restorative, self-compassionate"
        case .connectedExplorer: "meaningful, community, exploration"
        case .systematicImprover: "progress, method"
        case .transformationSeeker: "breakthrough, transformation"
        case .peakPerformer: "performance, optimisation"
        }
    }

    /// All display names, for help texts.
    public static var namesList: String { allCases.map(\.name).joined(separator: ", ") }
}
