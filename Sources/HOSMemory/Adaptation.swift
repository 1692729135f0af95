// What hos-adapt keeps in the memory file: plans and feedback it saw, each user's Beta posteriors per arm,
// the decision log (context, arm, propensity, reward), and its decision through hos-memory's own tables.

import GRDB
import HOSCore

extension MemoryStore {
    /// One user's plans, feedback, arms, decisions and difficulty, in one read transaction.
    public func adaptation(user: String, resultEventID: String) throws -> AdaptHistory {
        try read("read adaptation") { db in
            var out = AdaptHistory()
            for row in try db.rows(
                """
                SELECT plan_id, item_id, date, category, variant, intensity, difficulty FROM plan_item
                WHERE user_id = ? ORDER BY date, plan_id, item_id
                """, [user])
            {
                var variant: [String: String] = [:]
                if case .object(let v) = JSON.parseStored(row["variant"]) {
                    for (k, a) in v { if let s = a.stringValue { variant[k] = s } }
                }
                out.items.append(
                    AdaptPlanItem(
                        planID: row["plan_id"], itemID: row["item_id"],
                        date: (row["date"] as String?).flatMap(LocalDate.init),
                        category: row["category"], intensity: row["intensity"],
                        difficulty: row["difficulty"], variant: variant))
            }
            for row in try db.rows(
                """
                SELECT plan_id, item_id, date, status, rating, reason FROM plan_feedback WHERE user_id = ?
                ORDER BY date, plan_id, item_id
                """, [user])
            {
                // Rows the contract would not accept (written by an older version) are not evidence.
                guard let date = LocalDate(row["date"] as String),
                    let status = PlanFeedback.Status(rawValue: row["status"])
                else { continue }
                out.feedback.append(
                    AdaptFeedback(
                        planID: row["plan_id"], itemID: row["item_id"], date: date, status: status,
                        rating: (row["rating"] as Int?).flatMap { (1...5).contains($0) ? $0 : nil },
                        reason: (row["reason"] as String?).flatMap(PlanFeedback.Reason.init(rawValue:))))
            }
            out.statedExercise = try Self.statedExercise(user: user, in: db)
            out.arms = try Self.arms(user: user, in: db)
            out.decisions = try Self.decisions(user: user, dimension: nil, in: db).map(\.decision)
            out.difficulty = try db.one(Int.self, "SELECT difficulty FROM adaptation_state WHERE user_id = ?", [user])
                .flatMap { AdaptPlanItem.levels.contains($0) ? $0 : nil }
            out.archetypeSwitch = try Self.latestSwitch(user: user, in: db)
            if let text = try db.one(
                String.self,
                """
                SELECT payload FROM analyses WHERE user_id = ? AND event_id = ? AND event_type = 'adaptation'
                """, [user, resultEventID]), case .object(let p) = JSON.parseStored(text)
            {
                out.previousAnswer = p
            }
            return out
        }
    }

    /// What the user stated about training: the exercise preferences a user_profile (or memory_store) set.
    static func statedExercise(user: String, in db: any MemorySQL) throws -> ExercisePreferences {
        let keys = ExercisePreferences.preferenceKeys
        var prefs: [String: JSON] = [:]
        for row in try db.rows(
            "SELECT key, value FROM long_term_preference WHERE user_id = ? AND key IN (?, ?, ?)",
            [user, keys.preferredTime, keys.maxIntensity, keys.availableDays])
        {
            prefs[row["key"]] = JSON.parseStored(row["value"])
        }
        return ExercisePreferences(preferences: prefs)
    }

    /// The user's latest archetype switch.
    static func latestSwitch(user: String, in db: any MemorySQL) throws -> ArchetypeSwitchRecord? {
        try db.rows(
            """
            SELECT from_archetype, to_archetype, switched_at, since, analysis_id, strategy FROM adapt_switch
            WHERE user_id = ? ORDER BY switched_at DESC, analysis_id DESC LIMIT 1
            """, [user]
        ).first.map { r in
            ArchetypeSwitchRecord(
                from: r["from_archetype"], to: r["to_archetype"], switchedAt: r["switched_at"],
                since: (r["since"] as String?).flatMap(LocalDate.init), analysisID: r["analysis_id"],
                strategy: r["strategy"])
        }
    }

    /// The arms of one user, or of every user (nil): the pooled priors' source.
    public func adaptationArms(user: String? = nil) throws -> [AdaptArmState] {
        try read("read adaptation arms") { db in try Self.arms(user: user, in: db) }
    }

    static func arms(user: String?, in db: any MemorySQL) throws -> [AdaptArmState] {
        let rows = try db.rows(
            """
            SELECT user_id, archetype, dimension, arm, prior_alpha, prior_beta, successes, failures, pulls, p_best, chosen
            FROM adapt_arm \(user == nil ? "" : "WHERE user_id = ?") ORDER BY user_id, dimension, arm
            """, SQLArguments(user.map { [.text($0)] } ?? []))
        return rows.map { r in
            AdaptArmState(
                user: r["user_id"], archetype: r["archetype"], dimension: r["dimension"], arm: r["arm"],
                priorAlpha: r["prior_alpha"], priorBeta: r["prior_beta"], successes: r["successes"],
                failures: r["failures"], pulls: r["pulls"], pBest: r["p_best"], chosen: r["chosen"])
        }
    }

