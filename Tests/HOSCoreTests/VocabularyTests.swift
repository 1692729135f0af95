// Metrics, archetypes, dates, times and ids: the single source of truth every command reads.

import Testing

@testable import HOSCore

@Suite struct VocabularyTests {
    @Test func holdsEveryMetricOfTheDesign() {
        // hos-events(7) METRICS, in its order.
        let design = """
            sleep_duration_min time_in_bed_min sleep_efficiency_pct sleep_start sleep_end sleep_latency_min awake_min \
            sleep_interruptions deep_sleep_min rem_sleep_min light_sleep_min hrv_rmssd_ms hrv_sdnn_ms resting_hr_bpm \
            respiratory_rate_bpm spo2_pct steps active_minutes sedentary_minutes distance_km floors_climbed \
            calories_burned_kcal active_energy_kcal workout_minutes strain skin_temp_dev_c calories_in_kcal protein_g \
            carbs_g fat_g fiber_g water_ml caffeine_mg alcohol_units weight_kg body_fat_pct readiness_score \
            recovery_score sleep_score stress_score mood energy mindfulness_min
            """.split(separator: " ").map(String.init)
        #expect(Metrics.all.map(\.name) == design)
    }

    @Test(arguments: [
        ("steps", JSON.number(8000), nil as String?),
        ("steps", .number(-1), "metric steps outside its plausible range 0–200000"),
        ("resting_hr_bpm", .number(24), "metric resting_hr_bpm outside its plausible range 25–220"),
        ("sleep_duration_min", .number(1441), "metric sleep_duration_min outside its plausible range 0–1440"),
        ("steps", .string("8000"), "metric steps must be a number, not string"),
        ("sleep_start", .string("23:50"), nil),
        ("sleep_start", .string("24:10"), "metric sleep_start is not a valid HH:MM time"),
        ("sleep_start", .number(23.5), "metric sleep_start must be a \"HH:MM\" string, not number"),
        ("x_journal_alcohol", .number(1), nil),
        ("x_journal_alcohol", .bool(true), "metric x_journal_alcohol must be a number, not boolean"),
        ("x_", .number(1), "unknown metric x_"),
        ("stepz", .number(1), "unknown metric stepz"),
        ("mood", .number(0), "metric mood outside its plausible range 1–5"),
        ("steps", .number(Double.infinity), "metric steps is not finite"),
    ])
    func validatesValues(name: String, value: JSON, problem: String?) {
        do {
            _ = try Metrics.validate(name: name, value: value)
            #expect(problem == nil)
        } catch {
            #expect(error.message == problem)
        }
    }

    @Test func messagesNeverCarryTheValue() {
        do {
            _ = try Metrics.validate(name: "resting_hr_bpm", value: .number(987.654))
        } catch {
            #expect(!error.message.contains("987"))
        }
    }

    @Test func archetypesMatchTheDesign() {
        #expect(Archetype.allCases.count == 6)
        #expect(Archetype(named: "foundation-builder") == .foundationBuilder)
        #expect(Archetype(named: "Peak Performer") == .peakPerformer)
        #expect(Archetype(named: "CONNECTED_EXPLORER") == .connectedExplorer)
        #expect(Archetype(named: "couch potato") == nil)
        let loads = Dictionary(uniqueKeysWithValues: Archetype.allCases.map { ($0, $0.dailyLoad) })
        #expect(
            loads == [
                .foundationBuilder: 2, .resilienceRebuilder: 2, .connectedExplorer: 3,
                .systematicImprover: 4, .transformationSeeker: 4, .peakPerformer: 5,
            ])
    }
}

@Suite struct DateTests {
    @Test func parsesOnlyRealDays() {
        #expect(LocalDate("2024-02-29") != nil)
        #expect(LocalDate("2023-02-29") == nil)
        #expect(LocalDate("2026-04-31") == nil)
        #expect(LocalDate("2026-1-05") == nil)
        #expect(LocalDate("2026-01-05x") == nil)
    }

    @Test func countsDaysAndWeekdaysLikeTheCalendar() {
        let d = LocalDate("2026-11-25")!
        #expect(d.weekday == 3) // a Wednesday
        #expect(LocalDate("1970-01-01")!.daysSinceEpoch == 0)
        #expect(d.adding(days: 7).description == "2026-12-02")
        #expect(LocalDate("2024-03-01")!.adding(days: -1).description == "2024-02-29")
        #expect(LocalDate("1969-12-31")!.daysSinceEpoch == -1)
        #expect(LocalDate("2026-11-28")!.isWeekend)
        for n in stride(from: -719_000, through: 2_900_000, by: 997) { // years 1 to 9910
            let date = LocalDate(daysSinceEpoch: n)
            #expect(LocalDate(date.description) == date)
        }
    }

    @Test func parsesRFC3339WithOffsets() {
        #expect(Timestamp.parse("2026-01-01T00:00:00Z")?.seconds == 1_767_225_600)
        #expect(Timestamp.parse("2026-01-01T01:00:00+01:00")?.seconds == 1_767_225_600)
        #expect(Timestamp.parse("2025-12-31T19:00:00.123-05:00")?.seconds == 1_767_225_600)
        #expect(Timestamp.parse("2026-01-01T00:00:00") == nil)
        #expect(Timestamp.parse("2026-01-01T24:00:00Z") == nil)
        #expect(Timestamp.format(seconds: 1_767_225_600) == "2026-01-01T00:00:00Z")
    }

    @Test func clockTimesWrapAroundMidnight() {
        #expect(ClockTime("23:50")?.minutes == 1430)
        #expect(ClockTime("7:05")?.description == "07:05")
        #expect(ClockTime(minutes: 1450).description == "00:10")
        #expect(ClockTime(minutes: -10).description == "23:50")
        #expect(ClockTime("12:60") == nil)
    }

    @Test func idsAreStableAndDistinct() {
        #expect(EventID.derive("a", "bc") == EventID.derive("a", "bc"))
        #expect(EventID.derive("a", "bc") != EventID.derive("ab", "c"))
        #expect(EventID.derive("x").count == 26)
        // FNV-1a 128 of the empty input is its offset basis: a check against the published constant.
        #expect(StableHash().value == 0x6C62_272E_07BB_0142_62B8_2175_6295_C58D)
        var h = StableHash()
        h.combine(bytes: Array("a".utf8))
        #expect(StableHash.hex(h.value, digits: 32) == "d228cb696f1a8caf78912b704e4a8964")
    }
}
