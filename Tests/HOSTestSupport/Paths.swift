// Where the test targets that run the built commands find the package and the tools.

import Foundation

/// The package root, from this file's place in it.
public let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Where the built hos-* tools are: HOS_BIN_DIR, else beside the test runner, else .build/debug.
public let binDir: String = {
    if let dir = ProcessInfo.processInfo.environment["HOS_BIN_DIR"] { return dir }
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [beside, beside.deletingLastPathComponent()] {
        if FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("hos-validate").path) {
            return candidate.path
        }
    }
    return packageRoot.appendingPathComponent(".build/debug").path
}()
