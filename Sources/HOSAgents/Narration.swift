// What each agent tells a narrator (--llm), and how its words are added to the agent's events. The facts
// are aggregates only — archetype, baselines, trends, readiness, titles — never the user id, event or
// analysis ids, dates, names, or daily values; hos-behavior(1) and the README list them.

import HOSCore

/// The facts of each agent's prompt, and the marking of its payloads.
public enum NarrationFacts {
    /// The metrics whose numbers a behaviour narrative may carry: the headline ones, so that a prompt
    /// stays short and holds no more of the user's data than the summary needs.
    public static let behaviorMetrics: Set<String> = [
        "sleep_duration_min", "sleep_efficiency_pct", "hrv_rmssd_ms", "hrv_sdnn_ms", "resting_hr_bpm", "steps",
        "active_minutes", "workout_minutes", "readiness_score", "stress_score", "mood", "energy", "weight_kg",
    ]

    /// hos-behavior: window length, readiness, the headline metrics' baseline, recent mean and trend, the
    /// signature's labels, consistency shares and the engagement level.
    public static func behavior(_ p: BehaviorAnalysisPayload) -> JSON {
        func value<V: FieldValue>(_ v: V?) -> JSON { v?.json ?? .null }
        var metrics: [String: JSON] = [:]
        for (name, m) in p.metrics where behaviorMetrics.contains(name) {
            var o: [String: JSON] = ["baseline": value(m.baseline), "recent": value(m.recent)]
            if let t = m.trend {
                o["trend"] = ["direction": value(t.direction), "slope_per_week": value(t.slopePerWeek)]
            }
            metrics[name] = .object(o)
        }
        var facts: [String: JSON] = [
            "window_days": value(p.windowDays), "metrics": .object(metrics),
            "signature": .array(p.signature.map { .string($0.label) }),
            "consistency": .object(p.consistency.mapValues { .number($0.share) }),
        ]
        if let r = p.readiness { facts["readiness"] = ["score": value(r.score), "state": value(r.state)] }
        if let e = p.engagement { facts["engagement"] = ["level": value(e.level), "share": value(e.share)] }
        return .object(facts)
    }

    /// hos-insights: per insight, in rank order, its kind, direction, title, detail and action.
    public static func insights(_ payloads: [[String: JSON]]) -> JSON {
        .array(
            payloads.map { p in
                [
                    "kind": p["kind"] ?? .null, "direction": p["direction"] ?? .null, "title": p["title"] ?? .null,
                    "detail": p["detail"] ?? .null, "action": p["action"] ?? .null,
                ]
            })
    }

    /// hos-routine: the plan's focus, difficulty, readiness state, and per item its category, start,
    /// duration, intensity and title.
    public static func routine(_ p: [String: JSON]) -> JSON {
        let items: [JSON] = (p["items"]?.arrayValue ?? []).map { i in
            [
                "item_id": i["item_id"] ?? .null, "category": i["category"] ?? .null, "start": i["start"] ?? .null,
                "duration_min": i["duration_min"] ?? .null, "intensity": i["intensity"] ?? .null,
                "title": i["title"] ?? .null,
            ]
        }
        return [
            "focus": p["focus"] ?? .null, "difficulty": p["difficulty"] ?? .null,
            "readiness_state": p["basis"]?["readiness_state"] ?? .null, "items": .array(items),
        ]
    }

    /// Adds a text narration to a payload: `narrative` and `llm: ok`, or `llm: fallback` and `llm_reason`.
    public static func markText(_ result: Narration, _ payload: inout [String: JSON]) {
        NarrationMark.apply(result, to: &payload) { r in
            if case .text(let s) = r { return .string(s) }
            return nil
        }
    }

    /// The n-th word of a list narration, or the fallback, for one of several payloads.
    public static func markItem(_ result: Narration, index: Int, count: Int, _ payload: inout [String: JSON]) {
        NarrationMark.apply(result, to: &payload) { r in
            if case .items(let list) = r, list.count == count { return .string(list[index]) }
            return nil
        }
    }
}
