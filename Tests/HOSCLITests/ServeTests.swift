// hos-serve through the real server on 127.0.0.1 (a free port), talked to over HTTP with curl: tokens,
// limits, events, analyses followed over SSE, TLS and shutdown. Real processes, real memory file.

import Foundation
import HOSTestSupport
import Testing

/// A running hos-serve in a scratch folder with its own memory file, stopped (SIGTERM) at the end.
final class ServeScratch {
    let dir: URL
    var process: Process?
    var port = 0
    let errors = Pipe()
    var scheme = "http"

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hos-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    deinit {
        if let p = process, p.isRunning {
            p.terminate()
            p.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: dir)
    }

    @discardableResult
    func sh(_ command: String) throws -> ShellResult { try shell(command, in: dir) }

    /// A new token's text.
    func token(_ args: String) throws -> String {
        let r = try sh("hos-serve token create --memory m.sqlite \(args)")
        precondition(r.status == 0, text(r.stderr))
        return text(r.stdout).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts the server with `args` and waits for its "listening on" line.
    func start(_ args: String = "") throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = [
            "-c",
            "exec hos-serve --listen 127.0.0.1:0 --memory m.sqlite --pipeline '\(pipelines)/full-analysis.yaml' \(args)",
        ]
        p.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = binDir + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        p.environment = env
        p.standardError = errors
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        process = p
        var seen = ""
        while !seen.contains("listening on") {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        if seen.contains("https://") { scheme = "https" }
        port = Int(seen.split(separator: ":").last?.prefix { $0.isNumber } ?? "") ?? 0
        precondition(port > 0, "no port in: \(seen)")
    }

    var base: String { "\(scheme)://127.0.0.1:\(port)" }

    /// curl with the token; prints the status code on the last line.
    func curl(_ path: String, token: String? = nil, _ extra: String = "") throws -> (status: Int, body: String) {
        let auth = token.map { "-H 'Authorization: Bearer \($0)'" } ?? ""
        let r = try sh(
            "curl -s -o body.out -w '%{http_code}' \(auth) \(extra) '\(base)\(path)'; cat body.out > /dev/null")
        let body = (try? String(contentsOf: dir.appendingPathComponent("body.out"), encoding: .utf8)) ?? ""
        return (Int(text(r.stdout)) ?? 0, body)
    }

    func json(_ s: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any]) ?? [:]
    }

    /// Stops it with SIGTERM; its exit status.
    func stop() -> Int32 {
        guard let p = process else { return -1 }
        p.terminate()
        p.waitUntilExit()
        return p.terminationStatus
    }
}

@Suite(.serialized) struct ServeTests {
    @Test func tokensGuardEveryRouteButHealth() throws {
        let s = try ServeScratch()
        let admin = try s.token("ops --admin")
        let ana = try s.token("ana --user u-0001")
        try s.start()
        #expect(try s.curl("/healthz") == (200, "ok\n"))
        #expect(try s.curl("/v1/analyses/x").status == 401)
        #expect(try s.curl("/v1/analyses/x", token: "hos_wrong").status == 401)
        #expect(try s.curl("/metrics").status == 401)
        #expect(try s.curl("/v1/users/u-0002/memory", token: ana).status == 403)
        #expect(try s.curl("/v1/users/u-0002/memory", token: admin).status == 200)
        let metrics = try s.curl("/metrics", token: admin)
        #expect(metrics.status == 200 && metrics.body.contains("hos_serve_requests_total"))
        // No token in what the server said or counted.
        #expect(!metrics.body.contains(admin) && !metrics.body.contains(ana))
        #expect(s.stop() == 0)
        let log = String(decoding: s.errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!log.contains(admin) && !log.contains(ana))
        let list = text(try s.sh("hos-serve token list --memory m.sqlite").stdout)
        #expect(list.contains("ana\tusers u-0001") && !list.contains(ana))
    }

