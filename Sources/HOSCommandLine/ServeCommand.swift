// hos-serve: the analysis API over HTTP, with live progress (SSE), tokens, rate limits and TLS.

import ArgumentParser
import Foundation
import HOSCore
import HOSMemory
import HOSPipeline
import HOSPostgres

/// What hos-serve's command needs from the HTTP server, given by hos-serve's executable before it parses its
/// arguments. The other commands share this module; through this seam they link no HTTP server, TLS or crypto.
public struct ServeEngine: Sendable {
    public var run: @Sendable (ServeOptions) async throws -> Void
    /// A new random token.
    public var makeToken: @Sendable () -> String
    /// The stored form of a token.
    public var hash: @Sendable (String) -> String

    public init(
        run: @escaping @Sendable (ServeOptions) async throws -> Void, makeToken: @escaping @Sendable () -> String,
        hash: @escaping @Sendable (String) -> String
    ) {
        self.run = run
        self.makeToken = makeToken
        self.hash = hash
    }
}

public struct ServeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hos-serve",
        abstract: "Serve the analysis API over HTTP: events in, analyses with live progress out.",
        discussion: """
            The same pipelines and the same memory file as hos-run, as a service. Every route but /healthz \
            needs a bearer token (see 'hos-serve token --help').

            ROUTES: POST /v1/events (JSON lines or a JSON array of events; each is checked as the agents \
            check it; the reply counts accepted, stored and rejected events and lists each rejection with \
            its line and message; 400 for a body that is not JSON, 413 over --max-body); POST /v1/analyses \
            ({"user_id", "archetype"?, "window_days"?, "as_of"?} → 202 with analysis_id, Location and \
            events_url: the pipeline runs over the user's stored records and memory, as hos-run does for \
            one request); GET /v1/analyses/ID (status queued, running, complete, degraded or failed, and \
            the analysis_complete payload once done); GET /v1/analyses/ID/events (text/event-stream: the \
            state, each step started and finished with its time in ms, then analysis_complete or \
            agent_error, then the stream ends; every event has an id, and a client that reconnects with \
            Last-Event-ID gets only what it missed; a comment every 15 s keeps proxies open); \
            GET /v1/analyses/ID/report (the HTML page 'hos-report --format html' writes of the analysis' \
            analysis_complete; 409 while it runs); GET /v1/users (the users of the memory file that the \
            token may reach); GET /v1/users/ID/memory (what 'hos-memory recall' shows); DELETE /v1/users/ID (erasure as \
            'hos-memory forget', audited); GET /healthz (no token); GET /metrics (Prometheus text).

            THE PAGE: GET / (no token) serves one self-contained page to open in a browser: it asks for a \
            token once and keeps it in the page's memory only (never in a URL, storage or a cookie), lists \
            the users the token reaches (or takes a typed id), starts an analysis, shows each step started \
            and finished as the event stream tells it, then the report. It loads nothing from elsewhere, and \
            its Content-Security-Policy allows its own script and style (and the report's) only.

            LIMITS: a token bucket per token (--rate per second, --burst at most): over it, 429 with \
            Retry-After. At most --max-concurrent pipeline runs at once; the analyses waiting for one, up to \
            --max-queue, beyond which 503 with Retry-After, are run together when a run is free, up to \
            --max-batch in one run (one analysis per user): the agents start once for all of them, and each \
            user's analysis_complete is the same as alone. A token scoped to users (token create --user) gets 403 for \
            any other user; no token or an unknown one gets 401. Tokens are never logged.

            THE QUEUE: with --queue postgresql://… (or HOS_QUEUE) the server runs no pipeline itself: each \
            analysis goes on that work queue, 'hos-run worker' processes on any machine run it (give them \
            the same memory, in PostgreSQL), and the server follows the request until it ends. Its stream \
            then says queued, running and the end, without the steps (the workers report none). \
            --max-concurrent bounds the batches waiting on the queue at once.

            SHUTDOWN: SIGTERM or SIGINT stops accepting connections, lets queued and running analyses \
            finish (at most --grace seconds), ends open streams with a last 'shutdown' event, exits 0.

            ENCRYPTION: with --memory-key-file FILE (or HOS_MEMORY_KEY_FILE) the memory file, its tokens \
            included, is encrypted (hos-memory(1), ENCRYPTION); the pipeline's steps get the key file's \
            name in HOS_MEMORY_KEY_FILE, never the key, and 'hos-serve token' takes the same option.

            EXIT STATUS: 0 after a clean shutdown; 64 usage; 74 the memory file or the address failed; \
            78 a bad pipeline file.
            """,
        version: hosVersion,
        subcommands: [Run.self, Token.self],
        defaultSubcommand: Run.self)

    /// Set by hos-serve's executable (Sources/hos-serve) before `main()`.
    nonisolated(unsafe) public static var engine: ServeEngine?

    static func requireEngine() throws -> ServeEngine {
        guard let engine else { throw HOSError.config("hos-serve: built without its server module") }
        return engine
    }

    public init() {}

    public struct Run: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "run", abstract: "Run the server (the default subcommand).")

        @Option(help: ArgumentHelp("Address and port to listen on (port 0: any free port).", valueName: "host:port"))
        public var listen = "127.0.0.1:8787"

        @Option(help: ArgumentHelp("The pipeline every analysis runs.", valueName: "file"))
        public var pipeline = "examples/pipelines/full-analysis.yaml"

        @Option(
            help: ArgumentHelp(
                "The memory: a file, or postgresql://USER@HOST:PORT/DB?sslmode=… (default: $HOS_MEMORY, else ./hos-memory.sqlite).",
                valueName: "path"))
        public var memory: String?

        @Option(help: memoryKeyFileHelp) public var memoryKeyFile: String?

        @Option(help: ArgumentHelp("Largest request body in bytes.", valueName: "n"))
        public var maxBody = 8 << 20

        @Option(help: ArgumentHelp("Requests a second per token, e.g. 10/s.", valueName: "n/s"))
        public var rate = "10/s"

        @Option(help: ArgumentHelp("Requests a token may make at once before the rate applies.", valueName: "n"))
        public var burst = 20

        @Option(help: ArgumentHelp("Pipeline runs at once (default: the number of cores).", valueName: "n"))
        public var maxConcurrent = max(1, ProcessInfo.processInfo.activeProcessorCount)

        @Option(help: ArgumentHelp("Analyses that may wait for a free slot.", valueName: "n"))
        public var maxQueue = 64

        @Option(help: ArgumentHelp("Waiting analyses one pipeline run takes together.", valueName: "n"))
        public var maxBatch = 16

        @Option(
            help: ArgumentHelp(
                "Hand analyses to this PostgreSQL work queue for 'hos-run worker's instead of running them (beats HOS_QUEUE).",
                valueName: "url"))
        public var queue: String?

        @Option(
            help: ArgumentHelp(
                "Finished analyses kept for their status, stream and report (the oldest are forgotten).",
                valueName: "n"))
        public var keepAnalyses = 10_000

        @Option(help: ArgumentHelp("Seconds between the comments that keep a quiet event stream open.", valueName: "s"))
        public var heartbeat = 15.0

        @Option(help: ArgumentHelp("Seconds running analyses get to finish at shutdown.", valueName: "s"))
        public var grace = 30.0

        @Option(help: ArgumentHelp("Serve HTTPS with this PEM certificate (chain).", valueName: "file"))
        public var tlsCert: String?

        @Option(help: ArgumentHelp("The PEM private key of --tls-cert.", valueName: "file"))
        public var tlsKey: String?

        public init() {}

        var ratePerSecond: Double? { Double(rate.hasSuffix("/s") ? String(rate.dropLast(2)) : rate) }

        public func validate() throws {
            guard let r = ratePerSecond, r > 0 else {
                throw ValidationError("--rate must be a positive number per second, e.g. 10/s")
            }
            guard burst >= 1 else { throw ValidationError("--burst must be at least 1") }
            guard heartbeat >= 0.1 else { throw ValidationError("--heartbeat must be at least 0.1 seconds") }
            guard keepAnalyses >= 1 else { throw ValidationError("--keep-analyses must be at least 1") }
            guard maxConcurrent >= 1, maxQueue >= 0, maxBatch >= 1 else {
                throw ValidationError("--max-concurrent and --max-batch must be at least 1, --max-queue at least 0")
            }
            guard (tlsCert == nil) == (tlsKey == nil) else {
                throw ValidationError("--tls-cert and --tls-key go together")
            }
            guard listen.split(separator: ":").count == 2, Int(listen.split(separator: ":")[1]) != nil else {
                throw ValidationError("--listen must be host:port")
            }
        }

        public func run() async throws {
            PostgresMemory.install()
            let parts = listen.split(separator: ":")
            var o = ServeOptions(
                pipeline: pipeline,
                memory: MemoryStore.resolvePath(flag: memory, environment: ProcessInfo.processInfo.environment))
            (o.host, o.port) = (String(parts[0]), Int(parts[1])!)
            (o.maxBody, o.rate, o.burst) = (maxBody, ratePerSecond!, Double(burst))
            (o.maxConcurrent, o.maxQueue, o.maxBatch, o.grace) = (maxConcurrent, maxQueue, maxBatch, grace)
            (o.keepAnalyses, o.heartbeat) = (keepAnalyses, heartbeat)
            o.queue = queue ?? ProcessInfo.processInfo.environment["HOS_QUEUE"].flatMap { $0.isEmpty ? nil : $0 }
            (o.tlsCert, o.tlsKey) = (tlsCert, tlsKey)
            let scheme = tlsCert == nil ? "http" : "https"
            let host = o.host
            o.onReady = { port in printError("hos-serve: listening on \(scheme)://\(host):\(port)") }
            o.memoryKeyFile = MemoryKey.file(flag: memoryKeyFile, environment: ProcessInfo.processInfo.environment)
            do {
                try await ServeCommand.requireEngine().run(o)
            } catch let e as HOSError {
                printError("hos-serve: \(e)")
                throw ExitCode(e.exitCode.rawValue)
            } catch let e as PipelineError {
                printError("hos-serve: \(e)")
                throw ExitCode(HOSCore.ExitCode.config.rawValue)
            }
        }
    }

    public struct Token: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "token", abstract: "Make, list and revoke the server's bearer tokens.",
            discussion: """
                'create NAME' prints a new random token once; the memory file keeps only its SHA-256 hash, \
                its name and its scope: --user (repeatable) limits it to those users, --admin lets it reach \
                every user. 'list' prints name, scope, created and revoked times (never a token). 'revoke NAME' \
                ends a token at once.
                """,
            subcommands: [Create.self, List.self, Revoke.self])

        public init() {}

        public struct Create: ParsableCommand {
            public static let configuration = CommandConfiguration(commandName: "create", abstract: "Make a token.")
            @OptionGroup public var file: MemoryFileOptions
            @Argument(help: "The token's name.") public var name: String
            @Option(name: .customLong("user"), help: ArgumentHelp("A user it may reach (repeatable).", valueName: "id"))
            public var users: [String] = []
            @Flag(help: "Reach every user.") public var admin = false

            public init() {}

            public func validate() throws {
                guard admin || !users.isEmpty else { throw ValidationError("give --user ID (one or more) or --admin") }
                for u in users { try checkUserOption(u) }
            }

            public func run() throws {
                try runTool("hos-serve") {
                    let engine = try ServeCommand.requireEngine()
                    let token = engine.makeToken()
                    try file.open(create: true).createToken(
                        APIToken(name: name, users: users, admin: admin, createdAt: memoryNow()),
                        hash: engine.hash(token))
                    print(token)
                }
            }
        }

        public struct List: ParsableCommand {
            public static let configuration = CommandConfiguration(commandName: "list", abstract: "List the tokens.")
            @OptionGroup public var file: MemoryFileOptions

            public init() {}

            public func run() throws {
                try runTool("hos-serve") {
                    for t in try file.open(readOnly: !MemoryStore.isWritable(file.path)).tokens() {
                        let scope = t.admin ? "admin" : "users " + t.users.joined(separator: ",")
                        print(
                            [t.name, scope, t.createdAt, t.revokedAt.map { "revoked " + $0 } ?? "live"].joined(
                                separator: "\t"))
                    }
                }
            }
        }

        public struct Revoke: ParsableCommand {
            public static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token.")
            @OptionGroup public var file: MemoryFileOptions
            @Argument(help: "The token's name.") public var name: String

            public init() {}

            public func run() throws {
                try runTool("hos-serve") {
                    guard try file.open().revokeToken(name: name, at: memoryNow()) else {
                        throw HOSError.usage("no live token named '\(printable(name))'")
                    }
                }
            }
        }
    }
}
