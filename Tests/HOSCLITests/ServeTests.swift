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
    /// The memory the server and the token commands use (a file here, or a postgresql:// URL).
    var memory = "m.sqlite"
    /// More environment for every command (a PostgreSQL memory's password).
    var environment: [String: String] = [:]

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
    func sh(_ command: String) throws -> ShellResult { try shell(command, in: dir, environment: environment) }

    /// A new token's text.
    func token(_ args: String) throws -> String {
        let r = try sh("hos-serve token create --memory '\(memory)' \(args)")
        precondition(r.status == 0, text(r.stderr))
        return text(r.stdout).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts the server with `args` and waits for its "listening on" line.
    func start(_ args: String = "", env extra: [String: String] = [:]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = [
            "-c",
            "exec hos-serve --listen 127.0.0.1:0 --memory '\(memory)' --pipeline '\(pipelines)/full-analysis.yaml' \(args)",
        ]
        p.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = binDir + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        for (k, v) in environment.merging(extra, uniquingKeysWith: { _, b in b }) { env[k] = v }
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

    /// Posts the user's synthetic events (`days` of them) and then an analysis of them; the answer's status
    /// and analysis_id.
    func analyse(user: String, days: Int, token: String) throws -> (status: Int, id: String) {
        try sh("hos-synth --users 1 --days \(days) > events.jsonl")
        let stored = try curl("/v1/events", token: token, "--data-binary @events.jsonl")
        precondition(stored.status == 200, stored.body)
        let posted = try curl(
            "/v1/analyses", token: token, "-H 'Content-Type: application/json' -d '{\"user_id\":\"\(user)\"}'")
        return (posted.status, json(posted.body)["analysis_id"] as? String ?? "")
    }

    /// The analysis' event stream (server-sent events), followed to its end with `curl -sN`.
    func events(_ id: String, token: String, _ extra: String = "") throws -> ShellResult {
        try sh("curl -sN -H 'Authorization: Bearer \(token)' \(extra) '\(base)/v1/analyses/\(id)/events'")
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
        let (posted, id) = try s.analyse(user: "u-0001", days: 40, token: ana)
        #expect(posted == 202)
        let sse = try s.events(id, token: ana)
        let events = text(sse.stdout).components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let names = events.compactMap { $0.split(separator: "\n").first { $0.hasPrefix("event: ") }?.dropFirst(7) }
        #expect(names.first == "state" && names.last == "analysis_complete")
        #expect(names.filter { $0 == "progress" }.count == 14)
        let ids = events.compactMap {
            $0.split(separator: "\n").first { $0.hasPrefix("id: ") }.flatMap { Int($0.dropFirst(4)) }
        }
        #expect(ids == Array(1...ids.count))
        // Reconnecting after event 3 gets the rest, nothing twice.
        let again = try s.events(id, token: ana, "-H 'Last-Event-ID: 3'")
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
        let refPayload = ref["payload"] as? [String: Any] ?? [:]
        let result = status["result"] as? [String: Any] ?? [:]
        #expect(behavior != nil)
        // Every agent's result but memory's (its working session counts the events of the run), adapt's (its
        // draws are seeded by the request's event id, which differs) and the timings.
        for key in ["behavior", "nutrition", "routine", "insights", "daily"] {
            #expect(result[key] != nil, "\(key)")
            #expect(
                NSDictionary(dictionary: ["v": result[key] ?? 0]).isEqual(to: ["v": refPayload[key] ?? 1]), "\(key)")
        }
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
            let sse = try s.events(id, token: ops)
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

    /// SIGTERM with an analysis stuck in an agent: after --grace the analysis is stopped (its agents killed),
    /// the open stream ends with a last event that says so, and the server exits 0.
    @Test func shutdownEndsStreamsAndExitsZero() throws {
        let s = try ServeScratch()
        let ops = try s.token("ops --admin")
        try s.start("--grace 1 --heartbeat 0.2", env: ["HOS_FAULT": "hang:insights:1:9"])
        try s.sh("hos-synth --users 1 --days 20 > events.jsonl")
        #expect(try s.curl("/v1/events", token: ops, "--data-binary @events.jsonl").status == 200)
        let posted = try s.curl("/v1/analyses", token: ops, "-d '{\"user_id\":\"u-0001\"}'")
        let id = s.json(posted.body)["analysis_id"] as? String ?? ""
        // The stream is followed by a curl of its own (a shell's background job would hold the test's pipes).
        let out = s.dir.appendingPathComponent("stream.out")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        let follower = Process()
        follower.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        follower.arguments = [
            "curl", "-sN", "-H", "Authorization: Bearer \(ops)", "\(s.base)/v1/analyses/\(id)/events",
        ]
        follower.standardOutput = try FileHandle(forWritingTo: out)
        try follower.run()
        try s.sh("for i in $(seq 100); do grep -q '\"step\":\"insights\"' stream.out && break; sleep 0.1; done")
        let started = Date()
        #expect(s.stop() == 0)
        #expect(Date().timeIntervalSince(started) < 15, "\(Date().timeIntervalSince(started)) s")
        follower.waitUntilExit()
        let stream = (try? String(contentsOf: s.dir.appendingPathComponent("stream.out"), encoding: .utf8)) ?? ""
        #expect(
            stream.contains("event: agent_error") && stream.contains("the server stopped before the analysis finished"),
            "\(stream)")
        // While the agent hung, comments kept the quiet stream open.
        #expect(stream.contains(": heartbeat\n\n"))
        // The stuck agent was killed with its run, not left behind: no process is left in this test's folder.
        let left = try s.sh(
            """
            for i in $(seq 20); do n=0; for d in /proc/[0-9]*; do \
              [ "${d#/proc/}" != $$ ] && [ "$(readlink $d/cwd 2>/dev/null)" = "$PWD" ] && n=$((n + 1)); done; \
              [ $n = 0 ] && break; sleep 0.1; done; echo $n
            """)
        #expect(text(left.stdout).trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    /// GET / is the page: served without a token, loading nothing from elsewhere, its own script and style
    /// allowed by the hashes its Content-Security-Policy names (a wrong hash would leave the page dead).
    @Test func pageIsServedWithoutATokenAndLoadsNothingElse() throws {
        let s = try ServeScratch()
        try s.start()
        let page = try s.curl("/", token: nil, "-D headers.txt")
        #expect(page.status == 200)
        let headers = (try? String(contentsOf: s.dir.appendingPathComponent("headers.txt"), encoding: .utf8)) ?? ""
        let policy =
            headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-security-policy:") } ?? ""
        #expect(headers.lowercased().contains("content-type: text/html"))
        #expect(policy.contains("default-src 'none'") && policy.contains("connect-src 'self'"))
        #expect(!policy.contains("script-src 'unsafe") && !policy.contains("http"))
        #expect(page.body.contains("<main>") && page.body.contains("role=\"log\"") && page.body.contains("<label"))
        #expect(page.body.range(of: #"https?:|//[a-z]|src=|url\(|@import"#, options: .regularExpression) == nil)
        for (open, close) in [("<script>", "</script>"), ("<style>", "</style>")] {
            let inner = page.body.components(separatedBy: open).dropFirst().first?.components(separatedBy: close).first
            try Data((inner ?? "").utf8).write(to: s.dir.appendingPathComponent("inline.txt"))
            let digest = text(try s.sh("openssl dgst -sha256 -binary inline.txt | base64").stdout)
            #expect(
                inner != nil && policy.contains("'sha256-\(digest.trimmingCharacters(in: .whitespacesAndNewlines))'"))
        }
        // The token is asked for in a form that posts nowhere: never in the page's address.
        #expect(page.body.contains("type=\"password\"") && policy.contains("form-action 'none'"))
    }

    /// The report route gives the page hos-report writes of the analysis' analysis_complete, under the same
    /// rules as the analysis' status: 401 without a token, 404 for another user's analysis or none.
    @Test func reportRouteServesTheHTMLHosReportWrites() throws {
        let s = try ServeScratch()
        let ana = try s.token("ana --user u-0001")
        let bo = try s.token("bo --user u-0002")
        try s.start()
        try s.sh("hos-synth --users 1 --days 40 > events.jsonl")
        #expect(try s.curl("/v1/events", token: ana, "--data-binary @events.jsonl").status == 200)
        let posted = try s.curl("/v1/analyses", token: ana, "-d '{\"user_id\":\"u-0001\"}'")
        let id = s.json(posted.body)["analysis_id"] as? String ?? ""
        // Still queued or running (seven agent processes take a while): no report yet.
        #expect(try s.curl("/v1/analyses/\(id)/report", token: ana).status == 409)
        try s.sh(
            "curl -sN -H 'Authorization: Bearer \(ana)' '\(s.base)/v1/analyses/\(id)/events' "
                + "| sed -n '/^event: analysis_complete$/{n;s/^data: //p;}' > complete.jsonl")
        let report = try s.curl("/v1/analyses/\(id)/report", token: ana, "-D headers.txt")
        #expect(report.status == 200)
        let headers = (try? String(contentsOf: s.dir.appendingPathComponent("headers.txt"), encoding: .utf8)) ?? ""
        #expect(headers.lowercased().contains("content-type: text/html"))
        let written = try s.sh("hos-report --format html complete.jsonl")
        #expect(written.status == 0 && report.body == text(written.stdout))
        #expect(report.body.contains("Analysis \(id)") && report.body.contains("<svg"))
        #expect(try s.curl("/v1/analyses/\(id)/report").status == 401)
        #expect(try s.curl("/v1/analyses/\(id)/report", token: bo).status == 404)
        #expect(try s.curl("/v1/analyses/a-none/report", token: ana).status == 404)
    }

    /// GET /v1/users lists the memory file's users a token may reach: all for an admin, never another's id.
    @Test func usersRouteListsOnlyTheUsersATokenReaches() throws {
        let s = try ServeScratch()
        let ops = try s.token("ops --admin")
        let ana = try s.token("ana --user u-0001")
        let cy = try s.token("cy --user u-0003 --user u-0009")
        try s.start()
        try s.sh("hos-synth --users 3 --days 5 > events.jsonl")
        #expect(try s.curl("/v1/events", token: ops, "--data-binary @events.jsonl").status == 200)
        func users(_ token: String) throws -> [String] {
            s.json(try s.curl("/v1/users", token: token).body)["users"] as? [String] ?? ["?"]
        }
        #expect(try users(ops) == ["u-0001", "u-0002", "u-0003"])
        #expect(try users(ana) == ["u-0001"])
        #expect(try users(cy) == ["u-0003"]) // u-0009 has no events in the file
        #expect(try s.curl("/v1/users").status == 401)
    }

    /// A long-running server does not keep every analysis forever: past --keep-analyses the oldest finished
    /// one is forgotten (404), the newer kept.
    @Test func finishedAnalysesBeyondTheLimitAreForgotten() throws {
        let s = try ServeScratch()
        let ops = try s.token("ops --admin")
        try s.start("--keep-analyses 1")
        try s.sh("hos-synth --users 2 --days 10 > events.jsonl")
        #expect(try s.curl("/v1/events", token: ops, "--data-binary @events.jsonl").status == 200)
        var ids: [String] = []
        for user in ["u-0001", "u-0002"] {
            let posted = try s.curl("/v1/analyses", token: ops, "-d '{\"user_id\":\"\(user)\"}'")
            let id = s.json(posted.body)["analysis_id"] as? String ?? ""
            // Following the stream to its end waits for the analysis to finish.
            try s.sh("curl -sN -H 'Authorization: Bearer \(ops)' '\(s.base)/v1/analyses/\(id)/events' > /dev/null")
            ids.append(id)
        }
        #expect(try s.curl("/v1/analyses/\(ids[0])", token: ops).status == 404)
        #expect(s.json(try s.curl("/v1/analyses/\(ids[1])", token: ops).body)["status"] as? String == "complete")
    }
}