    @Test func eventsAreCheckedLineByLine() throws {
        let s = try ServeScratch()
        let ana = try s.token("ana --user u-0001")
        try s.start("--max-body 200000")
        try s.sh("hos-synth --users 1 --days 35 > events.jsonl; printf '{\"nope\":1}\\n' >> events.jsonl")
        let r = try s.curl(
            "/v1/events", token: ana, "-H 'Content-Type: application/x-ndjson' --data-binary @events.jsonl")
        #expect(r.status == 200)
        let reply = s.json(r.body)
        #expect(reply["accepted"] as? Int == 36 && reply["rejected"] as? Int == 1)
        let rejection = (reply["rejections"] as? [[String: Any]])?.first
        #expect(rejection?["line"] as? Int == 37)
        #expect(try s.curl("/v1/events", token: ana, "--data-binary 'not json'").status == 400)
        try s.sh("hos-synth --users 2 --days 35 > two.jsonl")
        #expect(try s.curl("/v1/events", token: ana, "--data-binary @two.jsonl").status == 403)
        try s.sh("hos-synth --users 1 --days 400 > big.jsonl")
        #expect(try s.curl("/v1/events", token: ana, "--data-binary @big.jsonl").status == 413)
    }

    /// The issue's whole exchange: events in, an analysis followed over SSE, the same result as hos-run.
    @Test func analysisStreamsProgressAndMatchesHosRun() throws {
        let s = try ServeScratch()
        let ana = try s.token("ana --user u-0001")
        try s.start()
        try s.sh("hos-synth --users 1 --days 40 > events.jsonl")
        #expect(try s.curl("/v1/events", token: ana, "--data-binary @events.jsonl").status == 200)
        let posted = try s.curl(
            "/v1/analyses", token: ana, "-H 'Content-Type: application/json' -d '{\"user_id\":\"u-0001\"}'")
        #expect(posted.status == 202)
        let id = s.json(posted.body)["analysis_id"] as? String ?? ""
        let sse = try s.sh("curl -sN -H 'Authorization: Bearer \(ana)' '\(s.base)/v1/analyses/\(id)/events'")
        let events = text(sse.stdout).components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let names = events.compactMap { $0.split(separator: "\n").first { $0.hasPrefix("event: ") }?.dropFirst(7) }
        #expect(names.first == "state" && names.last == "analysis_complete")
        #expect(names.filter { $0 == "progress" }.count == 14)
        let ids = events.compactMap {
            $0.split(separator: "\n").first { $0.hasPrefix("id: ") }.flatMap { Int($0.dropFirst(4)) }
        }
        #expect(ids == Array(1...ids.count))
        // Reconnecting after event 3 gets the rest, nothing twice.
        let again = try s.sh(
            "curl -sN -H 'Authorization: Bearer \(ana)' -H 'Last-Event-ID: 3' '\(s.base)/v1/analyses/\(id)/events'")
        #expect(text(again.stdout).hasPrefix("id: 4\n"))
        let status = s.json(try s.curl("/v1/analyses/\(id)", token: ana).body)
        #expect(status["status"] as? String == "complete")
        let behavior = (status["result"] as? [String: Any])?["behavior"] as? [String: Any]
        // hos-run over the same events and a request with the same id gives the same analysis.
        try s.sh(
            """
            printf '{"event_type":"analysis_request","user_id":"u-0001","timestamp":"2030-01-01T00:00:00Z","payload":{"analysis_id":"\(id)","window_days":30}}\\n' \
              | cat events.jsonl - | hos-run '\(pipelines)/full-analysis.yaml' --memory ref.sqlite > ref.jsonl
            """)
        let ref = s.json((try? String(contentsOf: s.dir.appendingPathComponent("ref.jsonl"), encoding: .utf8)) ?? "")
        let refBehavior = (ref["payload"] as? [String: Any])?["behavior"] as? [String: Any]
        #expect(behavior != nil && NSDictionary(dictionary: behavior ?? [:]).isEqual(to: refBehavior ?? ["x": 1]))
        #expect(s.stop() == 0)
    }

