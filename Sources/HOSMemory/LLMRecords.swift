// The LLM's rows in the memory file: cached replies per user (by a hash of model + prompt) and the
// token and cost totals per user, agent and model. Parameterised SQL only.

import GRDB
import HOSCore

extension MemoryStore {
    /// A cached reply of the user for the key: (text, prompt tokens, completion tokens).
    public func llmCachedReply(user: String, key: String) throws -> (
        reply: String, promptTokens: Int, completionTokens: Int
    )? {
        try read("read llm cache") { db in
            guard
                let row = try db.rows(
                    """
                    SELECT reply, prompt_tokens, completion_tokens FROM llm_cache WHERE user_id = ? AND cache_key = ?
                    """, [user, key]
                ).first
            else { return nil }
            return (row["reply"], row["prompt_tokens"], row["completion_tokens"])
        }
    }

    /// Keeps a reply (a later one for the same key replaces it).
    public func storeLLMReply(
        user: String, key: String, agent: String, model: String, reply: String,
        promptTokens: Int, completionTokens: Int, at: String
    ) throws {
        try write("store llm reply") { db in
            try db.execute(
                """
                INSERT INTO llm_cache
                  (user_id, cache_key, agent, model, reply, prompt_tokens, completion_tokens, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (user_id, cache_key) DO UPDATE SET agent = excluded.agent, model = excluded.model,
                  reply = excluded.reply, prompt_tokens = excluded.prompt_tokens,
                  completion_tokens = excluded.completion_tokens, created_at = excluded.created_at
                """, [user, key, agent, model, reply, promptTokens, completionTokens, at])
        }
    }

    /// Adds one narration's counts to the user's, agent's and model's totals.
    public func recordLLMUsage(
        user: String, agent: String, model: String, requests: Int, cacheHits: Int,
        fallbacks: Int, promptTokens: Int, completionTokens: Int, costUSD: Double,
        at: String
    ) throws {
        try write("record llm usage") { db in
            try db.execute(
                """
                INSERT INTO llm_usage (user_id, agent, model, requests, cache_hits, fallbacks, prompt_tokens,
                                       completion_tokens, cost_usd, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (user_id, agent, model) DO UPDATE SET
                  requests = requests + excluded.requests, cache_hits = cache_hits + excluded.cache_hits,
                  fallbacks = fallbacks + excluded.fallbacks, prompt_tokens = prompt_tokens + excluded.prompt_tokens,
                  completion_tokens = completion_tokens + excluded.completion_tokens,
                  cost_usd = cost_usd + excluded.cost_usd, updated_at = excluded.updated_at
                """,
                [
                    user, agent, model, requests, cacheHits, fallbacks, promptTokens, completionTokens,
                    costUSD, at,
                ])
        }
    }

    /// Totals per agent and model over every user, for `stats`: users, requests, cache hits, fallbacks, tokens, cost.
    static func llmStats(in db: any MemorySQL) throws -> JSON {
        let rows = try db.rows(
            """
            SELECT agent, model, count(DISTINCT user_id) AS users, sum(requests) AS requests,
                   sum(cache_hits) AS cache_hits, sum(fallbacks) AS fallbacks, sum(prompt_tokens) AS prompt_tokens,
                   sum(completion_tokens) AS completion_tokens, sum(cost_usd) AS cost_usd
            FROM llm_usage GROUP BY agent, model ORDER BY agent, model
            """, [])
        let usage: [JSON] = rows.map { r in
            var o: [String: JSON] = ["agent": .string(r["agent"]), "model": .string(r["model"])]
            for k in ["users", "requests", "cache_hits", "fallbacks", "prompt_tokens", "completion_tokens"] {
                o[k] = .number(Double(r[k] as Int))
            }
            o["cost_usd"] = .number(r["cost_usd"], places: 6)
            return .object(o)
        }
        return [
            "usage": .array(usage),
            "cache_entries": .number(Double(try db.one(Int.self, "SELECT count(*) FROM llm_cache", []) ?? 0)),
        ]
    }
}
