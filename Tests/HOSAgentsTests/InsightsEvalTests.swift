// make eval: hos-insights on synthetic users with planted relationships (hos-synth --truth), 60 days each:
// recall of what was planted and the share of false discoveries among the reported correlations, printed;
// and the reverse artefact (morning readiness driving that day's caffeine), never reported as caffeine's effect.

import HOSCore
import HOSImport
import Testing

@testable import HOSAgents

/// The figures of one evaluation run.
struct EvalFigures: CustomStringConvertible {
    var users = 0, planted = 0, found = 0, reported = 0, falseReported = 0
    var byRelationship: [String: (planted: Int, found: Int)] = [:]
    /// Users carrying the reverse artefact, and those of them with caffeine reported as readiness' cause.
    var artefactUsers = 0, artefactReported = 0, artefactSameDay = 0
    var recall: Double { Double(found) / Double(max(1, planted)) }
    var falseShare: Double { Double(falseReported) / Double(max(1, reported)) }

    var description: String {
        var s =
            "users \(users), planted \(planted), found \(found): recall \(percent(recall)); reported correlations \(reported), "
            + "false \(falseReported): false discovery share \(percent(falseShare))"
        for (k, v) in byRelationship.sorted(by: { $0.key < $1.key }) {
            s += "\n    \(k): \(v.found) of \(v.planted) (\(percent(Double(v.found) / Double(max(1, v.planted)))))"
        }
        s += "\n    reverse artefact, readiness → same-day caffeine: reported as caffeine → readiness for "
        s += "\(artefactReported) of \(artefactUsers) users (same day: \(artefactSameDay))"
        return s
    }

    func percent(_ x: Double) -> String { MetricSemantics.fixed(100 * x, 1) + "%" }
}

/// Runs the stage over `users` synthetic users of `days` days each; a reported correlation is true only when it
/// is a planted relationship (cause on day d, effect on d + 1, the planted sign). Every other report is false:
/// the stage's families and adjustment leave no other dependence among the pairs it tests in this generator.
func evaluate(users: Int, days: Int, seed: UInt64, options: InsightOptions) throws -> EvalFigures {
    let synth = SyntheticUsers(
        options: SynthOptions(
            users: users, days: days, archetype: nil,
            start: LocalDate("2026-01-05")!, seed: seed, request: true))
    var f = EvalFigures()
    for i in 0..<users {
        var stage = InsightsStage(options: options)
        var out: [Event] = []
        for e in synth.events(forUser: i) {
            if e.eventType == EventType.analysisRequest {
                try stage.barrier(e) { out.append($0) }
            } else if stage.consumes.contains(e.eventType) {
                try stage.process(e) { out.append($0) }
            }
        }
        let truth = synth.relationships(user: synth.userID(i))
        let reported = out.filter { $0.payload["kind"] == "correlation" }
            .map { ($0.payload["subject"]!.stringValue!, $0.payload["direction"]!.stringValue!) }
        func matches(_ t: PlantedRelationship, _ r: (String, String)) -> Bool {
            r.0 == "correlation:\(t.cause):\(t.effect):\(t.lag)" && r.1 == (t.strength > 0 ? "positive" : "negative")
        }
        f.users += 1
        f.planted += truth.count
        for t in truth {
            let hit = reported.contains { matches(t, $0) }
            let key = "\(t.cause) → next-day \(t.effect)"
            f.byRelationship[key, default: (0, 0)].planted += 1
            if hit {
                f.found += 1
                f.byRelationship[key]!.found += 1
            }
        }
        f.reported += reported.count
        f.falseReported += reported.filter { r in !truth.contains { matches($0, r) } }.count
        if synth.reverseArtefact(user: synth.userID(i)) != nil {
            let a = SyntheticUsers.reverseArtefact
            let prefix = "correlation:\(a.driven):\(a.driver):"
            f.artefactUsers += 1
            if reported.contains(where: { $0.0.hasPrefix(prefix) }) { f.artefactReported += 1 }
            if reported.contains(where: { $0.0 == prefix + "0" }) { f.artefactSameDay += 1 }
        }
    }
    return f
}

@Suite(.serialized) struct InsightsEvalTests {
    @Test func plantedRelationshipsAt60DaysOver240Users() throws {
        // The default options: the request's window is 30 days, correlations look back over all 60.
        let weighted = try evaluate(users: 240, days: 60, seed: 42, options: InsightOptions())
        var plainOptions = InsightOptions()
        plainOptions.knownWeight = 1
        let plain = try evaluate(users: 240, days: 60, seed: 42, options: plainOptions)
        print(
            """
            hos-insights evaluation (hos-synth seed 42, 240 users x 60 days, correlations at q <= 0.05, |rho| >= 0.3):
              weighted Benjamini-Hochberg (default, established relationships weigh 4):
                \(weighted.description.replacingOccurrences(of: "\n", with: "\n    "))
              plain Benjamini-Hochberg (--known-weight 1):
                \(plain.description.replacingOccurrences(of: "\n", with: "\n    "))
            """)
        #expect(weighted.falseShare <= 0.10)
        #expect(plain.falseShare <= 0.10)
        // Issue 6's target: recall of planted relationships at least 90%, false discoveries at most 10%.
        #expect(weighted.recall >= 0.90)
        // The three relationships whose cause varies every day are each found at least nine times in ten;
        // alcohol (a cause on a quarter of the days) at least four in five.
        for (k, v) in weighted.byRelationship {
            #expect(Double(v.found) >= (k.hasPrefix("alcohol") ? 0.8 : 0.9) * Double(v.planted), "\(k)")
        }
        // Issue 20: the outcome that drives a later lever is never reported as that lever's effect on the same
        // day (the pair is not tested), and the next-day pair is reported no more often than chance allows.
        #expect(weighted.artefactUsers > 0)
        #expect(weighted.artefactSameDay == 0 && plain.artefactSameDay == 0)
        #expect(Double(weighted.artefactReported) <= 0.05 * Double(weighted.artefactUsers))
    }
}
