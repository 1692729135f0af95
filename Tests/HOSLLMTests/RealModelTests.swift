// End to end against a real model: llama.cpp's llama-server with SmolLM2-135M-Instruct, built by
// `make llm-server` into a cache folder outside the repository. Proves the client, the schema, streaming,
// auth, the cache and the fallback on a real server; never the quality of the words (the model is tiny).
// Skipped, saying why, when the binary or model is missing; HOS_LLM_E2E=require turns the skip into a
// failure (CI, after make llm-server), HOS_LLM_E2E=0 skips on purpose.

import Foundation
import HOSCore
import HOSTestSupport
import Testing

@testable import HOSLLM

/// The binary and model paths from `scripts/llm-server.sh paths`, or why there are none.
let realModel: (paths: (server: String, model: String)?, why: String) = {
    let mode = ProcessInfo.processInfo.environment["HOS_LLM_E2E"] ?? ""
    if mode == "0" { return (nil, "skipped: HOS_LLM_E2E=0") }
    let r = try? run(packageRoot.appendingPathComponent("scripts/llm-server.sh").path, ["paths"])
    let parts = (r?.stdout ?? "").split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    guard r?.status == 0, parts.count == 2 else {
        return (
            nil,
            "skipped: llama-server or the SmolLM2 model is not built (run 'make llm-server'; it caches in ${HOS_LLM_CACHE:-~/.cache/hos-llm})"
        )
    }
    return ((parts[0], parts[1]), "")
}()

let realModelEnabled: Bool = {
    if realModel.paths == nil {
        print("llm e2e: \(realModel.why)")
        // In CI a missing server is a failure, not a skip.
        return ProcessInfo.processInfo.environment["HOS_LLM_E2E"] == "require"
    }
    return true
}()

/// A llama-server on a free port with an API key, killed when the value goes (or on purpose, mid-run).
/// Started directly rather than by `llm-server.sh start`, whose background child would hold the test's pipes.
final class LlamaServer {
    let port: Int
    let process = Process()
    let key = "e2e-key-\(UInt32.random(in: 0...UInt32.max))"

    init() throws {
        guard let paths = realModel.paths else { throw HOSError.io(realModel.why) }
        let free = try run(
            "/usr/bin/env",
            [
                "python3", "-c",
                "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])",
            ])
        port = Int(free.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 18080
        process.executableURL = URL(fileURLWithPath: paths.server)
        process.arguments = [
            "-m", paths.model, "--host", "127.0.0.1", "--port", String(port), "-c", "2048", "-t", "2",
            "--no-webui", "--api-key", key,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<300 {
            if (try? http("http://127.0.0.1:\(port)/health"))?.contains("ok") == true { return }
            usleep(100_000)
        }
        stop()
        throw HOSError.io("llama-server did not become healthy on port \(port)")
    }

    /// SIGKILL: the server dies at once, as a crashed one would.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    func config(key: String? = nil) -> LLMConfig {
        var c = LLMConfig(baseURL: baseURL, model: "SmolLM2-135M-Instruct", apiKey: key ?? self.key)
        c.timeout = 240
        c.retries = 1
        c.backoff = 0.2
        return c
    }

    var environment: [String: String] {
        [
            "HOS_LLM_BASE_URL": baseURL, "HOS_LLM_MODEL": "SmolLM2-135M-Instruct", "OPENAI_API_KEY": key,
            "HOS_LLM_TIMEOUT": "240", "HOS_LLM_RETRIES": "1", "HOS_LLM_BACKOFF": "0.2",
        ]
    }
}

/// Ten days of three metrics and a request, for one user: a short prompt, so a loaded machine answers in time.
func smallUser(_ user: String) -> String {
    var lines: [String] = []
    for d in 1...10 {
        let day = String(format: "2026-11-%02d", d)
        let metrics: JSON = [
            "sleep_duration_min": .number(Double(400 + 5 * d)), "steps": .number(Double(7000 + 150 * d)),
            "resting_hr_bpm": .number(Double(60 - d % 3)),
        ]
        let e: JSON = [
            "event_id": .string("\(user)-\(d)"), "event_type": "health_record", "user_id": .string(user),
            "archetype": "Foundation Builder", "timestamp": .string("\(day)T07:00:00Z"),
            "payload": ["date": .string(day), "metrics": metrics],
        ]
        lines.append(e.text)
    }
    let request: JSON = [
        "event_id": .string("\(user)-request"), "event_type": "analysis_request", "user_id": .string(user),
        "timestamp": "2026-11-10T08:00:00Z", "payload": ["analysis_id": .string("\(user)-analysis")],
    ]
    lines.append(request.text)
    return lines.joined(separator: "\n") + "\n"
}

@Suite(.serialized, .enabled(if: realModelEnabled, Comment(rawValue: realModel.why)))
struct RealModelTests {
    @Test func narrativeSchemaStreamingAndAWrongKey() throws {
        let server = try LlamaServer()
        let chat = [
            ChatMessage(role: "system", content: "You answer in one short sentence."),
            ChatMessage(role: "user", content: "Why does regular sleep help?"),
        ]
        var plain = server.config()
        plain.maxTokens = 40
        let narrative = try LLMClient(config: plain).complete(chat).get()
        #expect(!narrative.content.isEmpty)
        #expect(narrative.usage.completionTokens > 0 && narrative.usage.promptTokens > 0)

        // A JSON-schema reply: grammar-constrained by the server, checked again by the client.
        let schema: JSON = [
            "type": "object", "required": ["summary"], "additionalProperties": false,
            "properties": ["summary": ["type": "string", "minLength": 1, "maxLength": 120]],
        ]
        var structured = server.config()
        structured.maxTokens = 120
        let reply = try LLMClient(config: structured).complete(chat, schema: schema).get()
        #expect(reply.json?["summary"]?.stringValue?.isEmpty == false)

        var streamed = server.config()
        streamed.stream = true
        streamed.maxTokens = 20
        let chunks = try LLMClient(config: streamed).complete(chat).get()
        #expect(!chunks.content.isEmpty)
        #expect(chunks.usage.completionTokens > 0)

        let wrong = LLMClient(config: server.config(key: "not-the-key"))
        #expect(wrong.complete(chat).failure == .status(401))
        #expect(wrong.requestsSent == 1)
    }

