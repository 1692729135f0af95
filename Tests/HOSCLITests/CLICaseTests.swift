// Golden CLI cases: each folder under Cases/<tool>/<name>/ is run as a real shell command.
//
// A case holds `cmd` (run by sh in the case folder, with the built tools first on PATH), optional
// `input` (its standard input), and the expected `expout`, `experr` and `status` (exit code; 0
// when absent). RECORD_CASES=1 rewrites the expectations from the actual run; review with git diff.

import Foundation
import HOSTestSupport
import Testing

let casesDir = packageRoot.appendingPathComponent("Tests/HOSCLITests/Cases")

/// Every case folder, as `tool/name`.
func allCases() -> [String] {
    let fm = FileManager.default
    var out: [String] = []
    for tool in (try? fm.contentsOfDirectory(atPath: casesDir.path)) ?? [] {
        for name in (try? fm.contentsOfDirectory(atPath: casesDir.appendingPathComponent(tool).path)) ?? [] {
            if fm.fileExists(atPath: casesDir.appendingPathComponent("\(tool)/\(name)/cmd").path) {
                out.append("\(tool)/\(name)")
            }
        }
    }
    return out.sorted()
}

/// The result of running a shell command with the tools on PATH.
struct ShellResult {
    var stdout: Data
    var stderr: Data
    var status: Int32
}

/// Runs `sh -c command` in `directory`, feeding `input`; real processes and pipes.
func shell(_ command: String, in directory: URL, input: Data? = nil, environment: [String: String] = [:]) throws
    -> ShellResult
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    process.currentDirectoryURL = directory
    var env = ProcessInfo.processInfo.environment
    env["PATH"] = binDir + ":" + (env["PATH"] ?? "/usr/bin:/bin")
    env["NO_COLOR"] = "1"
    env.removeValue(forKey: "HOS_MEMORY")
    env.removeValue(forKey: "HOS_MEMORY_KEY_FILE")
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    let inp = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = inp
    try process.run()
    // Read both pipes while the process runs, so a large output cannot block it.
    nonisolated(unsafe) var outData = Data()
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        outData = out.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    if let input { inp.fileHandleForWriting.write(input) }
    try inp.fileHandleForWriting.close()
    process.waitUntilExit()
    group.wait()
    return ShellResult(stdout: outData, stderr: errData, status: process.terminationStatus)
}

@Suite struct CLICaseTests {
    @Test(arguments: allCases())
    func runCase(_ name: String) throws {
        let dir = casesDir.appendingPathComponent(name)
        let fm = FileManager.default
        func file(_ n: String) -> Data? { fm.contents(atPath: dir.appendingPathComponent(n).path) }
        let cmd = String(decoding: try #require(file("cmd")), as: UTF8.self)
        let result = try shell(cmd, in: dir, input: file("input"))
        if ProcessInfo.processInfo.environment["RECORD_CASES"] == "1" {
            _ = fm.createFile(atPath: dir.appendingPathComponent("expout").path, contents: result.stdout)
            _ = fm.createFile(atPath: dir.appendingPathComponent("experr").path, contents: result.stderr)
            let statusPath = dir.appendingPathComponent("status").path
            if result.status == 0 {
                try? fm.removeItem(atPath: statusPath)
            } else {
                _ = fm.createFile(atPath: statusPath, contents: Data("\(result.status)\n".utf8))
            }
            return
        }
        let expectedStatus =
            file("status").flatMap {
                Int32(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
            } ?? 0
        #expect(result.status == expectedStatus, "exit status of \(name)")
        #expect(
            String(decoding: result.stdout, as: UTF8.self) == String(decoding: file("expout") ?? Data(), as: UTF8.self),
            "stdout of \(name)")
        #expect(
            String(decoding: result.stderr, as: UTF8.self) == String(decoding: file("experr") ?? Data(), as: UTF8.self),
            "stderr of \(name)")
    }
}
