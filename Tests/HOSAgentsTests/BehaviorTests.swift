// hos-behavior's analysis, called as a pure function on hand-made days.

import HOSCore
import Testing

@testable import HOSAgents

/// Days from a closure giving each day's metrics (nil: not logged).
func makeDays(from start: String, count: Int, _ metrics: (Int, LocalDate) -> [String: MetricValue]?) -> UserDays {
    var days = UserDays()
    let first = LocalDate(start)!
    for i in 0..<count {
        let d = first.adding(days: i)
        if let m = metrics(i, d) { days.add(HealthRecord(date: d, metrics: m)) }
    }
    return days
}

func analyze(_ days: UserDays, archetype: Archetype = .foundationBuilder, window: Int = 30, asOf: String? = nil) -> JSON
{
    let request = AnalysisRequest(analysisID: "a-1", windowDays: window, asOf: asOf.flatMap { LocalDate($0) })
    let day = AnalysisDay.of(requested: request.asOf, latestRecord: days.latest, requestDay: nil)
    return .object(
        BehaviorAnalyzer(archetype: archetype, explain: true).analyze(days, request: request, asOf: day).payload)
}

@Suite struct BehaviorTests {
    @Test func usesOnlyTheWindowEndingAtAsOf() {
        let days = makeDays(from: "2026-01-01", count: 60) { i, _ in ["steps": .number(Double(i))] }
        let p = analyze(days, window: 10, asOf: "2026-01-20")
        #expect(p["window"] == ["start": "2026-01-11", "end": "2026-01-20"])
        #expect(p["metrics"]?["steps"]?["n"] == 10)
        #expect(p["metrics"]?["steps"]?["baseline"] == 14.5)
        #expect(p["metrics"]?["steps"]?["recent"] == 16, "mean of the last 7 days, 13…19")
    }

    @Test func defaultsAsOfToTheLatestRecord() {
        let days = makeDays(from: "2026-01-01", count: 5) { i, _ in ["steps": .number(Double(i))] }
        #expect(analyze(days)["as_of"] == "2026-01-05")
    }

    @Test func findsTrendsAndSaysWhenThereAreNone() {
        let rising = makeDays(from: "2026-01-01", count: 30) { i, _ in
            ["sleep_duration_min": .number(400 + Double(i) * 2 + Double(i % 3))]
        }
        let t = analyze(rising)["metrics"]?["sleep_duration_min"]?["trend"]
        #expect(t?["direction"] == "rising")
        #expect(t?["slope_per_week"]?.doubleValue.map { abs($0 - 14) < 0.5 } == true)
        let flat = makeDays(from: "2026-01-01", count: 30) { i, _ in
            ["sleep_duration_min": .number([400, 430, 410, 420][i % 4])]
        }
        #expect(analyze(flat)["metrics"]?["sleep_duration_min"]?["trend"]?["direction"] == "flat")
    }

