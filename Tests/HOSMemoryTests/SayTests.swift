// What people say, kept on a real SQLite file: plan_feedback's reason and rating, and a profile's exercise
// preferences, read back by hos-adapt's history and in the next memory_context.

import Foundation
import HOSCore
import Testing

@testable import HOSMemory

@Suite struct SayStoreTests {
    func plan(_ user: String) -> Event {
        let payload: JSON = [
            "plan_id": "rp-1", "date": "2026-03-02", "difficulty": 3,
            "items": [
                [
                    "item_id": "exercise", "category": "exercise", "intensity": 3,
                    "variant": ["exercise_time": "morning"],
                ]
            ],
        ]
        return Event(
            id: "p-" + user, type: EventType.routinePlan, user: user, timestamp: "2026-03-02T00:00:00Z",
            source: "hos-routine", archetype: "Peak Performer", analysisID: "a-1", payload: payload.objectValue!)
    }

    func feedback(_ user: String, day: Int, _ extra: [String: JSON], ts: String? = nil) -> Event {
        let date = LocalDate("2026-03-02")!.adding(days: day).description
        var p: [String: JSON] = [
            "plan_id": "rp-1", "item_id": "exercise", "status": "skipped", "date": .string(date),
        ]
        p.merge(extra) { $1 }
        let stamp = ts ?? date + "T21:00:00Z"
        return Event(
            id: "f-\(user)-\(day)-\(stamp)", type: EventType.planFeedback, user: user, timestamp: stamp, payload: p)
    }

    @Test func reasonAndRatingAreKeptAndReadBack() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        try store.store([
            plan("u-1"),
            feedback("u-1", day: 0, ["reason": "wrong_time", "rating": 2]),
            feedback("u-1", day: 1, ["status": "completed", "rating": 5]),
            feedback("u-1", day: 2, ["reason": "too_hard"]),
            feedback("u-1", day: 3, [:]),
            feedback("u-2", day: 0, ["reason": "no_time"]),
        ])
        let h = try store.adaptation(user: "u-1", resultEventID: "none")
        #expect(h.feedback.map(\.reason) == [.wrongTime, nil, .tooHard, nil])
        #expect(h.feedback.map(\.rating) == [2, 5, nil, nil])
        // A later answer for the same item and day replaces the reason with its own (here none).
        try store.store([feedback("u-1", day: 0, ["status": "completed"], ts: "2026-03-03T08:00:00Z")])
        let again = try store.adaptation(user: "u-1", resultEventID: "none")
        #expect(
            again.feedback[0].status == .completed && again.feedback[0].reason == nil && again.feedback[0].rating == nil
        )
        // The column refuses what the contract refuses.
        #expect(throws: (any Error).self) {
            try store.write("bad reason") { db in
                try db.execute("UPDATE plan_feedback SET reason = 'tired' WHERE user_id = 'u-1'", [])
            }
        }
        #expect(try store.check() == [])
    }

    @Test func statedExercisePreferencesAreKeptAsPreferences() throws {
        let dir = TempDir()
        let store = try MemoryStore.testing(path: dir.path("m.sqlite"))
        let profile = Event(
            id: "prof-1", type: EventType.userProfile, user: "u-1", timestamp: "2026-03-01T00:00:00Z",
            payload: [
                "age": 40,
                "exercise": ["preferred_time": "18:30", "max_intensity": 2, "available_days": ["tue", "thu"]],
            ])
        try store.store([profile])
        let h = try store.adaptation(user: "u-1", resultEventID: "none")
        #expect(
            h.statedExercise.preferredTime == ExerciseTime("18:30")
                && h.statedExercise.preferredTime?.window == "evening")
        #expect(h.statedExercise.maxIntensity == 2 && h.statedExercise.availableDays == [2, 4])
        // Another user has stated nothing.
        #expect(try store.adaptation(user: "u-2", resultEventID: "none").statedExercise.isEmpty)
        // The next memory_context carries them, said by the user (confidence 1, source user_profile).
        let context = try store.retrieve(user: "u-1", asOf: LocalDate("2026-03-08"))
        let prefs = try #require(context["long_term"]?["preferences"])
        #expect(prefs["exercise_preferred_time"]?["value"] == "18:30")
        #expect(prefs["exercise_max_intensity"]?["value"] == 2)
        #expect(prefs["exercise_available_days"]?["value"] == ["tue", "thu"])
        #expect(prefs["exercise_max_intensity"]?["source"] == "user_profile")
        #expect(prefs["exercise_max_intensity"]?["confidence"] == 1)
        // A later profile that states another time replaces it.
        try store.store([
            Event(
                id: "prof-2", type: EventType.userProfile, user: "u-1", timestamp: "2026-03-05T00:00:00Z",
                payload: ["exercise": ["preferred_time": "morning"]])
        ])
        #expect(
            try store.adaptation(user: "u-1", resultEventID: "none").statedExercise.preferredTime == .window("morning"))
    }
}
