// hos-serve's HTTP application: the routes of the analysis API over Hummingbird, with TLS when asked.

import Foundation
import HOSCore
import HOSMemory
import HOSPipeline
import Hummingbird
import HummingbirdAuth
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import ServiceLifecycle

/// The server: the routes, the analyses' board, and the application that runs until SIGTERM or SIGINT.
public struct Server {
    public let options: ServeOptions

    public init(options: ServeOptions) { self.options = options }

    public func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let spec = try PipelineSpec.load(file: options.pipeline, environment: env)
        // Read once, its mode checked, before the server listens; the steps get its absolute name.
        let key = try options.memoryKeyFile.map { try MemoryKey.load(file: $0) }
        let memory = try Memory(path: options.memory, key: key)
        let run = PipelineRun(spec: spec, memory: options.memory, memoryKeyFile: key?.file, environment: env)
        let handOff = try options.queue.map { try QueueRun(url: $0, environment: env) }
        let metrics = ServeMetrics()
        let board = Board(
            maxConcurrent: options.maxConcurrent, maxQueue: options.maxQueue, maxBatch: options.maxBatch,
            keep: options.keepAnalyses
        ) { requests, onStep in
            if let handOff { return await handOff(requests) }
            return await run(requests) { p in
                metrics.step(p)
                onStep(p)
            }
        }
        let drain = Drain(board: board, grace: options.grace, cancel: run.active.cancelAll)
        let api = API(
            memory: memory, board: board, limiter: RateLimiter(rate: options.rate, burst: options.burst),
            metrics: metrics, maxBody: options.maxBody, drain: drain, heartbeat: options.heartbeat)
        let router = Router(context: ServeContext.self)
        api.routes(router)
        let onReady = options.onReady
        var app = Application(
            router: router, server: try serverBuilder(),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "hos-serve"),
            onServerRunning: { channel in onReady?(channel.localAddress?.port ?? 0) }, logger: Self.logger())
        app.addServices(drain)
        try await app.runService()
    }

    /// Hummingbird's own log: warnings and worse unless LOG_LEVEL says otherwise (its lines name routes and
    /// request ids, never a header, so never a token).
    static func logger() -> Logger {
        var logger = Logger(label: "hos-serve")
        logger.logLevel =
            ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }

    func serverBuilder() throws -> HTTPServerBuilder {
        guard let cert = options.tlsCert, let key = options.tlsKey else { return .http1() }
        let chain = try NIOSSLCertificate.fromPEMFile(cert).map { NIOSSLCertificateSource.certificate($0) }
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        return try .tls(.http1(), tlsConfiguration: tls)
    }
}

/// At shutdown, after the listener has stopped: lets queued and running analyses finish (up to the grace
/// period), then ends every open stream with a last event.
struct Drain: Service {
    let board: Board
    let grace: Double
    /// Stops the analyses still running when the grace period is over.
    let cancel: @Sendable () -> Void

    func run() async throws {
        try? await gracefulShutdown()
        await finish()
    }

    func finish() async {
        if await !drained(within: grace) {
            cancel()
            _ = await drained(within: 5)
        }
        await board.closeStreams()
    }

    /// Whether every queued and running analysis ended within `seconds`.
    func drained(within seconds: Double) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await board.drain()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
