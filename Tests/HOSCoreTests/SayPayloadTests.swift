// What people say in the contract: plan_feedback's reason and rating, and user_profile's exercise preferences,
// decoded, written back the same, and a wrong value named by its path.

import Testing

@testable import HOSCore

@Suite struct SayPayloadTests {
    let feedback: [String: JSON] = [
        "plan_id": "rp-1", "item_id": "exercise", "status": "skipped", "date": "2026-03-02",
    ]

    @Test func aFeedbackCarriesAReasonAndARating() throws {
        var p = feedback
        (p["reason"], p["rating"]) = ("wrong_time", 2)
        let f = try PlanFeedback(payload: p)
        #expect(f.reason == .wrongTime && f.rating == 2)
        #expect(try PlanFeedback(payload: f.payload) == f)
        #expect(f.payload["reason"] == "wrong_time")
        for r in PlanFeedback.Reason.allCases {
            p["reason"] = .string(r.rawValue)
            #expect(try PlanFeedback(payload: p).reason == r)
        }
        // No reason: none written.
        #expect(try PlanFeedback(payload: feedback).payload["reason"] == nil)
    }

    @Test func anUnknownReasonIsBadInput() {
        for bad: JSON in ["tired", "WRONG_TIME", ""] {
            var p = feedback
            p["reason"] = bad
            #expect(throws: EventProblem("payload.reason must be wrong_time, too_hard, too_easy or no_time")) {
                try PlanFeedback(payload: p)
            }
        }
        var p = feedback
        p["reason"] = 3
        #expect(throws: EventProblem("payload.reason must be a string, not number")) { try PlanFeedback(payload: p) }
        p["reason"] = nil
        p["rating"] = 6
        #expect(throws: EventProblem("payload.rating outside its plausible range 1–5")) {
            try PlanFeedback(payload: p)
        }
        // ContractCheck (every reader's check, hos-validate --deep's) says the same.
        let e = Event(
            id: "f-1", type: EventType.planFeedback, user: "u-1", timestamp: "2026-03-02T21:00:00Z",
            payload: feedback.merging(["reason": "tired"]) { $1 })
        #expect(throws: EventProblem("payload.reason must be wrong_time, too_hard, too_easy or no_time")) {
            try ContractCheck.check(e)
        }
    }

    @Test func aProfileStatesExercisePreferences() throws {
        let p = try UserProfile(payload: [
            "exercise": ["preferred_time": "07:30", "max_intensity": 2, "available_days": ["sat", "mon", "mon"]]
        ])
        let e = try #require(p.exercise)
        #expect(e.preferredTime == .clock(ClockTime("07:30")!) && e.preferredTime?.window == "morning")
        #expect(e.maxIntensity == 2 && e.availableDays == [1, 6])
        #expect(try UserProfile(payload: p.payload) == p)
        #expect(p.payload["exercise"]?["available_days"] == ["mon", "sat"])
        #expect(
            try UserProfile(payload: ["exercise": ["preferred_time": "evening"]]).exercise?.preferredTime
                == .window("evening"))
        #expect(ExerciseTime("15:59")?.window == "midday" && ExerciseTime("16:00")?.window == "evening")
        // As preferences, and back.
        #expect(ExercisePreferences(preferences: e.preferences) == e)
        #expect(e.preferences["exercise_max_intensity"] == 2)
        // A preference that does not decode is left out, the others kept.
        let mixed = ExercisePreferences(preferences: [
            "exercise_preferred_time": "noon", "exercise_max_intensity": 4,
        ])
        #expect(mixed == ExercisePreferences(maxIntensity: 4))
    }

    @Test func aWrongExercisePreferenceIsNamed() {
        let cases: [(JSON, String)] = [
            (
                ["preferred_time": "noon"],
                "payload.exercise.preferred_time must be morning, midday, evening or an HH:MM time"
            ),
            (["preferred_time": 7], "payload.exercise.preferred_time must be a string, not number"),
            (["max_intensity": 6], "payload.exercise.max_intensity must be a whole number from 1 to 5"),
            (["max_intensity": 2.5], "payload.exercise.max_intensity must be a whole number from 1 to 5"),
            (
                ["available_days": ["monday"]],
                "payload.exercise.available_days must hold weekday names: mon, tue, … sun"
            ),
            (["available_days": []], "payload.exercise.available_days must name at least one day"),
            (["available_days": "mon"], "payload.exercise.available_days must be an array"),
        ]
        for (exercise, message) in cases {
            #expect(throws: EventProblem(message)) { try UserProfile(payload: ["exercise": exercise]) }
        }
        #expect(throws: EventProblem("payload.exercise must be an object")) {
            try UserProfile(payload: ["exercise": "mornings"])
        }
    }
}
