// Events written by hand for the report's tests, and a run of the real stream runner over them from a file.

import Foundation
import HOSCore

@testable import HOSReport

/// One event line with sorted keys.
func line(
    _ type: String, user: String = "u-1", analysis: String? = "a-1", archetype: String? = "Peak Performer",
    id: String? = nil, timestamp: String = "2026-03-01T00:00:00Z", _ payload: JSON
) -> String {
    var o: [String: JSON] = [
        "event_type": .string(type), "user_id": .string(user), "timestamp": .string(timestamp),
        "payload": payload,
    ]
    if let analysis { o["analysis_id"] = .string(analysis) }
    if let archetype { o["archetype"] = .string(archetype) }
    if let id { o["event_id"] = .string(id) }
    return JSON.object(o).text
}

/// Ten days of records, 2026-02-20 to 2026-03-01, for one user.
func records(user: String = "u-1") -> [String] {
    (0..<10).map { i in
        let day = LocalDate("2026-02-20")!.adding(days: i)
        return line(
            "health_record", user: user, analysis: nil, timestamp: Timestamp.startOf(day),
            [
                "date": .string(day.description),
                "metrics": [
                    "sleep_duration_min": .number(420 + Double(i * 5)), "steps": .number(8000 + Double(i * 300)),
                    "resting_hr_bpm": .number(i == 7 ? 70 : 55),
                ],
            ])
    }
}

let behaviorPayload: JSON = [
    "as_of": "2026-03-01", "window": ["start": "2026-02-20", "end": "2026-03-01"],
    "readiness": [
        "score": 62, "state": "balanced", "sleep_debt_hours": 2.5,
        "drivers": [["metric": "hrv_rmssd_ms", "effect": -3.1], ["metric": "sleep_debt_hours", "effect": -6.25]],
    ],
    "metrics": [
        "sleep_duration_min": [
            "n": 10, "completeness": 1, "baseline": 442.5, "recent": 450,
            "trend": ["direction": "rising", "slope_per_week": 35, "p_value": 0.0001],
            "variability": ["cv": 0.03, "mad": 12.5], "anomalies": [],
        ],
        "resting_hr_bpm": [
            "n": 10, "completeness": 1, "baseline": 55, "recent": 57.1,
            "trend": ["direction": "flat", "slope_per_week": 0, "p_value": 0.6],
            "variability": ["cv": 0.08, "mad": 1],
            "anomalies": [["date": "2026-02-27", "direction": "high", "value": 70, "z": 10.1]],
        ],
    ],
    "signature": [["label": "consistent sleeper", "evidence": ["sleep_duration_cv": 0.03]]],
    "engagement": ["level": "high", "share": 1],
    "sleep_timing": [
        "sleep_start": ["mean": "22:40", "regularity": "regular"], "sleep_end": ["mean": "06:30"],
        "chronotype": "intermediate",
    ],
]

let routinePayload: JSON = [
    "plan_id": "rp-1", "date": "2026-03-02", "difficulty": 3, "focus": "balanced", "wake": "06:30", "bedtime": "22:30",
    "items": [
        [
            "item_id": "exercise", "category": "exercise", "start": "07:30", "duration_min": 45, "intensity": 3,
            "title": "Intervals, 45 minutes", "why": "Readiness 62.", "variant": ["exercise_time": "morning"],
        ],
        [
            "item_id": "sleep", "category": "sleep", "start": "22:00", "duration_min": 30, "intensity": 1,
            "title": "Wind down", "variant": ["sleep_shift": "gradual"],
        ],
    ],
]

let nutritionPayload: JSON = [
    "plan_id": "np-1", "date": "2026-03-02", "energy_kcal": 2400, "goal": "performance",
    "macros": ["protein_g": 150, "carbs_g": 300, "fat_g": 67, "fiber_g": 34], "hydration_ml": 2900,
    "meals": [
        ["name": "breakfast", "time": "07:00", "kcal": 600, "focus": "protein, carbs"],
        ["name": "dinner", "time": "19:00", "kcal": 800, "focus": "protein"],
    ],
]

func insightPayload(_ id: String, title: String, confidence: Double = 0.8) -> JSON {
    [
        "insight_id": .string(id), "kind": "correlation", "title": .string(title), "detail": "Sleep goes with HRV.",
        "evidence": ["statistic": "spearman_rho 0.5", "n": 30, "p_value": 0.004, "effect": "+4 ms"],
        "confidence": .number(confidence), "action": "Go to bed at 22:30.", "priority": 1,
    ]
}

let adaptationPayload: JSON = [
    "difficulty": ["from": 3, "to": 4, "reason": "two good weeks"],
    "experiments": [
        [
            "dimension": "exercise_time", "chosen": "morning", "propensity": 0.7,
            "arms": [
                ["arm": "morning", "successes": 8, "failures": 2, "p_best": 0.7],
                ["arm": "evening", "successes": 3, "failures": 3, "p_best": 0.3],
            ],
        ]
    ],
    "predicted_adherence": ["mean": 0.75, "low": 0.6, "high": 0.86],
    "effectiveness": [
        "adherence": [
            ["date": "2026-02-27", "adherence": 0.5, "n": 4],
            ["date": "2026-02-26", "adherence": 0.4, "n": 4],
            ["date": "2026-02-28", "adherence": 0.8, "n": 5],
        ], "lift": 0.2,
    ],
]

/// A whole analysis for u-1 from the agents' own events, and records of u-2 alone.
func fullStream() -> [String] {
    records() + [
        line("behavior_analysis", behaviorPayload),
        line(
            "memory_context",
            [
                "history": ["analyses_total": 2], "adaptation_state": ["difficulty": 3],
                "long_term": [
                    "preferences": [
                        "wake_time": ["value": "06:30", "confidence": 0.9],
                        "allergies": ["value": ["nuts"]],
                    ]
                ],
            ]),
        line("nutrition_plan", nutritionPayload),
        line("routine_plan", routinePayload),
        line("insight", insightPayload("i-1", title: "Sleep and HRV")),
        line("insight", insightPayload("i-2", title: "Steps are up", confidence: 0.6)),
        line("adaptation", adaptationPayload),
        line("analysis_request", ["analysis_id": "a-1", "as_of": "2026-03-01", "window_days": 10]),
    ] + records(user: "u-2")
}

/// The result of running the report's stage over lines written to a real file.
struct Collected {
    var model: ReportModel
    var stats: RunStats
}

func collect(_ lines: [String], policy: ErrorPolicy = .fail, only: Set<String>? = nil) throws -> Collected {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hos-report-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = dir.appendingPathComponent("events.jsonl").path
    try (lines.joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
    var config = RunConfig(agent: "hos-report", onError: policy, flushAtBarriers: false)
    config.forwardInput = false
    config.implicitRequests = false
    config.printProblems = false
    let output = try OutputSink(path: dir.appendingPathComponent("out").path)
    let runner = StreamRunner(stage: ReportCollector(only: only), config: config, output: output)
    try runner.run([InputFile(name: "events.jsonl", path: input)])
    return Collected(model: runner.stage.model, stats: runner.stats)
}

/// Text without ANSI escape sequences.
func stripANSI(_ s: String) -> String {
    var out = ""
    var inEscape = false
    for c in s.unicodeScalars {
        if inEscape {
            if c == "m" { inEscape = false }
        } else if c == "\u{1B}" {
            inEscape = true
        } else {
            out.unicodeScalars.append(c)
        }
    }
    return out
}