    @Test func behaviorAgainstTheModelTheCacheAndTheServerKilledMidRun() throws {
        let server = try LlamaServer()
        let dir = TempDir()
        var env = server.environment
        env["HOS_MEMORY"] = dir.path("m.sqlite")

        // One process, two users: the first is answered by the model; then the server dies; the second falls back.
        let (process, inp, out, err) = try spawn("hos-behavior", ["--llm"], environment: env)
        inp.fileHandleForWriting.write(Data(smallUser("e2e-a").utf8))
        var seen = ""
        while !seen.contains("\"behavior_analysis\"") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        server.stop()
        inp.fileHandleForWriting.write(Data(smallUser("e2e-b").utf8))
        try inp.fileHandleForWriting.close()
        seen += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(stderr)")
        let result = ToolResult(stdout: seen, stderr: stderr, status: process.terminationStatus)
        let analyses = result.events("behavior_analysis")
        #expect(analyses.count == 2)
        let first = try #require(analyses.first?["payload"])
        #expect(first["llm"] == "ok", "\(stderr)")
        #expect(first["narrative"]?.stringValue?.isEmpty == false)
        #expect(first["metrics"]?["steps"]?["baseline"] == .number(7825))
        #expect(analyses.last?["payload"]?["llm"] == "fallback")
        #expect(analyses.last?["payload"]?["llm_reason"] == "unreachable")
        #expect(!stderr.contains(server.key))

        // The server is gone, and the first user's analysis is answered again, from the cache.
        let again = try run("hos-behavior", ["--llm"], input: smallUser("e2e-a"), environment: env)
        #expect(again.events("behavior_analysis").first?["payload"]?["narrative"] == first["narrative"])
        #expect(
            try sqlite(dir.path("m.sqlite"), "SELECT user_id, cache_hits, fallbacks FROM llm_usage ORDER BY user_id")
                == ["e2e-a|1|0", "e2e-b|0|1"])
        #expect(
            try sqlite(
                dir.path("m.sqlite"), "SELECT count(*) FROM llm_usage WHERE prompt_tokens > 0 AND completion_tokens > 0"
            )
                == ["1"])
    }
}