    @Test func tooFewDaysIsSaidNotGuessed() {
        let days = makeDays(from: "2026-01-01", count: 4) { _, _ in ["steps": .number(5000)] }
        let p = analyze(days)
        #expect(p["metrics"]?["steps"]?["trend"] == .null)
        #expect(
            p["not_computed"]?.arrayValue?.contains(["what": "steps.trend", "why": "too few days (4, need 7)"]) == true)
        #expect(p["readiness"] == .null)
    }

    @Test func flagsAnomaliesByRobustZ() {
        let days = makeDays(from: "2026-01-01", count: 20) { i, _ in
            ["resting_hr_bpm": .number(i == 12 ? 80 : [58, 60, 59, 61][i % 4])]
        }
        let a = analyze(days)["metrics"]?["resting_hr_bpm"]?["anomalies"]?.arrayValue
        #expect(a?.count == 1)
        #expect(a?.first?["date"] == "2026-01-13")
        #expect(a?.first?["direction"] == "high")
    }

    @Test func sleepTimingIsCircular() throws {
        // Bedtimes around midnight: a linear mean would be ~12:00, the circular one is ~00:00.
        let days = makeDays(from: "2026-01-05", count: 14) { i, _ in
            [
                "sleep_start": .clock(ClockTime(minutes: [1430, 10, 1435, 5][i % 4])),
                "sleep_end": .clock(ClockTime(minutes: 450)),
            ]
        }
        let t = try #require(analyze(days)["sleep_timing"])
        #expect(t["sleep_start"]?["mean"] == "00:00")
        #expect(t["sleep_start"]?["regularity"] == "regular")
        #expect(t["sleep_start"]?["sd_min"]?.doubleValue.map { $0 < 10 } == true)
    }

    @Test func socialJetLagComparesFreeAndWorkNights() throws {
        // Waking Saturday and Sunday: an hour later to bed and to rise.
        let days = makeDays(from: "2026-01-05", count: 28) { _, d in
            let shift = d.isWeekend ? 60 : 0
            return [
                "sleep_start": .clock(ClockTime(minutes: 1380 + shift)),
                "sleep_end": .clock(ClockTime(minutes: 420 + shift)),
            ]
        }
        let t = try #require(analyze(days)["sleep_timing"])
        #expect(t["social_jet_lag_min"] == 60)
        #expect(t["mid_sleep_work"] == "03:00")
        #expect(t["chronotype"] == "intermediate")
    }

    @Test func readinessFollowsTheUsersOwnBaseline() throws {
        /// The last three days: HRV and resting HR moved by `shift` standard units, sleep as given.
        func days(hrv: Double, rhr: Double, sleep: Double) -> UserDays {
            makeDays(from: "2026-01-01", count: 21) { i, _ in
                let late = i >= 18
                return [
                    "hrv_rmssd_ms": .number(late ? hrv : [50, 54, 52, 48][i % 4]),
                    "resting_hr_bpm": .number(late ? rhr : [58, 60, 59, 61][i % 4]),
                    "sleep_duration_min": .number(late ? sleep : 460),
                ]
            }
        }
        let steady = try #require(analyze(days(hrv: 51, rhr: 59.5, sleep: 460))["readiness"])
        let good = try #require(analyze(days(hrv: 58, rhr: 56, sleep: 470))["readiness"])
        let bad = try #require(analyze(days(hrv: 30, rhr: 70, sleep: 330))["readiness"])
        #expect(steady["state"] == "balanced", "at one's own baseline, with no sleep debt: 65")
        #expect(good["state"] == "recovered")
        #expect(bad["state"] == "strained")
        #expect(bad["drivers"]?.arrayValue?.first?["metric"] == "hrv_rmssd_ms", "the largest effect first")
    }

    @Test func signatureLabelsCarryTheirNumbers() {
        let days = makeDays(from: "2026-01-05", count: 28) { _, d in ["steps": .number(d.isWeekend ? 14000 : 4000)] }
        let labels = analyze(days)["signature"]?.arrayValue ?? []
        let warrior = labels.first { $0["label"] == "weekend warrior" }
        #expect(warrior?["evidence"] == ["weekend_steps": 14000, "weekday_steps": 4000])
        #expect(labels.contains { $0["label"] == "sedentary weekdays" })
    }

    @Test func engagementCountsGapsAndStreaks() throws {
        let days = makeDays(from: "2026-01-01", count: 30) { i, _ in (10..<14).contains(i) ? nil : ["steps": .number(1)]
        }
        let e = try #require(analyze(days)["engagement"])
        #expect(e["days_logged"] == 26)
        #expect(e["longest_gap_days"] == 4)
        #expect(e["current_streak_days"] == 16)
        #expect(e["level"] == "high")
    }

    @Test func archetypeSetsTheConsistencyTargets() {
        let days = makeDays(from: "2026-01-01", count: 20) { _, _ in
            ["steps": .number(8000), "sleep_duration_min": .number(460)]
        }
        let fb = analyze(days, archetype: .foundationBuilder)["consistency"]?["steps"]
        let pp = analyze(days, archetype: .peakPerformer)["consistency"]?["steps"]
        #expect(fb?["target"] == 7000 && fb?["share"] == 1)
        #expect(pp?["target"] == 12000 && pp?["share"] == 0)
    }

    @Test func stageDropsAUsersStateAtItsBarrier() throws {
        var stage = BehaviorStage()
        let record = Event(
            id: "r", type: EventType.healthRecord, user: "u", timestamp: "2026-01-01T00:00:00Z",
            payload: HealthRecord(date: LocalDate("2026-01-01")!, metrics: ["steps": .number(1)]).payload)
        try stage.process(record, emit: { _ in })
        #expect(stage.users.count == 1)
        var out: [Event] = []
        let request = Event(
            id: "q", type: EventType.analysisRequest, user: "u", timestamp: "2026-01-02T00:00:00Z",
            archetype: "Peak Performer", payload: ["analysis_id": "a-9"])
        try stage.barrier(request, emit: { out.append($0) })
        #expect(stage.users.isEmpty)
        #expect(out.map(\.eventType) == [EventType.behaviorAnalysis])
        #expect(out.first?.analysisID == "a-9")
        #expect(out.first?.archetype == "Peak Performer")
        #expect(out.first?.payload["metrics"]?["steps"]?["n"] == 1)
    }
}
