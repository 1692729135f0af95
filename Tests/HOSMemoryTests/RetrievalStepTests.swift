// Retrieval's steps on their own: how an earlier analysis's stored results merge into one history entry.

import HOSCore
import Testing

@testable import HOSMemory

@Suite struct RetrievalStepTests {
    /// Each kind of result adds its fields and counts towards the analysis's importance; the request does not.
    @Test func resultsMergeIntoTheirAnalysis() {
        var a: [String: JSON] = [:]
        #expect(
            MemoryStore.merge(
                summary: ["difficulty": .number(3), "items": .number(5)], of: EventType.routinePlan,
                into: &a))
        #expect(a["routine_difficulty"] == .number(3) && a["routine_items"] == .number(5))
        #expect(MemoryStore.merge(summary: ["energy_kcal": .number(2100)], of: EventType.nutritionPlan, into: &a))
        #expect(MemoryStore.merge(summary: [:], of: EventType.insight, into: &a))
        #expect(MemoryStore.merge(summary: [:], of: EventType.insight, into: &a))
        #expect(a["insights"] == .number(2))
        #expect(a["energy_kcal"] == .number(2100))
        // Rows come newest first: the first as_of seen stays.
        #expect(!MemoryStore.merge(summary: ["as_of": "2026-03-14"], of: EventType.analysisRequest, into: &a))
        #expect(!MemoryStore.merge(summary: ["as_of": "2026-03-01"], of: EventType.analysisRequest, into: &a))
        #expect(a["as_of"] == "2026-03-14")
        #expect(!MemoryStore.merge(summary: ["x": .number(1)], of: EventType.healthRecord, into: &a))
        #expect(a["x"] == nil)
    }
}
