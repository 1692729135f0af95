// hos-events(7)'s payload tables, written from the contract types so the page cannot drift from the code.

import Foundation

/// The typed result payloads and their documentation.
public enum PayloadDocs {
    /// Every result payload declared field by field, in the order of the agents.
    public static let payloads: [any ContractPayload.Type] = [
        BehaviorAnalysisPayload.self, MemoryContextPayload.self, NutritionPlanPayload.self, RoutinePlanPayload.self,
        InsightPayload.self, AlertPayload.self, AdaptationPayload.self, AnalysisCompletePayload.self,
    ]

    /// The man-page (roff) text of every payload: a subsection per event type, an entry per field path.
    public static func roff() -> String {
        var out = ""
        for type in payloads {
            out += ".SS \(type.eventType)\n\(escape(type.summary))\n"
            for (path, doc) in FieldDoc.flattened(type.documentation) {
                out += ".TP\n\\fB\(escape(path))\\fR (\(escape(doc.type)))\n"
                if !doc.doc.isEmpty { out += escape(doc.doc) + "\n" }
            }
        }
        return out
    }

    /// Text safe in roff: backslashes, hyphens in words, and a leading dot or quote.
    static func escape(_ s: String) -> String {
        var t = s.replacingOccurrences(of: "\\", with: "\\e").replacingOccurrences(of: "-", with: "\\-")
        if t.hasPrefix(".") || t.hasPrefix("'") { t = "\\&" + t }
        return t
    }
}