    /// Analyses that wait together run together (one set of agents for all), each with its own user's result,
    /// and never two of one user in one run.
    @Test func queuedAnalysesRunTogetherAndStayApart() throws {
        let s = try ServeScratch()
        let ops = try s.token("ops --admin")
        try s.start("--max-concurrent 1")
        try s.sh("hos-synth --users 3 --days 40 > events.jsonl")
        #expect(try s.curl("/v1/events", token: ops, "--data-binary @events.jsonl").status == 200)
        // The first runs alone; the next three wait for it: u-0002 and u-0003 together, then u-0002 again.
        let posted = try s.sh(
            ["u-0001", "u-0002", "u-0003", "u-0002"].map {
                "curl -s -H 'Authorization: Bearer \(ops)' -d '{\"user_id\":\"\($0)\"}' '\(s.base)/v1/analyses'; echo"
            }.joined(separator: "; "))
        let ids = text(posted.stdout).split(separator: "\n").map { s.json(String($0))["analysis_id"] as? String ?? "" }
        #expect(ids.count == 4 && !ids.contains(""))
        var running: [String] = []
        var results: [[String: Any]] = []
        for id in ids {
            let sse = try s.sh("curl -sN -H 'Authorization: Bearer \(ops)' '\(s.base)/v1/analyses/\(id)/events'")
            let events = text(sse.stdout).components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.last?.contains("event: analysis_complete") == true)
            // Each analysis hears of its own steps only, though it shares their processes.
            #expect(events.filter { $0.contains("event: progress") }.count == 14)
            running += events.filter { $0.contains(#""state":"running""#) }.map {
                $0.components(separatedBy: "data: ")[1]
            }
            results.append(s.json(events.last?.components(separatedBy: "data: ").last ?? ""))
        }
        let alone = #"{"analyses":1,"state":"running"}"#
        let two = #"{"analyses":2,"state":"running"}"#
        #expect(running == [alone, two, two, alone])
        for (i, user) in ["u-0001", "u-0002", "u-0003", "u-0002"].enumerated() {
            #expect(results[i]["user_id"] as? String == user && results[i]["analysis_id"] as? String == ids[i])
        }
        // u-0003's analysis, run beside u-0002's, is what hos-run makes of u-0003 alone.
        try s.sh(
            """
            grep '"u-0003"' events.jsonl > three.jsonl
            printf '{"event_type":"analysis_request","user_id":"u-0003","timestamp":"2030-01-01T00:00:00Z","payload":{"analysis_id":"\(ids[2])","window_days":30}}\\n' \
              | cat three.jsonl - | hos-run '\(pipelines)/full-analysis.yaml' --memory ref.sqlite > ref.jsonl
            """)
        let ref = s.json((try? String(contentsOf: s.dir.appendingPathComponent("ref.jsonl"), encoding: .utf8)) ?? "")
        let behavior = (results[2]["payload"] as? [String: Any])?["behavior"] as? [String: Any]
        let refBehavior = (ref["payload"] as? [String: Any])?["behavior"] as? [String: Any]
        #expect(behavior != nil && NSDictionary(dictionary: behavior ?? [:]).isEqual(to: refBehavior ?? ["x": 1]))
        #expect(s.stop() == 0)
    }

    @Test func overloadIsRefusedWithRetryAfter() throws {
        let s = try ServeScratch()
        let ops = try s.token("ops --admin")
        try s.start("--rate 1/s --burst 2 --max-concurrent 1 --max-queue 0")
        let ask = "-i -H 'Content-Type: application/json' -d '{\"user_id\":\"u-0001\"}'"
        let first = try s.curl("/v1/analyses", token: ops, ask)
        let second = try s.curl("/v1/analyses", token: ops, ask)
        let third = try s.curl("/v1/analyses", token: ops, ask)
        #expect(first.status == 202)
        #expect(second.status == 503 && second.body.lowercased().contains("retry-after:"))
        #expect(third.status == 429 && third.body.lowercased().contains("retry-after:"))
    }

    @Test func tlsWithASelfSignedCertificate() throws {
        let s = try ServeScratch()
        let r = try s.sh(
            "openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 -subj /CN=127.0.0.1 "
                + "-addext subjectAltName=IP:127.0.0.1 2>/dev/null")
        #expect(r.status == 0)
        try s.start("--tls-cert cert.pem --tls-key key.pem")
        #expect(s.scheme == "https")
        #expect(try s.curl("/healthz", token: nil, "--cacert cert.pem") == (200, "ok\n"))
        #expect(try s.curl("/healthz").status == 0) // not trusted without the certificate
        #expect(s.stop() == 0)
    }

    @Test func deleteForgetsTheUser() throws {
        let s = try ServeScratch()
        let ops = try s.token("ops --admin")
        try s.start()
        try s.sh("hos-synth --users 1 --days 10 > events.jsonl")
        #expect(try s.curl("/v1/events", token: ops, "--data-binary @events.jsonl").status == 200)
        #expect((s.json(try s.curl("/v1/users/u-0001/memory", token: ops).body)["rows"] as? [Any])?.isEmpty == false)
        #expect(try s.curl("/v1/users/u-0001", token: ops, "-X DELETE").status == 200)
        #expect((s.json(try s.curl("/v1/users/u-0001/memory", token: ops).body)["rows"] as? [Any])?.isEmpty == true)
    }
}
