// The OpenAI chat-completions client: one blocking call per request over URLSession (libcurl on Linux),
// with a timeout per request, retries with exponential backoff and jitter on 429, 5xx and connection
// failures (honouring Retry-After), JSON replies checked against a schema, and a hard token budget.

import Foundation
import FoundationNetworking
import HOSCore

/// One message of a chat.
public struct ChatMessage: Sendable, Equatable {
    public var role: String
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Tokens of one reply, as the server counts them.
public struct LLMUsage: Sendable, Equatable {
    public var promptTokens = 0
    public var completionTokens = 0
    public var total: Int { promptTokens + completionTokens }
    public init(promptTokens: Int = 0, completionTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// A reply that passed every check: its text, and the parsed JSON when a schema was asked for.
public struct LLMReply: Sendable, Equatable {
    public var content: String
    public var json: JSON?
    public var usage: LLMUsage
}

/// Why a call gave no reply. `reason` is a short code for events and messages: it never carries the
/// key, the prompt or the server's body.
public enum LLMFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case budget
    case timeout
    case status(Int)
    case unreachable
    case malformed(String)
    case schema(String)

    public var reason: String {
        switch self {
        case .budget: "budget"
        case .timeout: "timeout"
        case .status(let code): "http_\(code)"
        case .unreachable: "unreachable"
        case .malformed: "malformed"
        case .schema: "schema"
        }
    }

    public var description: String {
        switch self {
        case .budget: "token budget spent"
        case .timeout: "no reply within the timeout"
        case .status(let code): "server answered HTTP \(code)"
        case .unreachable: "server unreachable"
        case .malformed(let why): "malformed reply: \(why)"
        case .schema(let why): "reply fails the schema: \(why)"
        }
    }

    /// Worth another attempt: the server may answer later.
    var retryable: Bool {
        switch self {
        case .unreachable: true
        case .status(let code): code == 429 || code >= 500
        default: false
        }
    }
}

/// A blocking client of one OpenAI-compatible server. Not shared between threads.
public final class LLMClient {
    public let config: LLMConfig
    /// Tokens spent by this client's calls so far (the budget's meter).
    public private(set) var spentTokens = 0
    /// HTTP requests sent, retries included.
    public private(set) var requestsSent = 0
    /// How the client waits between attempts; tests record the delays instead of sleeping.
    public var sleep: (Double) -> Void = { s in if s > 0 { Thread.sleep(forTimeInterval: s) } }
    private let session: URLSession

    public init(config: LLMConfig) {
        self.config = config
        // The client enforces `timeout` itself (below); the session's own timeouts are a whole second
        // later, because swift-corelibs-foundation treats a fraction of a second as no time at all.
        let c = URLSessionConfiguration.ephemeral
        c.timeoutIntervalForRequest = (config.timeout + 1).rounded(.up)
        c.timeoutIntervalForResource = (config.timeout + 1).rounded(.up)
        c.requestCachePolicy = .reloadIgnoringLocalCacheData
        c.urlCache = nil
        session = URLSession(configuration: c)
    }

    deinit { session.invalidateAndCancel() }

    /// Whether the budget still allows a call.
    public var withinBudget: Bool { spentTokens < config.budget }

    /// The request body: model, messages, max_tokens, and a `json_schema` response format when a schema is given.
    public func body(_ messages: [ChatMessage], schema: JSON?, name: String, maxTokens: Int? = nil) -> JSON {
        var b: [String: JSON] = [
            "model": .string(config.model),
            "messages": .array(messages.map { ["role": .string($0.role), "content": .string($0.content)] }),
            "max_tokens": .number(Double(max(1, min(maxTokens ?? config.maxTokens, config.budget - spentTokens)))),
            "temperature": 0,
        ]
        if let schema {
            b["response_format"] = [
                "type": "json_schema",
                "json_schema": ["name": .string(name), "schema": schema, "strict": true],
            ]
        }
        if config.stream {
            b["stream"] = true
            b["stream_options"] = ["include_usage": true]
        }
        return .object(b)
    }

    /// Sends a chat and returns the checked reply; retries per the config, spends the budget.
    /// `maxTokens` overrides the config's `max_tokens` (a list reply asks for more).
    public func complete(
        _ messages: [ChatMessage], schema: JSON? = nil, name: String = "reply",
        maxTokens: Int? = nil, jitterKey: String = ""
    ) -> Result<LLMReply, LLMFailure> {
        let payload = Data(body(messages, schema: schema, name: name, maxTokens: maxTokens).encoded())
        var attempt = 0
        while true {
            guard withinBudget else { return .failure(.budget) }
            let outcome = send(payload)
            switch outcome {
            case .success((let status, let data, _)) where status == 200:
                let parsed = config.stream ? Self.parseStream(data) : Self.parseReply(data)
                switch parsed {
                case .success(let r):
                    spentTokens += r.usage.total
                    return Self.check(r, schema: schema)
                case .failure(let e): return .failure(e)
                }
            case .success((let status, _, let retryAfter)):
                let failure = LLMFailure.status(status)
                guard failure.retryable, attempt < config.retries else { return .failure(failure) }
                sleep(delay(attempt: attempt, retryAfter: retryAfter, key: jitterKey))
            case .failure(let failure):
                guard failure.retryable, attempt < config.retries else { return .failure(failure) }
                sleep(delay(attempt: attempt, retryAfter: nil, key: jitterKey))
            }
            attempt += 1
        }
    }