    /// Logged decisions with their users, oldest first per user: of one user (or all), on one dimension (or all).
    public func adaptationDecisions(user: String?, dimension: String?) throws -> [(
        user: String, decision: AdaptDecisionLog
    )] {
        try read("read adaptation decisions") { db in try Self.decisions(user: user, dimension: dimension, in: db) }
    }

    static func decisions(
        user: String?, dimension: String?, in db: any MemorySQL
    ) throws -> [(user: String, decision: AdaptDecisionLog)] {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        if let user {
            conditions.append("user_id = ?")
            arguments.append(.text(user))
        }
        if let dimension {
            conditions.append("dimension = ?")
            arguments.append(.text(dimension))
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let rows = try db.rows(
            """
            SELECT user_id, decision_id, dimension, analysis_id, decided_at, policy, chosen, propensity, arms, context,
                   plan_id, applied, reward, reward_n
            FROM adapt_decision \(whereClause) ORDER BY user_id, decided_at, decision_id, dimension
            """, SQLArguments(arguments))
        return rows.map { r in
            let decision = AdaptDecisionLog(
                decisionID: r["decision_id"], dimension: r["dimension"], analysisID: r["analysis_id"],
                decidedAt: r["decided_at"], policy: r["policy"], chosen: r["chosen"], propensity: r["propensity"],
                arms: (JSON.parseStored(r["arms"]).arrayValue ?? []).compactMap(ArmSnapshot.init(json:)),
                context: JSON.parseStored(r["context"]).objectValue ?? [:], planID: r["plan_id"],
                applied: r["applied"], reward: r["reward"], rewardN: r["reward_n"])
            return (r["user_id"], decision)
        }
    }

    /// Writes one decision in one transaction: the adaptation event as hos-memory stores it (history,
    /// adaptation_state, experiment), the predicted adherence, the user's arms and the decision log rows
    /// (new ones inserted; earlier ones get their plan, applied flag and reward), and the archetype switch the
    /// decision saw.
    public func saveAdaptation(
        event: Event, predictedAdherence: Double?, arms: [AdaptArmState],
        decisions: [AdaptDecisionLog], archetypeSwitch: ArchetypeSwitchRecord? = nil
    ) throws {
        try write("store adaptation") { db in
            _ = try ingest(event, in: db)
            if let predictedAdherence {
                // The contract's predicted_adherence is an object; adaptation_state keeps its mean.
                try db.execute(
                    "UPDATE adaptation_state SET predicted_adherence = ? WHERE user_id = ?",
                    [predictedAdherence, event.userID])
            }
            let at = utc(event.timestamp)
            for a in arms {
                try db.execute(
                    """
                    INSERT INTO adapt_arm (user_id, dimension, arm, archetype, prior_alpha, prior_beta, successes, failures,
                                           pulls, p_best, chosen, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (user_id, dimension, arm) DO UPDATE SET archetype = excluded.archetype,
                      prior_alpha = excluded.prior_alpha, prior_beta = excluded.prior_beta,
                      successes = excluded.successes, failures = excluded.failures, pulls = excluded.pulls,
                      p_best = excluded.p_best, chosen = excluded.chosen, updated_at = excluded.updated_at
                    WHERE excluded.updated_at >= adapt_arm.updated_at
                    """,
                    [
                        a.user, a.dimension, a.arm, a.archetype, a.priorAlpha, a.priorBeta,
                        max(0, a.successes), max(0, a.failures), a.pulls, a.pBest, a.chosen, at,
                    ])
            }
            for d in decisions {
                try db.execute(
                    """
                    INSERT INTO adapt_decision (user_id, decision_id, dimension, analysis_id, decided_at, policy, chosen,
                                                propensity, arms, context, plan_id, applied, reward, reward_n)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (user_id, decision_id, dimension) DO UPDATE SET plan_id = excluded.plan_id,
                      applied = excluded.applied, reward = excluded.reward, reward_n = excluded.reward_n
                    """,
                    [
                        event.userID, d.decisionID, d.dimension, d.analysisID, utc(d.decidedAt), d.policy, d.chosen,
                        min(1, max(1e-12, d.propensity)), JSON.array(d.arms.map(\.json)).stored,
                        JSON.object(d.context).stored, d.planID,
                        d.applied, d.reward.map { min(1, max(0, $0)) }, d.rewardN,
                    ])
            }
            if let w = archetypeSwitch {
                try db.execute(
                    """
                    INSERT INTO adapt_switch (user_id, switched_at, analysis_id, from_archetype, to_archetype, since, strategy)
                    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                    """,
                    [
                        event.userID, utc(w.switchedAt), w.analysisID, w.from, w.to, w.since?.description, w.strategy,
                    ])
            }
        }
    }
}
