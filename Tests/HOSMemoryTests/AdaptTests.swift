// hos-adapt's persistence on real SQLite files: plans and feedback it records, its decision through hos-memory's
// tables into the next memory_context, the arms and the decision log, forget, and the schema's checks.

import Foundation
import HOSCore
import Testing

@testable import HOSMemory

private func plan(_ user: String, id: String, plan: String, date: String, exercise: String, ts: String) -> Event {
    let payload: JSON = [
        "plan_id": .string(plan), "date": .string(date), "difficulty": 3,
        "items": [
            [
                "item_id": "exercise", "category": "exercise", "intensity": 3,
                "variant": ["exercise_time": .string(exercise)],
            ],
            ["item_id": "sleep", "category": "sleep", "intensity": 1, "variant": ["sleep_shift": "gradual"]],
        ],
    ]
    return Event(
        id: id, type: EventType.routinePlan, user: user, timestamp: ts, source: "hos-routine",
        archetype: "Peak Performer", analysisID: "a-" + id, payload: payload.objectValue!)
}

private func feedbackEvent(_ user: String, plan: String, item: String, date: String, status: String) -> Event {
    Event(
        id: "f-\(user)-\(plan)-\(item)-\(date)", type: EventType.planFeedback, user: user,
        timestamp: date + "T21:00:00Z",
        payload: ["plan_id": .string(plan), "item_id": .string(item), "status": .string(status), "date": .string(date)])
}

private func adaptation(_ user: String, id: String, ts: String, chosen: String, difficulty: Int) -> Event {
    let payload: JSON = [
        "difficulty": ["from": 3, "to": .number(Double(difficulty)), "reason": "test"],
        "experiments": [
            [
                "dimension": "exercise_time", "chosen": .string(chosen), "propensity": 0.9,
                "arms": [
                    ["arm": "morning", "successes": 5, "failures": 2, "p_best": 0.9],
                    ["arm": "evening", "successes": 1, "failures": 6, "p_best": 0.1],
                ],
            ]
        ],
        "predicted_adherence": ["mean": 0.71, "low": 0.5, "high": 0.9],
    ]
    return Event(
        id: id, type: EventType.adaptation, user: user, timestamp: ts, source: "hos-adapt",
        archetype: "Peak Performer", analysisID: "a-" + id, payload: payload.objectValue!)
}

private func arm(_ user: String, _ name: String, s: Double, f: Double, chosen: Bool) -> AdaptArmState {
    AdaptArmState(
        user: user, archetype: "Peak Performer", dimension: "exercise_time", arm: name, priorAlpha: 1.5,
        priorBeta: 1.25, successes: s, failures: f, pulls: 1, pBest: chosen ? 0.9 : 0.1, chosen: chosen)
}

private func decision(id: String, plan: String? = nil, reward: Double? = nil) -> AdaptDecisionLog {
    AdaptDecisionLog(
        decisionID: id, dimension: "exercise_time", analysisID: "a-1",
        decidedAt: "2026-03-02T00:00:00Z", policy: "thompson", chosen: "morning", propensity: 0.9,
        arms: [ArmSnapshot(arm: "morning", alpha: 6.5, beta: 3.25, pBest: 0.9, probability: 0.9)],
        context: ["archetype": "Peak Performer"], planID: plan, applied: plan.map { _ in true },
        reward: reward, rewardN: reward == nil ? 0 : 7)
}