    /// `Retry-After` seconds when the server sent them, else backoff × 2^attempt × a jitter in [0.5, 1];
    /// at most `maxDelay`.
    public func delay(attempt: Int, retryAfter: Double?, key: String) -> Double {
        if let retryAfter { return min(max(0, retryAfter), config.maxDelay) }
        let h = StableHash.of("llm-backoff", String(config.seed), key, String(attempt))
        let unit = Double(UInt64(truncatingIfNeeded: h >> 11) >> 11) / Double(1 << 53)
        let exp = config.backoff * Double(1 << min(attempt, 20))
        return min(exp * (0.5 + 0.5 * unit), config.maxDelay)
    }

    /// One HTTP POST: (status, body, Retry-After seconds) or a transport failure.
    func send(_ payload: Data) -> Result<(Int, Data, Double?), LLMFailure> {
        guard let url = URL(string: config.completionsURL) else { return .failure(.unreachable) }
        var request = URLRequest(url: url, timeoutInterval: (config.timeout + 1).rounded(.up))
        request.httpMethod = "POST"
        request.httpBody = payload
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(config.stream ? "text/event-stream" : "application/json", forHTTPHeaderField: "Accept")
        if let key = config.apiKey { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        requestsSent += 1
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { data, response, error in
            box.set(data: data, response: response as? HTTPURLResponse, error: error)
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + config.timeout) == .timedOut {
            task.cancel()
            return .failure(.timeout)
        }
        let (data, response, error) = box.get()
        if let error {
            let code = (error as? URLError)?.code
            return .failure(code == .timedOut ? .timeout : .unreachable)
        }
        guard let response else { return .failure(.unreachable) }
        let retryAfter = (response.value(forHTTPHeaderField: "Retry-After")).flatMap {
            Double($0.trimmingCharacters(in: .whitespaces))
        }
        return .success((response.statusCode, data ?? Data(), retryAfter))
    }

    /// A non-streamed reply: `choices[0].message.content` and `usage`.
    static func parseReply(_ data: Data) -> Result<LLMReply, LLMFailure> {
        guard let json = try? JSONParser.parse(String(decoding: data, as: UTF8.self)) else {
            return .failure(.malformed("the body is not JSON"))
        }
        guard let content = json["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue else {
            return .failure(.malformed("no choices[0].message.content"))
        }
        return .success(LLMReply(content: content, json: nil, usage: usage(json["usage"])))
    }

    /// A streamed reply: `data: {...}` lines whose `choices[0].delta.content` are joined, up to `data: [DONE]`;
    /// the usage comes with the last chunk (`stream_options.include_usage`).
    static func parseStream(_ data: Data) -> Result<LLMReply, LLMFailure> {
        var content = ""
        var u = LLMUsage()
        var done = false
        for raw in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("data:") else { continue }
            let text = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
            if text == "[DONE]" {
                done = true
                break
            }
            guard let chunk = try? JSONParser.parse(text) else {
                return .failure(.malformed("a stream chunk is not JSON"))
            }
            if let piece = chunk["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue { content += piece }
            if let usage = chunk["usage"], usage != .null { u = Self.usage(usage) }
        }
        guard done else { return .failure(.malformed("the stream ended without [DONE]")) }
        return .success(LLMReply(content: content, json: nil, usage: u))
    }

    static func usage(_ json: JSON?) -> LLMUsage {
        LLMUsage(
            promptTokens: Int(json?["prompt_tokens"]?.doubleValue ?? 0),
            completionTokens: Int(json?["completion_tokens"]?.doubleValue ?? 0))
    }

    /// A text reply must not be empty; a schema reply must parse as JSON and pass the schema.
    static func check(_ reply: LLMReply, schema: JSON?) -> Result<LLMReply, LLMFailure> {
        let text = reply.content.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let schema else {
            return text.isEmpty
                ? .failure(.malformed("empty content"))
                : .success(LLMReply(content: text, json: nil, usage: reply.usage))
        }
        guard let json = try? JSONParser.parse(text) else { return .failure(.malformed("content is not JSON")) }
        if let problem = JSONSchema.problem(json, against: schema) { return .failure(.schema(problem)) }
        return .success(LLMReply(content: text, json: json, usage: reply.usage))
    }
}

/// The completion handler's result, handed across threads under a lock.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    private var response: HTTPURLResponse?
    private var error: Error?

    func set(data: Data?, response: HTTPURLResponse?, error: Error?) {
        lock.lock()
        defer { lock.unlock() }
        self.data = data
        self.response = response
        self.error = error
    }

    func get() -> (Data?, HTTPURLResponse?, Error?) {
        lock.lock()
        defer { lock.unlock() }
        return (data, response, error)
    }
}
