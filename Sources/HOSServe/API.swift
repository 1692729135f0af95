// The routes of the analysis API: events in, analyses and their live progress out, a user's memory.

import Foundation
import HOSCore
import HOSMemory
import Hummingbird
import HummingbirdAuth
import ServiceLifecycle

/// The handlers, with what they share: the memory file, the analyses' board, the limits, the metrics.
struct API: Sendable {
    let memory: Memory
    let board: Board
    let limiter: RateLimiter
    let metrics: ServeMetrics
    let maxBody: Int
    /// What a stream does at shutdown: the server's drain (analyses finish, then streams end).
    let drain: Drain
    /// Seconds between the comments that keep a quiet stream open through proxies.
    let heartbeat: Double

    func routes(_ router: Router<ServeContext>) {
        router.add(middleware: Measure(metrics: metrics))
        router.get("healthz") { _, _ in "ok\n" }
        let v1 = router.group("v1").add(middleware: TokenAuthenticator(memory: memory))
            .add(middleware: Limit(limiter: limiter))
        router.group().add(middleware: TokenAuthenticator(memory: memory)).add(middleware: Limit(limiter: limiter))
            .get("metrics") { _, context in
                _ = try Self.token(context)
                let c = await board.counts()
                return Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                    body: .init(
                        byteBuffer: ByteBuffer(
                            string: metrics.text(states: c.states, queued: c.queued, running: c.running))))
            }
        v1.get("openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml"],
                body: .init(byteBuffer: ByteBuffer(string: Self.document)))
        }
        v1.post("events") { request, context in try await events(request, context) }
        v1.post("analyses") { request, context in try await analyse(request, context) }
        v1.get("analyses/:id") { _, context in try await status(context) }
        v1.get("analyses/:id/events") { request, context in try await stream(request, context) }
        v1.get("users/:id/memory") { _, context in try await recall(context) }
        v1.delete("users/:id") { _, context in try await forget(context) }
        pageRoutes(router, v1: v1)
    }

    /// docs/openapi.yaml, as the package carries it.
    static let document: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "" }
        return text
    }()

    static func token(_ context: ServeContext) throws -> APIToken {
        guard let t = context.identity else {
            throw HTTPError(.unauthorized, message: "a valid bearer token is needed")
        }
        return t
    }

    /// The token, allowed to touch `user` (403 otherwise).
    static func token(_ context: ServeContext, for user: String) throws -> APIToken {
        let t = try token(context)
        guard t.allows(user) else { throw HTTPError(.forbidden, message: "this token may not read or write that user") }
        return t
    }

    static func json(_ value: JSON, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var h = headers
        h[.contentType] = "application/json"
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(string: value.text + "\n")))
    }

    // MARK: - Events

    /// JSON lines or a JSON array; each event checked as the agents check it, stored when every one is allowed.
    func events(_ request: Request, _ context: ServeContext) async throws -> Response {
        let token = try Self.token(context)
        let body = try await request.body.collect(upTo: maxBody)
        let text = String(buffer: body)
        // Each item with its number and its text, whose hash names an event that came without an id, as the
        // agents name it: the same line posted here or piped to hos-memory is the same event.
        let lines: [(line: Int, json: JSON?, text: String)]
        if text.first(where: { !$0.isWhitespace }) == "[" {
            guard case .array(let items)? = try? JSONParser.parse(text) else {
                throw HTTPError(.badRequest, message: "the body is not a JSON array of events")
            }
            lines = items.enumerated().map { ($0 + 1, $1, $1.text) }
        } else {
            lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { i, l in
                guard !l.allSatisfy(\.isWhitespace) else { return nil }
                return (i + 1, try? JSONParser.parse(String(l)), String(l))
            }
            if !lines.isEmpty, lines.allSatisfy({ $0.json == nil }) {
                throw HTTPError(.badRequest, message: "the body is neither JSON lines nor a JSON array")
            }
        }
        var accepted: [Event] = []
        var rejected: [JSON] = []
        for (n, json, line) in lines {
            guard let json else {
                rejected.append(["line": .number(Double(n)), "message": "invalid JSON"])
                continue
            }
            do {
                let e = try Event(
                    json: json, fallbackID: Array(line.utf8).withUnsafeBufferPointer { EventID.forLine($0) })
                try ContractCheck.check(e)
                guard token.allows(e.userID) else {
                    throw HTTPError(.forbidden, message: "line \(n): this token may not write that user")
                }
                accepted.append(e)
            } catch let p as EventProblem {
                rejected.append(["line": .number(Double(n)), "message": .string(p.message)])
            }
        }
        let stored = try await memory.store(accepted)
        return Self.json([
            "accepted": .number(Double(accepted.count)), "stored": .number(Double(stored)),
            "rejected": .number(Double(rejected.count)), "rejections": .array(rejected),
        ])
    }

    // MARK: - Analyses

    func analyse(_ request: Request, _ context: ServeContext) async throws -> Response {
        let body = try await request.body.collect(upTo: maxBody)
        guard case .object(let ask)? = try? JSONParser.parse(String(buffer: body)),
            let user = ask["user_id"]?.stringValue
        else { throw HTTPError(.badRequest, message: "the body must be a JSON object with user_id") }
        _ = try Self.token(context, for: user)
        var payload: [String: JSON] = ["window_days": ask["window_days"] ?? .number(30)]
        for key in ["archetype", "as_of"] { if let v = ask[key] { payload[key] = v } }
        let now = Timestamp.format(seconds: Int(Date().timeIntervalSince1970))
        let id = "a-" + StableHash.hex(StableHash.of("hos-serve", user, now, UUID().uuidString))
        payload["analysis_id"] = .string(id)
        let event = Event(
            id: EventID.derive("hos-serve", id), type: EventType.analysisRequest, user: user, timestamp: now,
            source: "hos-serve", archetype: ask["archetype"]?.stringValue, analysisID: id, payload: payload)
        do {
            try ContractCheck.check(event)
        } catch {
            throw HTTPError(.badRequest, message: error.message)
        }
        do {
            try await board.submit(event, id: id)
        } catch .queueFull(let retry) {
            throw HTTPError(.serviceUnavailable, headers: [.retryAfter: String(retry)], message: "the queue is full")
        }
        return Self.json(
            [
                "analysis_id": .string(id), "status": "queued", "location": .string("/v1/analyses/\(id)"),
                "events_url": .string("/v1/analyses/\(id)/events"),
            ], status: .accepted, headers: [.location: "/v1/analyses/\(id)"])
    }

    /// The analysis, when the token may see its user; 404 otherwise too, so ids of others are not confirmed.
    func entry(_ context: ServeContext) async throws -> (id: String, user: String, state: AnalysisState, result: JSON?)
    {
        let id = try context.parameters.require("id")
        let token = try Self.token(context)
        guard let e = await board.entry(id), token.allows(e.user) else {
            throw HTTPError(.notFound, message: "no such analysis")
        }
        return (id, e.user, e.state, e.result)
    }

    func status(_ context: ServeContext) async throws -> Response {
        let e = try await entry(context)
        var o: [String: JSON] = [
            "analysis_id": .string(e.id), "user_id": .string(e.user), "status": .string(e.state.rawValue),
        ]
        if let r = e.result { o["result"] = r["payload"] ?? r }
        return Self.json(.object(o))
    }

    /// Server-sent events: what the analysis said after Last-Event-ID, then what it says until it is over.
    func stream(_ request: Request, _ context: ServeContext) async throws -> Response {
        let e = try await entry(context)
        let last = request.headers.first { $0.name.canonicalName == "last-event-id" }.flatMap { Int($0.value) } ?? 0
        guard let (past, next) = await board.subscribe(e.id, after: last) else {
            throw HTTPError(.notFound, message: "no such analysis")
        }
        let drain = self.drain
        let heartbeat = self.heartbeat
        let body = ResponseBody { writer in
            for event in past { try await writer.write(ByteBuffer(string: event.text)) }
            if let next {
                try await withGracefulShutdownHandler {
                    try await Self.follow(next, heartbeat: heartbeat, writer: &writer)
                } onGracefulShutdown: {
                    Task { await drain.finish() }
                }
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .init("X-Accel-Buffering")!: "no"],
            body: body)
    }

    /// Writes the stream's events as they come, and a comment every `heartbeat` seconds between them.
    static func follow(
        _ events: AsyncStream<StreamEvent>, heartbeat: Double, writer: inout any ResponseBodyWriter
    ) async throws {
        enum Tick: Sendable {
            case event(StreamEvent)
            case beat
        }
        let (ticks, sink) = AsyncStream<Tick>.makeStream()
        let pump = Task {
            for await e in events { sink.yield(.event(e)) }
            sink.finish()
        }
        let beat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(heartbeat))
                if !Task.isCancelled { sink.yield(.beat) }
            }
        }
        defer {
            pump.cancel()
            beat.cancel()
        }
        for await tick in ticks {
            switch tick {
            case .event(let e): try await writer.write(ByteBuffer(string: e.text))
            case .beat: try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
            }
        }
    }

    // MARK: - Users

    func recall(_ context: ServeContext) async throws -> Response {
        let user = try context.parameters.require("id")
        _ = try Self.token(context, for: user)
        let rows = try await memory.recall(
            user: user, layer: nil, at: Timestamp.format(seconds: Int(Date().timeIntervalSince1970)))
        return Self.json(["user_id": .string(user), "rows": .array(rows.map(\.json))])
    }

    func forget(_ context: ServeContext) async throws -> Response {
        let user = try context.parameters.require("id")
        _ = try Self.token(context, for: user)
        let rows = try await memory.forget(user: user, at: Timestamp.format(seconds: Int(Date().timeIntervalSince1970)))
        return Self.json(["user_id": .string(user), "deleted": .object(rows.mapValues { .number(Double($0)) })])
    }
}

/// Counts every request by its route pattern and status, with its latency.
struct Measure: RouterMiddleware {
    typealias Context = ServeContext
    let metrics: ServeMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = Date()
        let route = context.endpointPath ?? "unmatched"
        do {
            let r = try await next(request, context)
            metrics.request(route: route, status: Int(r.status.code), seconds: Date().timeIntervalSince(start))
            return r
        } catch let e as any HTTPResponseError {
            metrics.request(route: route, status: Int(e.status.code), seconds: Date().timeIntervalSince(start))
            throw e
        }
    }
}

/// 401 without a valid token; 429 with Retry-After when the token's bucket is empty.
struct Limit: RouterMiddleware {
    typealias Context = ServeContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let token = try API.token(context)
        if let wait = await limiter.take(token.name) {
            throw HTTPError(
                .tooManyRequests, headers: [.retryAfter: String(Int(wait.rounded(.up)))],
                message: "rate limit: try again later")
        }
        return try await next(request, context)
    }
}
