// The memory file's schema: named, append-only migrations. Never edit a registered migration; add one.

import GRDB

/// The tables of the memory, by layer, and the migrations that create them.
public enum Schema {
    /// Every table that holds a user's rows, each with a `user_id` column: `forget` and `export` walk this list.
    public static let userTables = [
        "adapt_arm", "adapt_decision", "adapt_item", "adapt_switch", "adapt_tolerance", "adaptation_state", "alert",
        "analyses", "candidate", "consolidation_state",
        "event_log", "event_seen", "experiment", "insight", "llm_cache", "llm_usage", "long_term_preference",
        "long_term_strategy", "meta", "plan_feedback", "plan_item", "profile", "short_term_history",
        "short_term_record", "short_term_stat", "user_archetype",
        "working",
    ]

    /// The tables of each layer, as `recall --layer` names them.
    public static let layers: [(name: String, tables: [String])] = [
        ("working", ["working"]),
        ("short_term", ["short_term_record", "short_term_history", "short_term_stat"]),
        ("long_term", ["long_term_preference", "long_term_strategy", "candidate", "profile", "user_archetype"]),
        ("meta", ["meta", "consolidation_state"]),
        ("history", ["analyses", "insight", "alert", "plan_item", "plan_feedback"]),
        (
            "adaptation",
            [
                "adaptation_state", "experiment", "adapt_arm", "adapt_decision", "adapt_tolerance", "adapt_item",
                "adapt_switch",
            ]
        ),
    ]

