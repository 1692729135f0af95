// swift-tools-version:6.0
// hos — HolisticOS as a Unix toolkit of small composable commands.
import PackageDescription

let package = Package(
    name: "hos",
    products: [
        .executable(name: "hos-validate", targets: ["hos-validate"]),
        .executable(name: "hos-import", targets: ["hos-import"]),
        .executable(name: "hos-synth", targets: ["hos-synth"]),
        .executable(name: "hos-behavior", targets: ["hos-behavior"]),
        .executable(name: "hos-nutrition", targets: ["hos-nutrition"]),
        .executable(name: "hos-routine", targets: ["hos-routine"]),
        .executable(name: "hos-memory", targets: ["hos-memory"]),
        .executable(name: "hos-insights", targets: ["hos-insights"]),
        .executable(name: "hos-adapt", targets: ["hos-adapt"]),
        .executable(name: "hos-report", targets: ["hos-report"]),
        .executable(name: "hos-run", targets: ["hos-run"]),
        .executable(name: "hos-serve", targets: ["hos-serve"]),
        // For the fuzz targets' own package (Tests/Fuzz), which builds these with -sanitize=fuzzer.
        .library(name: "HOSCore", targets: ["HOSCore"]),
        .library(name: "HOSImport", targets: ["HOSImport"]),
        .library(name: "HOSPipeline", targets: ["HOSPipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // Events, metrics, archetypes and the JSON-lines runtime. No third-party imports.
        .target(name: "HOSCore"),
        // Recorded data (CSV, Fitbit, Apple Health) and synthetic users → events.
        .target(name: "HOSImport", dependencies: ["HOSCore"]),
        // The agents' logic as pure stages, and the statistics they share.
        .target(name: "HOSAgents", dependencies: ["HOSCore"]),
        // The 4-layer memory in one SQLite file: the only module that imports GRDB.
        .target(
            name: "HOSMemory",
            dependencies: [
                "HOSCore", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]),
        // PostgreSQL: connections (TLS, .pgpass), the shared schema's migrations, the work queue, and HOSMemory's
        // SQL interface on PostgreSQL. The only
        // module that imports PostgresNIO; NIOSSL here for the client's TLS (HOSServe has the server's).
        .target(
            name: "HOSPostgres",
            dependencies: [
                "HOSCore", "HOSMemory", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Rendering results for people: terminal text, Markdown, CSV/TSV tables, one-file HTML.
        .target(name: "HOSReport", dependencies: ["HOSCore"]),
        // The optional LLM: an OpenAI-compatible client over URLSession, prompt files, the narrator behind --llm.
        .target(name: "HOSLLM", dependencies: ["HOSCore"], resources: [.copy("Prompts")]),
        // Pipeline files and the process runner behind hos-run: the only module that imports Yams.
        .target(name: "HOSPipeline", dependencies: ["HOSCore", .product(name: "Yams", package: "Yams")]),
        // The HTTP API behind hos-serve: the only module that imports Hummingbird, HummingbirdAuth,
        // Prometheus, Crypto, NIOSSL and Logging.
        .target(
            name: "HOSServe",
            dependencies: [
                "HOSCore", "HOSMemory", "HOSPipeline", "HOSReport", "HOSPostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("openapi.yaml")]),
        // The commands: the only module that imports ArgumentParser.
        .target(
            name: "HOSCommandLine",
            dependencies: [
                "HOSCore", "HOSImport", "HOSAgents", "HOSMemory", "HOSReport", "HOSPipeline", "HOSLLM", "HOSPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "hos-validate", dependencies: ["HOSCommandLine"]),
        .executableTarget(name: "hos-import", dependencies: ["HOSCommandLine"]),
        .executableTarget(name: "hos-synth", dependencies: ["HOSCommandLine"]),
        .executableTarget(name: "hos-behavior", dependencies: ["HOSCommandLine"]),
        .executableTarget(name: "hos-nutrition", dependencies: ["HOSCommandLine"]),
        .executableTarget(name: "hos-routine", dependencies: ["HOSCommandLine"]),
        .executableTarget(name: "hos-memory", dependencies: ["HOSCommandLine"]),
        .executableTarget(name: "hos-insights", dependencies: ["HOSCommandLine"]),
        .executableTarget(name: "hos-adapt", dependencies: ["HOSCommandLine"]),
        .executableTarget(name: "hos-report", dependencies: ["HOSCommandLine"]),
        .executableTarget(name: "hos-run", dependencies: ["HOSCommandLine"]),
        // hos-serve alone links the HTTP server: its main gives ServeCommand the engine (see ServeEngine).
        .executableTarget(name: "hos-serve", dependencies: ["HOSCommandLine", "HOSServe"]),
        .testTarget(name: "HOSCoreTests", dependencies: ["HOSCore"]),
        .testTarget(
            name: "HOSImportTests", dependencies: ["HOSImport", "HOSCore"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "HOSAgentsTests", dependencies: ["HOSAgents", "HOSCore", "HOSImport"]),
        .testTarget(
            name: "HOSMemoryTests", dependencies: ["HOSMemory", "HOSCore"],
            exclude: ["Golden"]),
        .testTarget(name: "HOSReportTests", dependencies: ["HOSReport", "HOSCore"]),
        .testTarget(name: "HOSPipelineTests", dependencies: ["HOSPipeline", "HOSCore"]),
        .testTarget(
            name: "HOSPostgresTests", dependencies: ["HOSPostgres", "HOSMemory", "HOSCore", "HOSTestSupport"]),
        // The package root and the built tools, for the test targets that run the commands.
        .target(name: "HOSTestSupport", path: "Tests/HOSTestSupport"),
        .testTarget(
            name: "HOSLLMTests", dependencies: ["HOSLLM", "HOSCore", "HOSMemory", "HOSCommandLine", "HOSTestSupport"],
            exclude: ["Support"]),
        .testTarget(
            name: "HOSCLITests", dependencies: ["HOSCore", "HOSTestSupport"],
            exclude: ["Cases"]),
    ],
    swiftLanguageModes: [.v6]
)

// `make lint` builds with HOS_WERROR=1 (in its own scratch folder): there, a compiler warning in hos's own
// code is an error. Dependencies keep their own settings.
if Context.environment["HOS_WERROR"] == "1" {
    for target in package.targets {
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-warnings-as-errors"])]
    }
}
