// hos-insights as a stage: planted relationships found, nulls kept quiet, archetypes, memory dedup and
// feedback, the control events, risks, milestones and progress.

import HOSCore
import HOSImport
import Testing

@testable import HOSAgents

/// Runs an insights stage over events as the runtime would; returns every event written (results and inputs).
func runInsights(_ events: [Event], options: InsightOptions = InsightOptions()) throws -> [Event] {
    var stage = InsightsStage(options: options)
    var out: [Event] = []
    for e in events {
        if e.eventType == EventType.analysisRequest {
            try stage.barrier(e) { out.append($0) }
        } else if stage.consumes.contains(e.eventType) {
            try stage.process(e) { out.append($0) }
        }
        out.append(e)
    }
    return out
}

func insights(_ out: [Event]) -> [[String: JSON]] {
    out.filter { $0.eventType == EventType.insight && $0.sourceAgent == InsightsStage.agent }.map(\.payload)
}

/// One synthetic user's events, with a request for the whole span under `archetype`.
func synthUser(_ index: Int, days: Int = 60, seed: UInt64 = 42, archetype: Archetype? = nil) -> [Event] {
    let synth = SyntheticUsers(
        options: SynthOptions(
            users: index + 1, days: days, archetype: nil,
            start: LocalDate("2026-01-05")!, seed: seed))
    var events = synth.events(forUser: index)
    let last = events.compactMap { $0.payload["date"]?.stringValue.flatMap { LocalDate($0) } }.max()!
    let a = archetype ?? synth.archetype(index)
    if archetype != nil {
        events = events.map {
            var e = $0
            e.archetype = nil
            return e
        }
    }
    events.append(
        AnalysisRequest.event(user: synth.userID(index), archetype: a, asOf: last, windowDays: 30, source: "test"))
    return events
}

func record(_ user: String, _ date: LocalDate, _ metrics: [String: Double]) -> Event {
    let r = HealthRecord(date: date, metrics: metrics.mapValues { .number($0) })
    return Event(
        id: "r-\(user)-\(date)", type: EventType.healthRecord, user: user, timestamp: Timestamp.startOf(date),
        payload: r.payload)
}

func request(_ user: String, asOf: LocalDate, archetype: Archetype = .foundationBuilder, id: String = "req") -> Event {
    Event(
        id: id, type: EventType.analysisRequest, user: user, timestamp: Timestamp.startOf(asOf.adding(days: 1)),
        archetype: archetype.name,
        payload: AnalysisRequest(analysisID: "a-\(id)", archetype: archetype, asOf: asOf).payload)
}

