CREATE INDEX adapt_decision_time ON adapt_decision (user_id, decided_at);
CREATE INDEX analyses_user_analysis ON analyses (user_id, analysis_id);
CREATE INDEX short_term_history_user ON short_term_history (user_id, date, metric);
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
CREATE TABLE adapt_item (
    user_id TEXT NOT NULL, item_id TEXT NOT NULL, category TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('keep', 'adapt', 'replace')), action TEXT NOT NULL,
    completion REAL NOT NULL, n INTEGER NOT NULL, reason TEXT NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, item_id)) WITHOUT ROWID;
CREATE TABLE adapt_switch (
    user_id TEXT NOT NULL, switched_at TEXT NOT NULL, analysis_id TEXT NOT NULL,
    from_archetype TEXT NOT NULL, to_archetype TEXT NOT NULL, since TEXT, strategy TEXT NOT NULL,
    PRIMARY KEY (user_id, switched_at, analysis_id)) WITHOUT ROWID;
CREATE TABLE adapt_tolerance (
    user_id TEXT NOT NULL, category TEXT NOT NULL,
    max_intensity INTEGER CHECK (max_intensity BETWEEN 1 AND 5), evidence INTEGER NOT NULL,
    state TEXT NOT NULL, reason TEXT NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, category)) WITHOUT ROWID;
CREATE TABLE adaptation_state (
    user_id TEXT NOT NULL PRIMARY KEY, difficulty INTEGER CHECK (difficulty BETWEEN 1 AND 5),
    previous INTEGER, reason TEXT, predicted_adherence REAL, analysis_id TEXT,
    updated_at TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE alert (
    user_id TEXT NOT NULL, alert_id TEXT NOT NULL, rule TEXT NOT NULL, severity TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')), started TEXT NOT NULL, ended TEXT,
    as_of TEXT NOT NULL, title TEXT NOT NULL, payload TEXT NOT NULL, event_id TEXT NOT NULL,
    PRIMARY KEY (user_id, alert_id)) WITHOUT ROWID;
CREATE TABLE analyses (
    user_id TEXT NOT NULL, event_id TEXT NOT NULL, analysis_id TEXT NOT NULL, agent TEXT NOT NULL,
    event_type TEXT NOT NULL, timestamp TEXT NOT NULL, archetype TEXT, summary TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (user_id, event_id)) WITHOUT ROWID;
CREATE TABLE api_token (
    name TEXT NOT NULL PRIMARY KEY, hash TEXT NOT NULL UNIQUE, users TEXT NOT NULL,
    admin INTEGER NOT NULL CHECK (admin IN (0, 1)), created_at TEXT NOT NULL, revoked_at TEXT
) WITHOUT ROWID;
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('recall', 'export', 'forget', 'restore')),
    user_hash TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TABLE candidate (
    user_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, streak INTEGER NOT NULL,
    evidence_count INTEGER NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
    PRIMARY KEY (user_id, key)) WITHOUT ROWID;
CREATE TABLE consolidation_state (
    user_id TEXT NOT NULL PRIMARY KEY, weeks_through TEXT, runs INTEGER NOT NULL,
    last_run TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE event_log (
    user_id TEXT NOT NULL, event_id TEXT NOT NULL, event_type TEXT NOT NULL, timestamp TEXT NOT NULL,
    line TEXT NOT NULL,
    PRIMARY KEY (user_id, event_id)) WITHOUT ROWID;
CREATE TABLE event_seen (
    user_id TEXT NOT NULL, event_id TEXT NOT NULL, event_type TEXT NOT NULL, timestamp TEXT NOT NULL,
    PRIMARY KEY (user_id, event_id)) WITHOUT ROWID;
CREATE TABLE experiment (
    user_id TEXT NOT NULL, dimension TEXT NOT NULL, arm TEXT NOT NULL,
    successes REAL NOT NULL CHECK (successes >= 0), failures REAL NOT NULL CHECK (failures >= 0),
    p_best REAL, chosen INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL, days TEXT,
    PRIMARY KEY (user_id, dimension, arm)) WITHOUT ROWID;
CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
CREATE TABLE insight (
    user_id TEXT NOT NULL, insight_id TEXT NOT NULL, content_hash TEXT NOT NULL, kind TEXT,
    title TEXT, confidence REAL, priority REAL, payload TEXT NOT NULL, first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL, seen_count INTEGER NOT NULL, useful INTEGER, feedback_note TEXT,
    PRIMARY KEY (user_id, insight_id)) WITHOUT ROWID;
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
CREATE TABLE meta (
    user_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, key)) WITHOUT ROWID;
CREATE TABLE plan_feedback (
    user_id TEXT NOT NULL, plan_id TEXT NOT NULL, item_id TEXT NOT NULL, date TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('completed', 'partial', 'skipped')),
    rating INTEGER CHECK (rating IS NULL OR rating BETWEEN 1 AND 5), event_id TEXT NOT NULL,
    timestamp TEXT NOT NULL, reason TEXT
  CHECK (reason IS NULL OR reason IN ('wrong_time', 'too_hard', 'too_easy', 'no_time')),
    PRIMARY KEY (user_id, plan_id, item_id, date)) WITHOUT ROWID;
CREATE TABLE plan_item (
    user_id TEXT NOT NULL, plan_id TEXT NOT NULL, item_id TEXT NOT NULL, analysis_id TEXT NOT NULL,
    archetype TEXT, date TEXT, category TEXT NOT NULL, strategy TEXT NOT NULL, variant TEXT NOT NULL,
    intensity INTEGER, difficulty INTEGER,
    PRIMARY KEY (user_id, plan_id, item_id)) WITHOUT ROWID;
CREATE TABLE profile (
    user_id TEXT NOT NULL PRIMARY KEY, payload TEXT NOT NULL, event_id TEXT NOT NULL,
    updated_at TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE short_term_history (
    id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, date TEXT NOT NULL, metric TEXT NOT NULL,
    value REAL NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('number', 'clock')),
    event_id TEXT NOT NULL, recorded_at TEXT NOT NULL, superseded_by TEXT NOT NULL);
CREATE TABLE short_term_record (
    user_id TEXT NOT NULL, date TEXT NOT NULL, metric TEXT NOT NULL, value REAL NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('number', 'clock')), event_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (user_id, date, metric)) WITHOUT ROWID;
CREATE TABLE short_term_stat (
    user_id TEXT NOT NULL, metric TEXT NOT NULL, window_days INTEGER NOT NULL, as_of TEXT NOT NULL,
    n INTEGER NOT NULL, mean REAL NOT NULL, sd REAL, min REAL NOT NULL, max REAL NOT NULL,
    PRIMARY KEY (user_id, metric, window_days)) WITHOUT ROWID;
CREATE TABLE user_archetype (
    user_id TEXT NOT NULL PRIMARY KEY, archetype TEXT NOT NULL, event_id TEXT NOT NULL, at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE working (
    user_id TEXT NOT NULL, analysis_id TEXT NOT NULL, request_event_id TEXT NOT NULL,
    created_at TEXT NOT NULL, expires_at TEXT NOT NULL, context TEXT NOT NULL,
    PRIMARY KEY (user_id, analysis_id)) WITHOUT ROWID;
CREATE UNIQUE INDEX insight_content ON insight (user_id, content_hash);
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
