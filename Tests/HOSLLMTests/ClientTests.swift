// The real client against the scripted fake server: each behaviour of the issue ends as documented
// (hos-behavior(1), LLM): a good reply, 429 with Retry-After, 500 then ok, a slow reply past the timeout,
// malformed JSON, a schema failure, 401, a closed connection, streaming, and the token budget.

import Foundation
import HOSCore
import Testing

@testable import HOSLLM

@Suite(.serialized) struct ClientTests {
    let summarySchema = Prompts.schema(items: nil)
    let chat = [ChatMessage(role: "user", content: "Say something short.")]

    func client(_ server: FakeLLM, configure: (inout LLMConfig) -> Void = { _ in }) -> (LLMClient, Delays) {
        var c = LLMConfig(baseURL: server.baseURL, model: "fake-model", apiKey: "sk-test")
        c.backoff = 0.01
        configure(&c)
        let client = LLMClient(config: c)
        let delays = Delays()
        client.sleep = { delays.values.append($0) }
        return (client, delays)
    }

    final class Delays { var values: [Double] = [] }

    @Test func goodReplyPassesTheSchemaAndSpendsTheBudget() throws {
        let server = try FakeLLM()
        let (c, _) = client(server)
        let reply = try c.complete(chat, schema: summarySchema).get()
        #expect(reply.json?["summary"]?.stringValue?.isEmpty == false)
        #expect(reply.usage.completionTokens == 12)
        #expect(c.spentTokens == reply.usage.total)
        #expect(c.requestsSent == 1)
        // Plain text without a schema.
        let text = try c.complete(chat).get()
        #expect(text.content.hasPrefix("You kept"))
        #expect(text.json == nil)
    }

    @Test func status429WaitsWhatRetryAfterSaysCapped() throws {
        let server = try FakeLLM()
        try server.script(["429:2", "429:999"])
        let (c, delays) = client(server) { $0.maxDelay = 5 }
        _ = try c.complete(chat, schema: summarySchema).get()
        #expect(delays.values == [2, 5])
        #expect(c.requestsSent == 3)
        #expect(try server.count() == 3)
    }

    @Test func status500IsRetriedWithBackoffThenGivesUp() throws {
        let server = try FakeLLM()
        try server.script(["500", "500"])
        let (c, delays) = client(server) {
            $0.backoff = 1
            $0.seed = 7
        }
        _ = try c.complete(chat, schema: summarySchema, jitterKey: "k").get()
        #expect(delays.values.count == 2)
        // Exponential with jitter in [50%, 100%]: attempt 0 within 0.5–1 s, attempt 1 within 1–2 s; reproducible.
        #expect(delays.values[0] >= 0.5 && delays.values[0] <= 1)
        #expect(delays.values[1] >= 1 && delays.values[1] <= 2)
        #expect(
            delays.values == [
                c.delay(attempt: 0, retryAfter: nil, key: "k"), c.delay(attempt: 1, retryAfter: nil, key: "k"),
            ])

        try server.script(["500", "500", "500"])
        let (few, _) = client(server) { $0.retries = 1 }
        #expect(few.complete(chat, schema: summarySchema).failure == .status(500))
        #expect(few.requestsSent == 2)
    }

    @Test func slowReplyPastTheTimeoutIsATimeoutNotRetried() throws {
        let server = try FakeLLM()
        try server.script(["slow:4"])
        let (c, _) = client(server) { $0.timeout = 0.5 }
        let start = Date()
        #expect(c.complete(chat, schema: summarySchema).failure == .timeout)
        #expect(Date().timeIntervalSince(start) < 3)
        #expect(c.requestsSent == 1)
    }

    @Test func malformedBodyAndSchemaFailureAreNotRetried() throws {
        let server = try FakeLLM()
        try server.script(["malformed", "schema"])
        let (c, _) = client(server)
        #expect(c.complete(chat, schema: summarySchema).failure?.reason == "malformed")
        let failure = c.complete(chat, schema: summarySchema).failure
        #expect(failure?.reason == "schema")
        #expect("\(failure!)".contains("missing summary"))
        #expect(c.requestsSent == 2)
    }

    @Test func wrongKeyIs401AndTheKeyIsInNoMessage() throws {
        let server = try FakeLLM(key: "right-key")
        let (c, _) = client(server) { $0.apiKey = "sk-wrong-DISTINCT-4242" }
        let failure = c.complete(chat, schema: summarySchema).failure
        #expect(failure == .status(401))
        #expect(!"\(failure!) \(failure!.reason)".contains("DISTINCT"))
        #expect(c.requestsSent == 1)
    }

    @Test func closedConnectionAndNoServerAreUnreachableAfterRetries() throws {
        let server = try FakeLLM()
        try server.script(["close", "close", "close"])
        let (c, _) = client(server) { $0.retries = 2 }
        #expect(c.complete(chat).failure == .unreachable)
        #expect(c.requestsSent == 3)
        var none = LLMConfig(baseURL: "http://127.0.0.1:9/v1", model: "m")
        none.retries = 1
        none.backoff = 0
        #expect(LLMClient(config: none).complete(chat).failure == .unreachable)
    }

    @Test func streamedChunksAreJoinedWithTheirUsage() throws {
        let server = try FakeLLM()
        let (c, _) = client(server) { $0.stream = true }
        let reply = try c.complete(chat, schema: summarySchema).get()
        #expect(
            reply.json?["summary"]?.stringValue == "Your sleep held near its baseline and your readiness is balanced.")
        #expect(reply.usage.completionTokens == 12)
        #expect(try server.requests().contains("\"stream\": true"))
    }

    @Test func noCallOnceTheBudgetIsSpent() throws {
        let server = try FakeLLM()
        let (c, _) = client(server) { $0.budget = 1 }
        _ = try c.complete(chat).get()
        #expect(c.complete(chat).failure == .budget)
        #expect(try server.count() == 1)
        let (zero, _) = client(server) { $0.budget = 0 }
        #expect(zero.complete(chat).failure == .budget)
        #expect(try server.count() == 1)
    }

    @Test func schemaSubset() {
        let s = Prompts.schema(items: 2)
        #expect(JSONSchema.problem(["items": ["a", "b"]], against: s) == nil)
        #expect(JSONSchema.problem(["items": ["a"]], against: s) == "$.items: fewer than 2 items")
        #expect(JSONSchema.problem(["items": ["a", 3]], against: s) == "$.items[1]: is number, not string")
        #expect(JSONSchema.problem(["items": ["a", "b"], "x": 1], against: s) == "$: unexpected x")
        #expect(JSONSchema.problem(["items": ["a", ""]], against: s) == "$.items[1]: shorter than 1")
    }

    @Test func configFromTheEnvironmentNeverShowsValues() throws {
        let c = try LLMConfig.from(environment: [
            "HOS_LLM_BASE_URL": "http://h:1/v1/", "HOS_LLM_MODEL": "m",
            "HOS_LLM_API_KEY_ENV": "MY_KEY", "MY_KEY": "k1", "OPENAI_API_KEY": "k2",
            "HOS_LLM_BUDGET": "50", "HOS_LLM_STREAM": "1",
        ])
        #expect(c.apiKey == "k1")
        #expect(c.completionsURL == "http://h:1/v1/chat/completions")
        #expect(c.budget == 50 && c.stream)
        do {
            _ = try LLMConfig.from(environment: ["HOS_LLM_TIMEOUT": "sk-secret-value"])
            Issue.record("accepted a bad timeout")
        } catch {
            #expect("\(error)" == "HOS_LLM_TIMEOUT must be a number from 0.01 to 3600.0")
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let f) = self { return f }
        return nil
    }
}