@Suite struct AdaptStoreTests {
    @Test func recordsPlansAndFeedbackAndReadsThemBackPerUser() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        let events = [
            plan("u-1", id: "p1", plan: "rp-1", date: "2026-03-02", exercise: "morning", ts: "2026-03-02T00:00:00Z"),
            feedbackEvent("u-1", plan: "rp-1", item: "exercise", date: "2026-03-02", status: "completed"),
            feedbackEvent("u-1", plan: "rp-1", item: "sleep", date: "2026-03-02", status: "partial"),
            plan("u-2", id: "p2", plan: "rp-2", date: "2026-03-02", exercise: "evening", ts: "2026-03-02T00:00:00Z"),
        ]
        #expect(try store.store(events) == 4)
        // The same events again: nothing new (idempotent by event_id).
        #expect(try store.store(events) == 0)
        let s = try store.adaptation(user: "u-1", resultEventID: "none")
        #expect(s.items.map(\.itemID) == ["exercise", "sleep"])
        #expect(
            s.items[0].variant == ["exercise_time": "morning"] && s.items[0].intensity == 3
                && s.items[0].difficulty == 3)
        #expect(s.feedback.map(\.status) == [.completed, .partial])
        #expect(s.difficulty == nil && s.previousAnswer == nil)
        // Nothing of u-2 in u-1's history.
        #expect(!s.items.contains { $0.planID == "rp-2" })
    }

    @Test func theDecisionReachesTheNextMemoryContext() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        let event = adaptation("u-1", id: "ad-1", ts: "2026-03-09T00:00:00Z", chosen: "morning", difficulty: 4)
        try store.saveAdaptation(
            event: event, predictedAdherence: 0.71,
            arms: [arm("u-1", "morning", s: 5, f: 2, chosen: true), arm("u-1", "evening", s: 1, f: 6, chosen: false)],
            decisions: [decision(id: "d1")])
        let context = try store.retrieve(user: "u-1", asOf: LocalDate("2026-03-08"))
        let state = try #require(context["adaptation_state"])
        #expect(state["difficulty"] == 4)
        #expect(state["variants"] == ["exercise_time": "morning"])
        #expect(state["predicted_adherence"] == 0.71)
        #expect(state["experiments"]?.arrayValue?.first?["chosen"] == "morning")
        // The stored answer is found again by its event id (a replayed request).
        let s = try store.adaptation(user: "u-1", resultEventID: "ad-1")
        #expect(s.previousAnswer?["predicted_adherence"]?["mean"] == 0.71)
        #expect(s.difficulty == 4)
        #expect(s.arms.map(\.arm) == ["evening", "morning"] && s.arms[1].chosen)
        #expect(try store.check() == [])
    }

    @Test func armsAreUpsertedNewestWinsAndDecisionsGetTheirReward() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        try store.saveAdaptation(
            event: adaptation("u-1", id: "ad-1", ts: "2026-03-09T00:00:00Z", chosen: "morning", difficulty: 3),
            predictedAdherence: nil, arms: [arm("u-1", "morning", s: 5, f: 2, chosen: true)],
            decisions: [decision(id: "d1")])
        // A later decision updates the arm and links the earlier decision to its plan with a reward.
        try store.saveAdaptation(
            event: adaptation("u-1", id: "ad-2", ts: "2026-03-16T00:00:00Z", chosen: "morning", difficulty: 3),
            predictedAdherence: nil, arms: [arm("u-1", "morning", s: 10, f: 4, chosen: true)],
            decisions: [decision(id: "d1", plan: "rp-9", reward: 0.75), decision(id: "d2")])
        // An older report does not overwrite the newer arm.
        try store.saveAdaptation(
            event: adaptation("u-1", id: "ad-0", ts: "2026-03-01T00:00:00Z", chosen: "evening", difficulty: 3),
            predictedAdherence: nil, arms: [arm("u-1", "morning", s: 1, f: 1, chosen: false)], decisions: [])
        let arms = try store.adaptationArms()
        #expect(arms.count == 1 && arms[0].successes == 10 && arms[0].chosen && arms[0].priorAlpha == 1.5)
        let log = try store.adaptationDecisions(user: "u-1", dimension: "exercise_time")
        #expect(log.map(\.decision.decisionID) == ["d1", "d2"] && log.allSatisfy { $0.user == "u-1" })
        let first = log[0].decision
        #expect(first.planID == "rp-9" && first.applied == true && first.reward == 0.75 && first.rewardN == 7)
        #expect(first.arms.first?.alpha == 6.5)
        #expect(try store.adaptationDecisions(user: "u-2", dimension: nil).isEmpty)
    }

    @Test func forgetRemovesTheAdaptationRows() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        for u in ["u-1", "u-2"] {
            try store.saveAdaptation(
                event: adaptation(u, id: "ad-\(u)", ts: "2026-03-09T00:00:00Z", chosen: "morning", difficulty: 3),
                predictedAdherence: 0.6, arms: [arm(u, "morning", s: 1, f: 1, chosen: true)],
                decisions: [decision(id: "d-\(u)")])
        }
        let counts = try store.forget(user: "u-1", at: "2026-03-10T00:00:00Z").rows
        #expect(counts["adapt_arm"] == 1 && counts["adapt_decision"] == 1 && counts["adaptation_state"] == 1)
        #expect(try store.adaptationArms().map(\.user) == ["u-2"])
        #expect(try store.adaptationDecisions(user: nil, dimension: nil).map(\.user) == ["u-2"])
        let exported = try store.export(user: "u-2", at: "2026-03-10T00:00:00Z").map(\.table)
        #expect(exported.contains("adapt_arm") && exported.contains("adapt_decision"))
    }

    @Test func constraintsRejectImpossibleRows() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        #expect(throws: HOSError.self) {
            try store.testExecute(
                "INSERT INTO adapt_decision (user_id, decision_id, dimension, analysis_id, decided_at, policy, chosen, propensity, arms, context) VALUES ('u', 'd', 'x', 'a', 't', 'p', 'c', 0, '[]', '{}')"
            )
        }
        #expect(throws: HOSError.self) {
            try store.testExecute(
                "INSERT INTO adapt_arm (user_id, dimension, arm, prior_alpha, prior_beta, successes, failures, pulls, updated_at) VALUES ('u', 'd', 'a', 1, 1, -1, 0, 0, 't')"
            )
        }
    }
}
