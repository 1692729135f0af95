// The Narrator behind --llm: renders the agent's prompt file with the archetype and the facts, answers
// from the cache when the same model saw the same prompt for the same user, else asks the client;
// accounts tokens per user and agent; any failure is a fallback with a reason, never an error.

import Foundation
import HOSCore

/// A reply kept for re-use: re-running the same analysis costs nothing.
public struct CachedReply: Sendable, Equatable {
    public var content: String
    public var usage: LLMUsage
    public init(content: String, usage: LLMUsage) {
        self.content = content
        self.usage = usage
    }
}

/// Where replies are kept, per user, by a hash of model + prompt + schema (the memory file implements it).
public protocol LLMCache: AnyObject {
    func cachedReply(user: String, key: String) throws -> CachedReply?
    func store(user: String, key: String, agent: String, model: String, reply: CachedReply, at: String) throws
}

/// One narration's cost, added to the user's and agent's running totals.
public struct LLMUsageEntry: Sendable, Equatable {
    public var user: String
    public var agent: String
    public var model: String
    /// HTTP requests sent, retries included.
    public var requests = 0
    public var cacheHits = 0
    public var fallbacks = 0
    public var usage = LLMUsage()
    public var costUSD = 0.0

    public init(user: String, agent: String, model: String) {
        self.user = user
        self.agent = agent
        self.model = model
    }
}

/// Where token and cost accounting goes (the memory file implements it).
public protocol LLMAccounting: AnyObject {
    func record(_ entry: LLMUsageEntry, at: String) throws
}

/// Prompt files, one per agent, from the package's resources.
public enum Prompts {
    /// The system and user parts of an agent's prompt (split at a line `---`); nil when there is none.
    public static func template(for agent: String) -> (system: String, user: String)? {
        guard let url = Bundle.module.url(forResource: agent, withExtension: "txt", subdirectory: "Prompts"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return nil }
        let parts = text.components(separatedBy: "\n---\n")
        guard parts.count == 2 else { return nil }
        return (
            parts[0].trimmingCharacters(in: .whitespacesAndNewlines),
            parts[1].trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }

    /// The messages of a request: `{{archetype}}`, `{{focus}}`, `{{tone}}`, `{{count}}`, `{{window_days}}` and
    /// `{{facts}}` (the facts as compact JSON with sorted keys) filled in. Nothing else reaches the server.
    public static func messages(for request: NarrationRequest) -> [ChatMessage]? {
        guard let t = template(for: request.agent) else { return nil }
        let archetype = Archetype(named: request.archetype) ?? .foundationBuilder
        let values: [String: String] = [
            "archetype": archetype.name, "focus": archetype.focus, "tone": archetype.tone,
            "count": request.items.map(String.init) ?? "",
            "window_days": request.facts["window_days"]?.doubleValue.map { String(Int($0)) } ?? "",
            "facts": request.facts.text,
        ]
        func fill(_ s: String) -> String {
            var out = s
            for (k, v) in values { out = out.replacingOccurrences(of: "{{\(k)}}", with: v) }
            return out
        }
        return [ChatMessage(role: "system", content: fill(t.system)), ChatMessage(role: "user", content: fill(t.user))]
    }

    /// The reply's schema: `{"summary": text}` for a text request, `{"items": [n strings]}` for a list.
    public static func schema(items: Int?) -> JSON {
        if let n = items {
            return [
                "type": "object", "required": ["items"], "additionalProperties": false,
                "properties": [
                    "items": [
                        "type": "array", "minItems": .number(Double(n)), "maxItems": .number(Double(n)),
                        "items": ["type": "string", "minLength": 1, "maxLength": 300],
                    ]
                ],
            ]
        }
        return [
            "type": "object", "required": ["summary"], "additionalProperties": false,
            "properties": ["summary": ["type": "string", "minLength": 1, "maxLength": 500]],
        ]
    }
}

/// The LLM-backed narrator: cache first, then the client; a fallback on any failure.
public final class LLMNarrator: Narrator {
    public let client: LLMClient
    let cache: LLMCache?
    let accounting: LLMAccounting?
    /// Called with a one-line warning for each fallback (the command prints it on stderr).
    let warn: (String) -> Void
    let now: () -> String

    public init(
        client: LLMClient, cache: LLMCache?, accounting: LLMAccounting?,
        warn: @escaping (String) -> Void = { _ in }, now: @escaping () -> String = LLMNarrator.clock
    ) {
        self.client = client
        self.cache = cache
        self.accounting = accounting
        self.warn = warn
        self.now = now
    }

    /// The current UTC time in RFC 3339, for the cache and accounting rows (never for agent output).
    public static func clock() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date())
    }

    /// The cache key: a hash of the model, the rendered prompt and the schema.
    public static func cacheKey(model: String, messages: [ChatMessage], schema: JSON) -> String {
        StableHash.hex(
            StableHash.of(["llm-cache", model] + messages.flatMap { [$0.role, $0.content] } + [schema.text]),
            digits: 32)
    }

    public func narrate(_ request: NarrationRequest) -> Narration {
        var entry = LLMUsageEntry(user: request.user, agent: request.agent, model: client.config.model)
        let result = answer(request, &entry)
        if case .fallback(let reason) = result {
            entry.fallbacks += 1
            warn("llm: \(request.agent): fell back to the deterministic text (\(reason))")
        }
        do {
            try accounting?.record(entry, at: now())
        } catch {
            warn("llm: accounting not recorded: \(error)")
        }
        return result
    }

    func answer(_ request: NarrationRequest, _ entry: inout LLMUsageEntry) -> Narration {
        guard let messages = Prompts.messages(for: request) else { return .fallback("no_prompt") }
        let schema = Prompts.schema(items: request.items)
        let key = Self.cacheKey(model: client.config.model, messages: messages, schema: schema)
        if let hit = try? cache?.cachedReply(user: request.user, key: key),
            case .success(let reply) = LLMClient.check(
                LLMReply(content: hit.content, json: nil, usage: hit.usage), schema: schema),
            let words = Self.words(reply.json, items: request.items)
        {
            entry.cacheHits += 1
            return words
        }
        let before = client.requestsSent
        // A list reply may take max_tokens per item.
        let outcome = client.complete(
            messages, schema: schema, name: request.agent.replacingOccurrences(of: "-", with: "_"),
            maxTokens: client.config.maxTokens * max(1, request.items ?? 1), jitterKey: key)
        entry.requests += client.requestsSent - before
        switch outcome {
        case .failure(let failure): return .fallback(failure.reason)
        case .success(let reply):
            entry.usage = reply.usage
            entry.costUSD = client.config.cost(tokens: reply.usage.total)
            guard let words = Self.words(reply.json, items: request.items) else { return .fallback("schema") }
            do {
                try cache?.store(
                    user: request.user, key: key, agent: request.agent, model: client.config.model,
                    reply: CachedReply(content: reply.content, usage: reply.usage), at: now())
            } catch {
                warn("llm: reply not cached: \(error)")
            }
            return words
        }
    }

    /// The words of a reply that passed its schema.
    static func words(_ json: JSON?, items: Int?) -> Narration? {
        if items != nil {
            guard let list = json?["items"]?.arrayValue?.compactMap(\.stringValue) else { return nil }
            return .items(list.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        }
        guard let s = json?["summary"]?.stringValue else { return nil }
        return .text(s.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
