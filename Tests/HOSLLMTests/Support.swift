// Test support: the scripted fake chat-completions server (Support/fake_llm.py) on a free 127.0.0.1 port,
// the built tools, and a runner of real processes.

import Foundation
import FoundationNetworking
import HOSCore
import HOSTestSupport

/// A fresh temporary folder, removed when the value goes.
final class TempDir {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("hos-llm-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A GET or POST to a local URL, blocking; the body as text.
func http(_ url: String, post body: String? = nil) throws -> String {
    var request = URLRequest(url: URL(string: url)!, timeoutInterval: 10)
    if let body {
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
    }
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: Data?
    URLSession.shared.dataTask(with: request) { data, _, _ in
        result = data
        done.signal()
    }.resume()
    done.wait()
    guard let result else { throw HOSError.io("no answer from \(url)") }
    return String(decoding: result, as: UTF8.self)
}

/// The fake server, one per test, stopped when the value goes.
final class FakeLLM {
    let process = Process()
    let port: Int

    init(key: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", packageRoot.appendingPathComponent("Tests/HOSLLMTests/Support/fake_llm.py").path]
            + (key.map { ["--key", $0] } ?? [])
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let text = String(data: line, encoding: .utf8), text.hasPrefix("PORT "),
            let p = Int(text.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            throw HOSError.io("fake_llm.py did not start")
        }
        port = p
    }

    deinit {
        // SIGKILL: a child started from a test thread may inherit a mask that blocks SIGTERM.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// The behaviours of the next requests, in order (then "good").
    func script(_ behaviours: [String]) throws {
        _ = try http("http://127.0.0.1:\(port)/_script", post: JSON.array(behaviours.map(JSON.string)).text)
    }

    /// Chat requests the server has seen.
    func count() throws -> Int {
        Int(try JSONParser.parse(try http("http://127.0.0.1:\(port)/_count"))["count"]?.doubleValue ?? -1)
    }

    /// The raw bodies and headers of every chat request, as text.
    func requests() throws -> String { try http("http://127.0.0.1:\(port)/_requests") }

    /// The environment that points the tools at this server.
    func environment(key: String? = "sk-test") -> [String: String] {
        var env = ["HOS_LLM_BASE_URL": baseURL, "HOS_LLM_MODEL": "fake-model", "HOS_LLM_BACKOFF": "0.01"]
        if let key { env["OPENAI_API_KEY"] = key }
        return env
    }
}

struct ToolResult {
    var stdout: String
    var stderr: String
    var status: Int32

    /// The output events of one type, as JSON.
    func events(_ type: String) -> [JSON] {
        stdout.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
            .filter { $0["event_type"]?.stringValue == type }
    }
}

/// A started tool with its three pipes: the environment is the test's, less any LLM settings, plus `environment`.
func spawn(_ tool: String, _ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil) throws
    -> (process: Process, input: Pipe, output: Pipe, error: Pipe)
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool.hasPrefix("/") ? tool : "\(binDir)/\(tool)")
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    var env = ProcessInfo.processInfo.environment
    for k in env.keys
    where (k.hasPrefix("HOS_LLM") && k != "HOS_LLM_CACHE") || k == "OPENAI_API_KEY" || k == "HOS_MEMORY" {
        env[k] = nil
    }
    env["PATH"] = binDir + ":" + (env["PATH"] ?? "/usr/bin:/bin")
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    let inp = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = inp
    try process.run()
    return (process, inp, out, err)
}

/// Runs a built tool (or any program with a path) with arguments, input and extra environment.
func run(
    _ tool: String, _ arguments: [String], input: String = "", environment: [String: String] = [:],
    in directory: URL? = nil
) throws -> ToolResult {
    let (process, inp, out, err) = try spawn(tool, arguments, environment: environment, in: directory)
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
    inp.fileHandleForWriting.write(Data(input.utf8))
    try inp.fileHandleForWriting.close()
    process.waitUntilExit()
    group.wait()
    return ToolResult(
        stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self),
        status: process.terminationStatus)
}

/// Two synthetic users' 30 days and their requests.
func synthInput(users: Int = 2) throws -> String {
    let r = try run("hos-synth", ["generate", "--users", String(users), "--days", "30", "--request"])
    precondition(r.status == 0, r.stderr)
    return r.stdout
}

/// The rows of a query on a memory file, through sqlite3, one line per row, columns split by '|'.
func sqlite(_ file: String, _ sql: String) throws -> [String] {
    let r = try run("/usr/bin/sqlite3", [file, sql])
    return r.stdout.split(separator: "\n").map(String.init)
}
