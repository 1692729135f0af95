// Where the LLM is and how hard to try: flags beat the environment (which hos-run fills from a
// pipeline's llm: section), which beats the defaults. The API key is only ever read, never shown.

import HOSCore

/// The settings of one run's LLM client.
public struct LLMConfig: Sendable {
    /// The API's base URL, up to and including `/v1`: the client posts to `BASE/chat/completions`.
    public var baseURL: String
    public var model: String
    /// Sent as `Authorization: Bearer KEY`; nil sends no header (local servers).
    public var apiKey: String?
    /// Seconds one HTTP request may take, from connect to the last byte.
    public var timeout: Double = 30
    /// Attempts after the first on 429, 5xx and connection failures.
    public var retries: Int = 3
    /// Seconds of the first backoff; it doubles per attempt, with jitter in [50%, 100%].
    public var backoff: Double = 0.5
    /// Longest wait that a `Retry-After` header or a backoff may ask for.
    public var maxDelay: Double = 30
    /// Tokens (prompt + completion, as the server counts them) this process may spend; after that, no calls.
    public var budget: Int = 20_000
    /// `max_tokens` of each request.
    public var maxTokens: Int = 300
    /// Ask for server-sent events (`"stream": true`) and join the chunks.
    public var stream = false
    /// US dollars per million tokens, for the accounting's cost column (0: not priced).
    public var costPerMillionTokens: Double = 0
    /// Seed of the backoff jitter, so that tests are reproducible.
    public var seed: UInt64 = 0

    public static let defaultBaseURL = "https://api.openai.com/v1"
    public static let defaultModel = "gpt-4o-mini"

    public init(
        baseURL: String = LLMConfig.defaultBaseURL, model: String = LLMConfig.defaultModel, apiKey: String? = nil
    ) {
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
    }

    /// True when `HOS_LLM` asks for the LLM as `--llm` does (`1` or `true`; `0`, `false` or unset: no). hos-run sets
    /// it for every agent step of a pipeline with an `llm:` section; an agent that cannot use an LLM ignores it.
    public static func enabled(environment env: [String: String]) throws(HOSError) -> Bool {
        guard let s = env["HOS_LLM"], !s.isEmpty else { return false }
        guard ["0", "1", "true", "false"].contains(s) else { throw HOSError.config("HOS_LLM must be 0 or 1") }
        return s == "1" || s == "true"
    }

    /// The settings from the environment: `HOS_LLM_BASE_URL`, `HOS_LLM_MODEL`, the key from the variable
    /// named by `HOS_LLM_API_KEY_ENV` (default `OPENAI_API_KEY`), `HOS_LLM_TIMEOUT`, `HOS_LLM_RETRIES`,
    /// `HOS_LLM_BACKOFF`, `HOS_LLM_BUDGET`, `HOS_LLM_MAX_TOKENS`, `HOS_LLM_STREAM`, `HOS_LLM_COST_PER_MTOK`.
    /// A malformed value is a configuration error naming the variable (never its value: it may be the key).
    public static func from(environment env: [String: String]) throws(HOSError) -> LLMConfig {
        var c = LLMConfig()
        if let v = env["HOS_LLM_BASE_URL"], !v.isEmpty { c.baseURL = v }
        if let v = env["HOS_LLM_MODEL"], !v.isEmpty { c.model = v }
        let keyVar = env["HOS_LLM_API_KEY_ENV"].flatMap { $0.isEmpty ? nil : $0 } ?? "OPENAI_API_KEY"
        if let v = env[keyVar], !v.isEmpty { c.apiKey = v }
        func number(_ name: String, _ range: ClosedRange<Double>) throws(HOSError) -> Double? {
            guard let s = env[name], !s.isEmpty else { return nil }
            guard let v = Double(s), range.contains(v) else {
                throw HOSError.config("\(name) must be a number from \(range.lowerBound) to \(range.upperBound)")
            }
            return v
        }
        if let v = try number("HOS_LLM_TIMEOUT", 0.01...3600) { c.timeout = v }
        if let v = try number("HOS_LLM_RETRIES", 0...10) { c.retries = Int(v) }
        if let v = try number("HOS_LLM_BACKOFF", 0...60) { c.backoff = v }
        if let v = try number("HOS_LLM_BUDGET", 0...1e12) { c.budget = Int(v) }
        if let v = try number("HOS_LLM_MAX_TOKENS", 1...100_000) { c.maxTokens = Int(v) }
        if let v = try number("HOS_LLM_COST_PER_MTOK", 0...1e6) { c.costPerMillionTokens = v }
        if let s = env["HOS_LLM_STREAM"], !s.isEmpty {
            guard ["0", "1", "true", "false"].contains(s) else {
                throw HOSError.config("HOS_LLM_STREAM must be 0 or 1")
            }
            c.stream = s == "1" || s == "true"
        }
        try c.check()
        return c
    }

    /// The base URL must be http(s) with a host; the model must be named.
    public func check() throws(HOSError) {
        let lower = baseURL.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), baseURL.count > 8,
            !baseURL.contains(" ")
        else {
            throw HOSError.config("the LLM base URL must start with http:// or https:// (HOS_LLM_BASE_URL)")
        }
        guard !model.isEmpty else { throw HOSError.config("the LLM model must be named (HOS_LLM_MODEL)") }
    }

    /// `BASE/chat/completions`, with one slash between.
    public var completionsURL: String {
        (baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL) + "/chat/completions"
    }

    /// The US dollar cost of a number of tokens.
    public func cost(tokens: Int) -> Double { Double(tokens) * costPerMillionTokens / 1_000_000 }
}
