// What hos-run --incremental reads and writes in the memory file: a user's last whole analysis, the days
// recorded since, and the events of a user it answers from memory instead of analysing.

import GRDB
import HOSCore

extension MemoryStore {
    /// The user's latest stored analysis_complete that hos-run --incremental can answer with again: one with
    /// an as_of, not itself re-emitted (cached), not degraded. The latest by as_of, then timestamp, then id.
    public func lastAnalysis(user: String) throws -> Event? {
        try read("read the last analysis") { db in
            guard
                let row = try db.rows(Self.lastAnalysisSQL(db.dialect), [user]).first,
                case .object(let payload) = JSON.parseStored(row["payload"])
            else { return nil }
            let agent: String = row["agent"]
            return Event(
                id: row["event_id"], type: EventType.analysisComplete, user: user, timestamp: row["timestamp"],
                source: agent.isEmpty ? nil : agent, archetype: row["archetype"], analysisID: row["analysis_id"],
                payload: payload)
        }
    }

    /// The query of `lastAnalysis` in each engine's JSON functions.
    static func lastAnalysisSQL(_ dialect: SQLDialect) -> String {
        switch dialect {
        case .sqlite:
            """
            SELECT event_id, timestamp, agent, archetype, analysis_id, payload FROM analyses
            WHERE user_id = ? AND event_type = 'analysis_complete'
              AND json_type(payload, '$.as_of') = 'text'
              AND coalesce(json_extract(payload, '$.cached'), 0) = 0
              AND coalesce(json_array_length(payload, '$.degraded'), 0) = 0
            ORDER BY json_extract(payload, '$.as_of') DESC, timestamp DESC, event_id DESC LIMIT 1
            """
        case .postgresql:
            """
            SELECT event_id, timestamp, agent, archetype, analysis_id, payload FROM analyses
            WHERE user_id = ? AND event_type = 'analysis_complete'
              AND jsonb_typeof(payload::jsonb -> 'as_of') = 'string'
              AND coalesce(payload::jsonb -> 'cached' NOT IN ('false'::jsonb, '0'::jsonb, 'null'::jsonb), false) = false
              AND (jsonb_typeof(payload::jsonb -> 'degraded') IS DISTINCT FROM 'array'
                   OR jsonb_array_length(payload::jsonb -> 'degraded') = 0)
            ORDER BY (payload::jsonb ->> 'as_of') COLLATE "C" DESC, timestamp DESC, event_id DESC LIMIT 1
            """
        }
    }

    /// The distinct days after `day` on which the short-term layer holds a record of the user.
    public func recordDays(user: String, after day: LocalDate) throws -> Set<LocalDate> {
        try read("read the new days") { db in
            Set(
                try db.column(
                    String.self, "SELECT DISTINCT date FROM short_term_record WHERE user_id = ? AND date > ?",
                    [user, day.description]
                ).compactMap { LocalDate($0) })
        }
    }

    /// The latest day on which the short-term layer holds a record of the user.
    public func latestRecordDay(user: String) throws -> LocalDate? {
        try read("read the latest record") { db in
            try db.one(String.self, "SELECT max(date) FROM short_term_record WHERE user_id = ?", [user]).flatMap {
                LocalDate($0)
            }
        }
    }

    /// Stores the events the memory agent consumes, skipping the others (and analysis requests: no
    /// analysis is made for them), in one transaction, idempotent by event id; returns how many were new.
    @discardableResult
    public func storeConsumed(_ events: [Event]) throws -> Int {
        try store(events.filter { MemoryEvents.stored.contains($0.eventType) })
    }
}
