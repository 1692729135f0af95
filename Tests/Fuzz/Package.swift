// swift-tools-version:6.0
// hos's fuzz targets: a package of its own, so that `swift build` of hos never builds them (they link
// libFuzzer's main and need -sanitize=fuzzer). Built and run by scripts/fuzz.sh; see README.md here.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which is whatever the clone is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
let hos = root.lastPathComponent.lowercased()

func harness(_ name: String, _ products: [String]) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzSupport"] + products.map { .product(name: $0, package: hos) })
}

let package = Package(
    name: "hos-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: root.path)],
    targets: [
        .target(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"]),
        harness("fuzz-jsonl", ["HOSCore"]),
        harness("fuzz-yaml", ["HOSPipeline"]),
        harness("fuzz-csv", ["HOSImport", "HOSCore"]),
    ],
    swiftLanguageModes: [.v6]
)