@Suite struct InsightsTests {
    @Test func findsThePlantedRelationshipsOfAUser() throws {
        // u-0002 of seed 42 carries sleep → next-day HRV and readiness, and steps → next-day sleep efficiency.
        let synth = SyntheticUsers(
            options: SynthOptions(users: 2, days: 60, archetype: nil, start: LocalDate("2026-01-05")!, seed: 42))
        let planted = synth.relationships(user: "u-0002")
        #expect(planted.count >= 2)
        let found = insights(try runInsights(synthUser(1))).filter { $0["kind"] == "correlation" }
        for p in planted where p.cause != "alcohol_units" {
            #expect(
                found.contains {
                    $0["subject"]?.stringValue == "correlation:\(p.cause):\(p.effect):1"
                        && $0["direction"] == "positive"
                },
                "\(p.cause) → \(p.effect)")
        }
        // Each correlation states its statistic, n, p, q and direction in words.
        for c in found {
            let e = try #require(c["evidence"])
            #expect(e["statistic"] == "spearman_rho")
            #expect((e["q_value"]?.doubleValue ?? 1) <= 0.05 && abs(e["effect"]?.doubleValue ?? 0) >= 0.3)
            #expect((e["n"]?.doubleValue ?? 0) >= 14)
            let detail = c["detail"]?.stringValue ?? ""
            #expect(detail.contains("tends to be") && detail.contains("ρ = "))
        }
    }

    @Test func shuffledDaysGiveAlmostNoCorrelations() throws {
        // Each metric's values shuffled across days: no relationship is left, and BH keeps discoveries rare.
        var users = 0
        var withDiscovery = 0
        var tested = 0
        for i in 0..<30 {
            var events = synthUser(i)
            var rng = SeededRandom(seed: 9, stream: "shuffle", String(i))
            let idx = events.indices.filter { events[$0].eventType == EventType.healthRecord }
            var columns: [String: [JSON]] = [:]
            for k in idx {
                for (m, v) in events[k].payload["metrics"]!.objectValue! { columns[m, default: []].append(v) }
            }
            for m in columns.keys.sorted() {
                var a = columns[m]!
                for j in stride(from: a.count - 1, to: 0, by: -1) {
                    a.swapAt(j, min(j, Int(rng.uniform(0, Double(j + 1)))))
                }
                columns[m] = a
            }
            var used: [String: Int] = [:]
            for k in idx {
                var metrics = events[k].payload["metrics"]!.objectValue!
                for m in metrics.keys.sorted() {
                    metrics[m] = columns[m]![used[m, default: 0]]
                    used[m, default: 0] += 1
                }
                events[k].payload["metrics"] = .object(metrics)
            }
            var stage = InsightsStage()
            var tests = 0
            stage.onTests = { _, _, t in tests += t.count }
            var out: [Event] = []
            for e in events {
                if e.eventType == EventType.analysisRequest {
                    try stage.barrier(e) { out.append($0) }
                } else if stage.consumes.contains(e.eventType) {
                    try stage.process(e) { out.append($0) }
                }
            }
            users += 1
            tested += tests
            if insights(out).contains(where: { $0["kind"] == "correlation" }) { withDiscovery += 1 }
        }
        #expect(tested > 30 * 40)
        // Under the complete null, BH at 0.05 bounds the chance of any discovery per user by 0.05.
        #expect(withDiscovery <= 4, "\(withDiscovery) of \(users) users")
    }

    @Test func theSixArchetypesOrderAndWordTheSameDataDifferently() throws {
        var orders: [Archetype: [String]] = [:]
        var titles: [Archetype: [String]] = [:]
        var actions: [Archetype: Set<String>] = [:]
        for a in Archetype.allCases {
            let found = insights(try runInsights(synthUser(1, archetype: a)))
            #expect(!found.isEmpty)
            orders[a] = found.map { $0["subject"]!.stringValue! }
            titles[a] = found.map { $0["title"]!.stringValue! }
            actions[a] = Set(found.map { $0["action"]!.stringValue! })
            // Ranks follow priority, highest first.
            let priorities = found.map { $0["priority"]!.doubleValue! }
            #expect(priorities == priorities.sorted(by: >))
            #expect(found.allSatisfy { $0["archetype"] == nil })
        }
        #expect(Set(orders.values).count >= 4, "orders: \(orders)")
        #expect(Set(titles.values).count == 6)
        for a in Archetype.allCases {
            for b in Archetype.allCases where a != b { #expect(actions[a]!.isDisjoint(with: actions[b]!)) }
        }
    }

    @Test func insightIDsAreStableContentHashes() throws {
        let one = insights(try runInsights(synthUser(1))).map { $0["insight_id"]!.stringValue! }
        let two = insights(try runInsights(synthUser(1))).map { $0["insight_id"]!.stringValue! }
        #expect(one == two)
        #expect(one.allSatisfy { $0.hasPrefix("ins-") && $0.count == 20 })
        #expect(Set(one).count == one.count)
    }

    func memoryContext(
        user: String, subjects: [String: JSON], feedback: [String: JSON] = [:],
        metrics: [String: JSON] = [:], at date: LocalDate
    ) -> Event {
        Event(
            id: "ctx-\(user)", type: EventType.memoryContext, user: user, timestamp: Timestamp.startOf(date),
            payload: [
                "history": [
                    "insight_subjects": .object(subjects), "insight_feedback": .object(feedback),
                    "metrics": .object(metrics),
                ]
            ])
    }

    @Test func memoryDedupsRecentInsightsAndMarksChangedOnes() throws {
        let events = synthUser(1)
        let first = insights(try runInsights(events))
        let c = try #require(first.first { $0["kind"] == "correlation" })
        let subject = c["subject"]!.stringValue!
        let id = c["insight_id"]!.stringValue!
        let req = events.last!
        let asOf = LocalDate(req.payload["as_of"]!.stringValue!)!
        func again(lastSeen: LocalDate, id: String) throws -> [[String: JSON]] {
            let ctx = memoryContext(
                user: req.userID,
                subjects: [
                    subject: [
                        "insight_id": .string(id), "direction": c["direction"]!,
                        "last_seen": .string(lastSeen.description),
                    ]
                ], at: asOf)
            return insights(try runInsights(events.dropLast() + [ctx, req]))
        }
        // Given 5 days ago: not repeated. Given 20 days ago: repeated, agreeing, so more confident.
        #expect(
            !(try again(lastSeen: asOf.adding(days: -5), id: id)).contains { $0["subject"]?.stringValue == subject })
        let old = try #require(
            try again(lastSeen: asOf.adding(days: -20), id: id).first { $0["subject"]?.stringValue == subject })
        #expect(old["status"] == "new")
        #expect(old["confidence_parts"]?["agreement"] == 1)
        #expect(old["confidence"]!.doubleValue! > c["confidence"]!.doubleValue!)
        // Memory had the subject under another id (another size or direction): written again, as changed.
        let changed = try #require(
            try again(lastSeen: asOf.adding(days: -5), id: "ins-0000000000000000").first {
                $0["subject"]?.stringValue == subject
            })
        #expect(changed["status"] == "changed")
        #expect(changed["previous"]?["insight_id"] == "ins-0000000000000000")
    }

    @Test func feedbackMovesTheKindsPriority() throws {
        let events = synthUser(1, archetype: .systematicImprover)
        let req = events.last!
        let asOf = LocalDate(req.payload["as_of"]!.stringValue!)!
        func priorities(_ feedback: [String: JSON]) throws -> [String: Double] {
            let ctx = memoryContext(user: req.userID, subjects: [:], feedback: feedback, at: asOf)
            let found = insights(try runInsights(events.dropLast() + [ctx, req]))
            return Dictionary(found.map { ($0["insight_id"]!.stringValue!, $0["priority"]!.doubleValue!) }) { a, _ in a
            }
        }
        let neutral = try priorities([:])
        let disliked = try priorities(["correlation": ["useful": 0, "not_useful": 4]])
        let liked = try priorities(["correlation": ["useful": 4, "not_useful": 0]])
        let correlations = insights(try runInsights(events)).filter { $0["kind"] == "correlation" }.map {
            $0["insight_id"]!.stringValue!
        }
        #expect(!correlations.isEmpty)
        for id in correlations {
            #expect(disliked[id]! == neutral[id]! - 8) // 12 × (0 − 4) / 6
            #expect(liked[id]! == min(99, neutral[id]! + 8))
        }
        // Without memory, the stream's own insight_feedback counts, once its insight is known.
        let firstID = correlations[0]
        let known = insights(try runInsights(events)).first { $0["insight_id"]?.stringValue == firstID }!
        let insightEvent = Event(
            id: "old", type: EventType.insight, user: req.userID, timestamp: req.timestamp,
            source: "earlier-run", payload: known)
        let fb = Event(
            id: "fb", type: EventType.insightFeedback, user: req.userID, timestamp: req.timestamp,
            payload: ["insight_id": .string(firstID), "useful": false])
        let withFeedback = insights(try runInsights(events.dropLast() + [insightEvent, fb, req]))
        // The insight in the stream is not repeated, and the other correlations lose 12 × (0 − 1) / 3 = 4.
        #expect(!withFeedback.contains { $0["insight_id"]?.stringValue == firstID })
        for p in withFeedback where p["kind"] == "correlation" {
            #expect(p["priority"]!.doubleValue! == neutral[p["insight_id"]!.stringValue!]! - 4)
        }
    }

    @Test func generateInsightsAnswersAtOnceAndTheBarrierDoesNotRepeat() throws {
        var events = synthUser(1)
        let req = events.removeLast()
        let control = Event(
            id: "gen", type: InsightsStage.generate, user: req.userID, timestamp: req.timestamp,
            payload: ["kinds": ["correlation"], "max": 1, "analysis_id": "a-now"])
        let out = try runInsights(events + [control, req])
        let generated = out.prefix { $0.eventID != "gen" }.filter { $0.eventType == EventType.insight }
        #expect(generated.count == 1)
        #expect(generated.allSatisfy { $0.payload["kind"] == "correlation" && $0.analysisID == "a-now" })
        let atBarrier = out.drop { $0.eventID != "gen" }.filter { $0.eventType == EventType.insight }
        let generatedIDs = Set(generated.map { $0.payload["insight_id"]!.stringValue! })
        #expect(!atBarrier.isEmpty)
        #expect(atBarrier.allSatisfy { !generatedIDs.contains($0.payload["insight_id"]!.stringValue!) })
        // A malformed payload is bad input.
        var stage = InsightsStage()
        let bad = Event(
            id: "b", type: InsightsStage.generate, user: "u", timestamp: req.timestamp, payload: ["kinds": ["gossip"]])
        #expect(throws: EventProblem.self) { try stage.process(bad) { _ in } }
    }

    @Test func validationRechecksAnEarlierInsight() throws {
        var events = synthUser(1)
        let req = events.removeLast()
        let c = try #require(insights(try runInsights(events + [req])).first { $0["kind"] == "correlation" })
        let id = c["insight_id"]!.stringValue!
        let earlier = Event(
            id: "earlier", type: EventType.insight, user: req.userID, timestamp: req.timestamp,
            source: InsightsStage.agent, payload: c)
        func validate(_ payload: [String: JSON], data: [Event]) throws -> [Event] {
            let v = Event(
                id: "val", type: InsightsStage.validation, user: req.userID, timestamp: req.timestamp, payload: payload)
            return try runInsights(data + [v]).filter {
                $0.eventType != EventType.insight || $0.sourceAgent == InsightsStage.agent
            }
            .prefix { $0.eventID != "val" }.filter {
                $0.eventType == EventType.insight || $0.eventType == EventType.agentError
            }
        }
        let confirmed = try #require(try validate(["insight_id": .string(id)], data: events + [earlier]).last)
        #expect(confirmed.payload["validation"]?["status"] == "confirmed")
        #expect(confirmed.payload["title"]?.stringValue?.hasPrefix("Still holds: ") == true)
        // The same claim with the opposite direction is reversed.
        let reversed = try #require(
            try validate(
                ["insight_id": "ins-x", "subject": c["subject"]!, "direction": "negative"],
                data: events
            ).last)
        #expect(reversed.payload["validation"]?["status"] == "reversed")
        // With only a week of data the pair cannot be tested.
        let week = Array(events.prefix(8))
        let thin = try #require(
            try validate(
                ["insight_id": .string(id), "subject": c["subject"]!, "direction": c["direction"]!],
                data: week
            ).last)
        #expect(thin.payload["validation"]?["status"] == "insufficient_data")
        #expect(thin.payload["confidence"] == 0)
        // An id nobody knows: an agent_error, not silence.
        let unknown = try #require(try validate(["insight_id": "ins-unknown"], data: events).last)
        #expect(unknown.eventType == EventType.agentError)
        #expect(unknown.payload["code"] == "unknown_insight")
        var stage = InsightsStage()
        #expect(throws: EventProblem.self) {
            try stage.process(
                Event(id: "v", type: InsightsStage.validation, user: "u", timestamp: req.timestamp, payload: [:])
            ) { _ in }
        }
    }

    @Test func strainAndSleepDebtAreRisks() throws {
        let user = "u-risk"
        let start = LocalDate("2026-03-02")!
        var events: [Event] = []
        for i in 0..<30 {
            let late = i >= 26
            // A little day-to-day variation so the baseline has a spread.
            let wobble = Double((i * 7) % 5) - 2
            events.append(
                record(
                    user, start.adding(days: i),
                    [
                        "resting_hr_bpm": late ? 68 : 58 + wobble, "hrv_rmssd_ms": late ? 35 : 60 + 2 * wobble,
                        "sleep_duration_min": i >= 23 ? 330 : 450 + 5 * wobble,
                    ]))
        }
        events.append(request(user, asOf: start.adding(days: 29), archetype: .resilienceRebuilder))
        let found = insights(try runInsights(events))
        let strain = try #require(found.first { $0["subject"] == "risk:strain" })
        #expect(strain["kind"] == "risk")
        #expect(strain["evidence"]?["n"] == 4)
        #expect(strain["detail"]?.stringValue?.contains("For 4 days in a row") == true)
        let debt = try #require(found.first { $0["subject"] == "risk:sleep_debt" })
        // 7 nights × (480 − 330) min = 17.5 h.
        #expect(debt["evidence"]?["effect"] == 17.5)
        // Resilience Rebuilder puts risks first; the sustained HRV and HR runs are not told twice as anomalies.
        #expect(found.first?["kind"] == "risk")
        #expect(
            !found.contains { $0["subject"] == "anomaly:resting_hr_bpm" || $0["subject"] == "anomaly:hrv_rmssd_ms" })
    }

    @Test func streaksBestWeeksAndProgressUseMemory() throws {
        let user = "u-steady"
        let start = LocalDate("2026-03-02")!
        var events: [Event] = []
        for i in 0..<30 {
            events.append(
                record(
                    user, start.adding(days: i),
                    [
                        "steps": 9000 + Double((i * 37) % 11) * 100 + Double(i) * 40,
                        "sleep_duration_min": 470 + Double((i * 3) % 7),
                    ]))
        }
        let asOf = start.adding(days: 29)
        let ctx = memoryContext(
            user: user,
            subjects: [
                "milestone:streak:steps": [
                    "insight_id": "ins-1111111111111111", "direction": "reached",
                    "last_seen": "2026-01-01", "best": 21,
                ]
            ],
            metrics: [
                "steps": [
                    "analyses": 4, "ref": ["2026-03-03", 7000, 7100], "max": [8000, "2026-03-03"],
                    "min": [6000, "2026-02-01"],
                ]
            ],
            at: asOf)
        events.append(ctx)
        events.append(request(user, asOf: asOf, archetype: .foundationBuilder))
        let found = insights(try runInsights(events))
        // 30 days of steps ≥ 7,000 (the Foundation Builder target): past the 30-day mark, longer than the 21 on record.
        let streak = try #require(found.first { $0["subject"] == "milestone:streak:steps" })
        #expect(streak["direction"] == "record")
        #expect(streak["evidence"]?["value"] == 30)
        #expect(streak["status"] == "changed")
        // Logging for 30 days: the 30-day mark.
        #expect(found.contains { $0["subject"] == "milestone:streak:logging" && $0["evidence"]?["level"] == 30 })
        // The best week beats the best 7-day mean in memory (8,000).
        let best = try #require(found.first { $0["subject"] == "milestone:best_week:steps" })
        #expect(best["evidence"]?["previous_best"] == 8000)
        // Progress against the analysis a month before: median steps far above 7,000.
        let progress = try #require(found.first { $0["subject"] == "progress:steps" })
        #expect(progress["direction"] == "improving")
        #expect(progress["evidence"]?["reference_as_of"] == "2026-03-03")
        #expect(progress["detail"]?.stringValue?.contains("progress worth celebrating") == true)
        // Foundation Builder: milestones first.
        #expect(found.first?["kind"] == "milestone")
    }

    @Test func routinePlanTimesAppearInActions() throws {
        var events = synthUser(1)
        let req = events.removeLast()
        let plan = Event(
            id: "plan", type: EventType.routinePlan, user: req.userID, timestamp: req.timestamp,
            payload: [
                "plan_id": "rp-1", "bedtime": "22:40",
                "items": [["item_id": "exercise", "start": "18:00"]],
            ])
        let found = insights(try runInsights(events + [plan, req]))
        let sleepAction = found.first {
            ($0["metrics"]?.arrayValue?.first?.stringValue ?? "") == "sleep_duration_min" && $0["kind"] == "correlation"
        }
        #expect(sleepAction?["action"]?.stringValue?.contains("lights out at 22:40") == true)
    }
}