    /// The order of each table's rows in exports and recalls: its primary key.
    static let orderBy: [String: String] = [
        "adapt_arm": "dimension, arm", "adapt_decision": "decided_at, decision_id, dimension",
        "adapt_item": "item_id", "adapt_tolerance": "category",
        "adapt_switch": "switched_at, analysis_id",
        "adaptation_state": "user_id", "alert": "started, alert_id", "analyses": "timestamp, event_id",
        "candidate": "key",
        "consolidation_state": "user_id", "event_log": "timestamp, event_id", "event_seen": "timestamp, event_id",
        "experiment": "dimension, arm", "insight": "first_seen, insight_id", "llm_cache": "created_at, cache_key",
        "llm_usage": "agent, model", "long_term_preference": "key",
        "long_term_strategy": "dimension, arm", "meta": "key", "plan_feedback": "date, plan_id, item_id",
        "plan_item": "plan_id, item_id", "profile": "user_id", "short_term_history": "id",
        "short_term_record": "date, metric", "short_term_stat": "metric, window_days", "user_archetype": "user_id",
        "working": "created_at, analysis_id",
    ]

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("2026-11-25-layers", migrate: layers1)
        m.registerMigration("2026-11-25-views", migrate: views1)
        m.registerMigration("2026-12-01-adaptation", migrate: adaptation1)
        m.registerMigration("2026-12-03-llm", migrate: llm1)
        m.registerMigration("2026-12-06-audit-without-user", migrate: auditWithoutUser)
        m.registerMigration("2026-12-07-alerts", migrate: alerts1)
        m.registerMigration("2026-12-08-schedule-tolerance", migrate: scheduleTolerance1)
        m.registerMigration("2026-12-08-feedback-reason", migrate: feedbackReason)
        m.registerMigration("2026-12-08-archetype-switch", migrate: archetypeSwitch1)
        m.registerMigration("2026-12-09-api-tokens", migrate: apiTokens1)
        m.registerMigration("2026-12-09-user-archetype", migrate: userArchetype1)
        return m
    }

    /// The four layers and the tables beside them.
    static func layers1(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE event_seen (
                    user_id TEXT NOT NULL, event_id TEXT NOT NULL, event_type TEXT NOT NULL, timestamp TEXT NOT NULL,
                    PRIMARY KEY (user_id, event_id)) WITHOUT ROWID;
                CREATE TABLE event_log (
                    user_id TEXT NOT NULL, event_id TEXT NOT NULL, event_type TEXT NOT NULL, timestamp TEXT NOT NULL,
                    line TEXT NOT NULL,
                    PRIMARY KEY (user_id, event_id)) WITHOUT ROWID;
                CREATE TABLE working (
                    user_id TEXT NOT NULL, analysis_id TEXT NOT NULL, request_event_id TEXT NOT NULL,
                    created_at TEXT NOT NULL, expires_at TEXT NOT NULL, context TEXT NOT NULL,
                    PRIMARY KEY (user_id, analysis_id)) WITHOUT ROWID;
                CREATE TABLE short_term_record (
                    user_id TEXT NOT NULL, date TEXT NOT NULL, metric TEXT NOT NULL, value REAL NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('number', 'clock')), event_id TEXT NOT NULL,
                    recorded_at TEXT NOT NULL,
                    PRIMARY KEY (user_id, date, metric)) WITHOUT ROWID;
                CREATE TABLE short_term_history (
                    id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, date TEXT NOT NULL, metric TEXT NOT NULL,
                    value REAL NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('number', 'clock')),
                    event_id TEXT NOT NULL, recorded_at TEXT NOT NULL, superseded_by TEXT NOT NULL);
                CREATE INDEX short_term_history_user ON short_term_history (user_id, date, metric);
                CREATE TABLE short_term_stat (
                    user_id TEXT NOT NULL, metric TEXT NOT NULL, window_days INTEGER NOT NULL, as_of TEXT NOT NULL,
                    n INTEGER NOT NULL, mean REAL NOT NULL, sd REAL, min REAL NOT NULL, max REAL NOT NULL,
                    PRIMARY KEY (user_id, metric, window_days)) WITHOUT ROWID;
                CREATE TABLE profile (
                    user_id TEXT NOT NULL PRIMARY KEY, payload TEXT NOT NULL, event_id TEXT NOT NULL,
                    updated_at TEXT NOT NULL) WITHOUT ROWID;
                CREATE TABLE long_term_preference (
                    user_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
                    confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
                    evidence_count INTEGER NOT NULL CHECK (evidence_count >= 0), source TEXT NOT NULL,
                    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
                    PRIMARY KEY (user_id, key)) WITHOUT ROWID;
                CREATE TABLE long_term_strategy (
                    user_id TEXT NOT NULL, dimension TEXT NOT NULL, arm TEXT NOT NULL, category TEXT NOT NULL,
                    success_rate REAL NOT NULL, confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
                    evidence_count INTEGER NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
                    PRIMARY KEY (user_id, dimension, arm)) WITHOUT ROWID;
                CREATE TABLE candidate (
                    user_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, streak INTEGER NOT NULL,
                    evidence_count INTEGER NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
                    PRIMARY KEY (user_id, key)) WITHOUT ROWID;
                CREATE TABLE consolidation_state (
                    user_id TEXT NOT NULL PRIMARY KEY, weeks_through TEXT, runs INTEGER NOT NULL,
                    last_run TEXT NOT NULL) WITHOUT ROWID;
                CREATE TABLE meta (
                    user_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, updated_at TEXT NOT NULL,
                    PRIMARY KEY (user_id, key)) WITHOUT ROWID;
                CREATE TABLE analyses (
                    user_id TEXT NOT NULL, event_id TEXT NOT NULL, analysis_id TEXT NOT NULL, agent TEXT NOT NULL,
                    event_type TEXT NOT NULL, timestamp TEXT NOT NULL, archetype TEXT, summary TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    PRIMARY KEY (user_id, event_id)) WITHOUT ROWID;
                CREATE INDEX analyses_user_analysis ON analyses (user_id, analysis_id);
                CREATE TABLE plan_item (
                    user_id TEXT NOT NULL, plan_id TEXT NOT NULL, item_id TEXT NOT NULL, analysis_id TEXT NOT NULL,
                    archetype TEXT, date TEXT, category TEXT NOT NULL, strategy TEXT NOT NULL, variant TEXT NOT NULL,
                    intensity INTEGER, difficulty INTEGER,
                    PRIMARY KEY (user_id, plan_id, item_id)) WITHOUT ROWID;
                CREATE TABLE plan_feedback (
                    user_id TEXT NOT NULL, plan_id TEXT NOT NULL, item_id TEXT NOT NULL, date TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('completed', 'partial', 'skipped')),
                    rating INTEGER CHECK (rating IS NULL OR rating BETWEEN 1 AND 5), event_id TEXT NOT NULL,
                    timestamp TEXT NOT NULL,
                    PRIMARY KEY (user_id, plan_id, item_id, date)) WITHOUT ROWID;
                CREATE TABLE insight (
                    user_id TEXT NOT NULL, insight_id TEXT NOT NULL, content_hash TEXT NOT NULL, kind TEXT,
                    title TEXT, confidence REAL, priority REAL, payload TEXT NOT NULL, first_seen TEXT NOT NULL,
                    last_seen TEXT NOT NULL, seen_count INTEGER NOT NULL, useful INTEGER, feedback_note TEXT,
                    PRIMARY KEY (user_id, insight_id)) WITHOUT ROWID;
                CREATE UNIQUE INDEX insight_content ON insight (user_id, content_hash);
                CREATE TABLE experiment (
                    user_id TEXT NOT NULL, dimension TEXT NOT NULL, arm TEXT NOT NULL,
                    successes REAL NOT NULL CHECK (successes >= 0), failures REAL NOT NULL CHECK (failures >= 0),
                    p_best REAL, chosen INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL,
                    PRIMARY KEY (user_id, dimension, arm)) WITHOUT ROWID;
                CREATE TABLE adaptation_state (
                    user_id TEXT NOT NULL PRIMARY KEY, difficulty INTEGER CHECK (difficulty BETWEEN 1 AND 5),
                    previous INTEGER, reason TEXT, predicted_adherence REAL, analysis_id TEXT,
                    updated_at TEXT NOT NULL) WITHOUT ROWID;
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY, at TEXT NOT NULL,
                    action TEXT NOT NULL CHECK (action IN ('recall', 'export', 'forget', 'restore')),
                    user_hash TEXT NOT NULL, detail TEXT NOT NULL);
                """)
    }

    /// The analytics views of the man page.
    static func views1(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE VIEW readiness_adherence AS
                SELECT a.user_id, a.analysis_id, a.archetype, json_extract(a.payload, '$.as_of') AS as_of,
                       json_extract(a.payload, '$.readiness.score') AS readiness_score,
                       json_extract(a.payload, '$.readiness.state') AS readiness_state,
                       (SELECT count(*) FROM plan_item p JOIN plan_feedback f
                          ON f.user_id = p.user_id AND f.plan_id = p.plan_id AND f.item_id = p.item_id
                        WHERE p.user_id = a.user_id AND p.analysis_id = a.analysis_id) AS feedback,
                       (SELECT avg(CASE f.status WHEN 'completed' THEN 1.0 WHEN 'partial' THEN 0.5 ELSE 0.0 END)
                        FROM plan_item p JOIN plan_feedback f
                          ON f.user_id = p.user_id AND f.plan_id = p.plan_id AND f.item_id = p.item_id
                        WHERE p.user_id = a.user_id AND p.analysis_id = a.analysis_id) AS adherence
                FROM analyses a WHERE a.event_type = 'behavior_analysis';
                CREATE VIEW strategy_effectiveness AS
                SELECT coalesce(p.archetype, '') AS archetype, p.category, p.strategy, count(*) AS feedback,
                       count(DISTINCT p.user_id) AS users,
                       avg(CASE f.status WHEN 'completed' THEN 1.0 WHEN 'partial' THEN 0.5 ELSE 0.0 END) AS adherence,
                       avg(f.rating) AS mean_rating
                FROM plan_item p JOIN plan_feedback f
                  ON f.user_id = p.user_id AND f.plan_id = p.plan_id AND f.item_id = p.item_id
                GROUP BY 1, 2, 3;
                CREATE VIEW system_stats AS
                SELECT (SELECT count(DISTINCT user_id) FROM event_seen) AS users,
                       (SELECT count(*) FROM event_seen) AS events,
                       (SELECT count(DISTINCT user_id || char(31) || analysis_id) FROM analyses) AS analyses,
                       (SELECT count(*) FROM short_term_record) AS short_term_records,
                       (SELECT count(*) FROM long_term_preference) AS preferences,
                       (SELECT count(*) FROM long_term_strategy) AS strategies,
                       (SELECT count(*) FROM insight) AS insights,
                       (SELECT count(*) FROM plan_feedback) AS feedback,
                       (SELECT count(*) FROM working) AS working_sessions;
                """)
    }

    /// hos-adapt's state: each user's Beta posterior per arm (the prior it was given and the user's own
    /// counts), and the decision log that off-line evaluation reads (context, arm, propensity, reward).
    static func adaptation1(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE adapt_arm (
                    user_id TEXT NOT NULL, dimension TEXT NOT NULL, arm TEXT NOT NULL, archetype TEXT,
                    prior_alpha REAL NOT NULL CHECK (prior_alpha > 0), prior_beta REAL NOT NULL CHECK (prior_beta > 0),
                    successes REAL NOT NULL CHECK (successes >= 0), failures REAL NOT NULL CHECK (failures >= 0),
                    pulls INTEGER NOT NULL CHECK (pulls >= 0), p_best REAL, chosen INTEGER NOT NULL DEFAULT 0,
                    updated_at TEXT NOT NULL,
                    PRIMARY KEY (user_id, dimension, arm)) WITHOUT ROWID;
                CREATE TABLE adapt_decision (
                    user_id TEXT NOT NULL, decision_id TEXT NOT NULL, dimension TEXT NOT NULL, analysis_id TEXT NOT NULL,
                    decided_at TEXT NOT NULL, policy TEXT NOT NULL, chosen TEXT NOT NULL,
                    propensity REAL NOT NULL CHECK (propensity > 0 AND propensity <= 1), arms TEXT NOT NULL,
                    context TEXT NOT NULL, plan_id TEXT, applied INTEGER,
                    reward REAL CHECK (reward IS NULL OR (reward >= 0 AND reward <= 1)),
                    reward_n INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (user_id, decision_id, dimension)) WITHOUT ROWID;
                CREATE INDEX adapt_decision_time ON adapt_decision (user_id, decided_at);
                """)
    }

    /// The optional LLM's replies and spending (hos-behavior, hos-insights, hos-routine with --llm). Both
    /// tables are keyed by user, so `forget` and `export` cover them and no reply is served to another user:
    /// the cache by a hash of model + prompt + schema, the accounting by agent and model.
    static func llm1(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE llm_cache (
                    user_id TEXT NOT NULL, cache_key TEXT NOT NULL, agent TEXT NOT NULL, model TEXT NOT NULL,
                    reply TEXT NOT NULL, prompt_tokens INTEGER NOT NULL CHECK (prompt_tokens >= 0),
                    completion_tokens INTEGER NOT NULL CHECK (completion_tokens >= 0), created_at TEXT NOT NULL,
                    PRIMARY KEY (user_id, cache_key)) WITHOUT ROWID;
                CREATE TABLE llm_usage (
                    user_id TEXT NOT NULL, agent TEXT NOT NULL, model TEXT NOT NULL,
                    requests INTEGER NOT NULL CHECK (requests >= 0), cache_hits INTEGER NOT NULL CHECK (cache_hits >= 0),
                    fallbacks INTEGER NOT NULL CHECK (fallbacks >= 0), prompt_tokens INTEGER NOT NULL CHECK (prompt_tokens >= 0),
                    completion_tokens INTEGER NOT NULL CHECK (completion_tokens >= 0),
                    cost_usd REAL NOT NULL CHECK (cost_usd >= 0), updated_at TEXT NOT NULL,
                    PRIMARY KEY (user_id, agent, model)) WITHOUT ROWID;
                """)
    }

    /// hos-insights' coach alerts, one row per episode (alert_id): open until its closed event comes, so that
    /// the next analysis knows which alerts a coach has already been sent.
    static func alerts1(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE alert (
                    user_id TEXT NOT NULL, alert_id TEXT NOT NULL, rule TEXT NOT NULL, severity TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('open', 'closed')), started TEXT NOT NULL, ended TEXT,
                    as_of TEXT NOT NULL, title TEXT NOT NULL, payload TEXT NOT NULL, event_id TEXT NOT NULL,
                    PRIMARY KEY (user_id, alert_id)) WITHOUT ROWID;
                """)
    }

    /// hos-adapt's per-day schedule (the days of the next plan each arm has, as a JSON array of day offsets),
    /// each user's intensity tolerance per category, and each plan item's verdict (keep, adapt, replace).
    static func scheduleTolerance1(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE experiment ADD COLUMN days TEXT;
                CREATE TABLE adapt_tolerance (
                    user_id TEXT NOT NULL, category TEXT NOT NULL,
                    max_intensity INTEGER CHECK (max_intensity BETWEEN 1 AND 5), evidence INTEGER NOT NULL,
                    state TEXT NOT NULL, reason TEXT NOT NULL, updated_at TEXT NOT NULL,
                    PRIMARY KEY (user_id, category)) WITHOUT ROWID;
                CREATE TABLE adapt_item (
                    user_id TEXT NOT NULL, item_id TEXT NOT NULL, category TEXT NOT NULL,
                    verdict TEXT NOT NULL CHECK (verdict IN ('keep', 'adapt', 'replace')), action TEXT NOT NULL,
                    completion REAL NOT NULL, n INTEGER NOT NULL, reason TEXT NOT NULL, updated_at TEXT NOT NULL,
                    PRIMARY KEY (user_id, item_id)) WITHOUT ROWID;
                """)
    }

    /// plan_feedback keeps the reason a user gives (rating was kept from the start): hos-adapt weighs both.
    static func feedbackReason(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE plan_feedback ADD COLUMN reason TEXT
                  CHECK (reason IS NULL OR reason IN ('wrong_time', 'too_hard', 'too_easy', 'no_time'));
                """)
    }

    /// hos-adapt's archetype switches: one row when a user's archetype is not the one hos-adapt last decided
    /// with, so that the strategy the switch was seen under (adaptive, fresh, blend:N) holds until the next one.
    static func archetypeSwitch1(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE adapt_switch (
                    user_id TEXT NOT NULL, switched_at TEXT NOT NULL, analysis_id TEXT NOT NULL,
                    from_archetype TEXT NOT NULL, to_archetype TEXT NOT NULL, since TEXT, strategy TEXT NOT NULL,
                    PRIMARY KEY (user_id, switched_at, analysis_id)) WITHOUT ROWID;
                """)
    }

    /// The archetype a user's own events (records, profile, requests) last stated: what replayed records
    /// carry, so that an analysis of stored days keeps the user's archetype (ReplayStage).
    static func userArchetype1(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE user_archetype (
                    user_id TEXT NOT NULL PRIMARY KEY, archetype TEXT NOT NULL, event_id TEXT NOT NULL, at TEXT NOT NULL
                ) WITHOUT ROWID;
                """)
    }

    /// The audit log names no user any more: the hashes that earlier versions wrote (FNV, unkeyed, so anyone
    /// could find a user by hashing likely ids) are cleared. The column stays, always '', so that old files
    /// and new ones share one schema; with secure_delete the old values are overwritten, not only unlinked.
    static func auditWithoutUser(_ db: Database) throws {
        try db.execute(sql: "UPDATE audit_log SET user_hash = '' WHERE user_hash <> ''")
    }
}
