// --llm and its settings, shared by hos-behavior, hos-insights and hos-routine: builds the narrator that
// talks to the OpenAI-compatible server, with the memory file as its cache and ledger.

import ArgumentParser
import Foundation
import HOSCore
import HOSLLM
import HOSMemory

/// The LLM paragraph of each agent's help (and man page); `words` says what the agent asks for.
func llmDiscussion(_ words: String) -> String {
    """
    LLM (optional): with --llm (or HOS_LLM=1, which hos-run sets for the agent steps of a pipeline with an \
    llm: section), \(words) The numbers and the deterministic text stay as they are; the \
    event gets "llm": "ok", or "llm": "fallback" and llm_reason (budget, timeout, unreachable, http_NNN, \
    malformed, schema, no_prompt) with the deterministic text alone: a failure is a warning on \
    standard error (the same warning repeated is one line with its count; --verbose lists each), never \
    a failed analysis. Server: HOS_LLM_BASE_URL (default https://api.openai.com/v1, \
    any OpenAI-compatible chat-completions server), HOS_LLM_MODEL (gpt-4o-mini), the API key from the \
    variable named by HOS_LLM_API_KEY_ENV (default OPENAI_API_KEY; sent only as a bearer token, never \
    shown); HOS_LLM_TIMEOUT or --llm-timeout (30 s per request, not retried); HOS_LLM_RETRIES (3) on \
    429, 5xx and connection failures, with backoff HOS_LLM_BACKOFF (0.5 s, doubling, jitter) or the \
    server's Retry-After (at most 30 s); HOS_LLM_BUDGET or --llm-budget (20000 tokens per process, then \
    no more calls); HOS_LLM_MAX_TOKENS (300), HOS_LLM_STREAM=1 (server-sent events), \
    HOS_LLM_COST_PER_MTOK (USD per million tokens, for the accounting). Replies are requested as JSON \
    and checked against a schema. Cache and accounting: the memory file (--memory, HOS_MEMORY), \
    tables llm_cache (per user, by a hash of model + prompt: a re-run sends nothing) and llm_usage \
    (requests, cache hits, fallbacks, tokens, cost per user, agent and model; hos-memory stats). \
    Sent to the server: the agent's prompt file filled with the archetype and the facts named here, \
    never the user id, event or analysis ids, dates or daily values.
    """
}

/// The optional LLM of an agent command.
public struct LLMOptions: ParsableArguments {
    @Flag(
        help:
            "Add an LLM's words (payload.narrative, payload.llm) from the OpenAI-compatible server of HOS_LLM_BASE_URL; see LLM in the discussion."
    )
    public var llm = false

    @Option(
        name: .customLong("llm-budget"),
        help: ArgumentHelp(
            "Tokens this process may spend on the LLM (default: $HOS_LLM_BUDGET, else 20000); then it stops calling.",
            valueName: "tokens"))
    public var llmBudget: Int?

    @Option(
        name: .customLong("llm-timeout"),
        help: ArgumentHelp(
            "Seconds one LLM request may take (default: $HOS_LLM_TIMEOUT, else 30).", valueName: "seconds"))
    public var llmTimeout: Double?

    @Option(
        help: ArgumentHelp(
            "The memory (a file or a postgresql:// URL) holding the LLM's cache and accounting, with --llm (default: $HOS_MEMORY, else ./hos-memory.sqlite).",
            valueName: "path"))
    public var memory: String?

    @Option(help: memoryKeyFileHelp) public var memoryKeyFile: String?

    @Flag(help: "Print each warning as it happens instead of one line per kind with its count.")
    public var verbose = false

    public init() {}

    public mutating func validate() throws {
        if let b = llmBudget, b < 0 { throw ValidationError("--llm-budget must be 0 or more") }
        if let t = llmTimeout, !(t > 0 && t <= 3600) {
            throw ValidationError("--llm-timeout must be above 0 and at most 3600")
        }
    }

    /// The narrator for `agent`, or nil without `--llm` (or `HOS_LLM=1`). Configuration problems end the run
    /// (exit 78) before any input is read; once running, every LLM failure is a fallback.
    public func narrator(agent: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> (any Narrator)?
    {
        Warnings.verbose = verbose
        guard try llm || LLMConfig.enabled(environment: environment) else { return nil }
        var config = try LLMConfig.from(environment: environment)
        if let b = llmBudget { config.budget = b }
        if let t = llmTimeout { config.timeout = t }
        let store = try MemoryStore(
            path: MemoryStore.resolvePath(flag: memory, environment: environment),
            key: MemoryKey.resolve(flag: memoryKeyFile, environment: environment))
        let ledger = MemoryLedger(store: store)
        return LLMNarrator(
            client: LLMClient(config: config), cache: ledger, accounting: ledger,
            warn: { message in
                Warnings.note(message, tool: agent, place: nil, line: message) { n, _ in "\(message) (\(n) times)" }
            })
    }
}

/// The memory file as the LLM's cache and accounting.
final class MemoryLedger: LLMCache, LLMAccounting {
    let store: MemoryStore
    init(store: MemoryStore) { self.store = store }

    func cachedReply(user: String, key: String) throws -> CachedReply? {
        try store.llmCachedReply(user: user, key: key).map {
            CachedReply(
                content: $0.reply, usage: LLMUsage(promptTokens: $0.promptTokens, completionTokens: $0.completionTokens)
            )
        }
    }

    func store(user: String, key: String, agent: String, model: String, reply: CachedReply, at: String) throws {
        try store.storeLLMReply(
            user: user, key: key, agent: agent, model: model, reply: reply.content,
            promptTokens: reply.usage.promptTokens, completionTokens: reply.usage.completionTokens, at: at)
    }

    func record(_ e: LLMUsageEntry, at: String) throws {
        try store.recordLLMUsage(
            user: e.user, agent: e.agent, model: e.model, requests: e.requests, cacheHits: e.cacheHits,
            fallbacks: e.fallbacks, promptTokens: e.usage.promptTokens,
            completionTokens: e.usage.completionTokens, costUSD: e.costUSD, at: at)
    }
}
