// GET /: the one page that watches an analysis (a token form, a user to pick or type, each step started and
// finished live over SSE, then the analysis' HTML report), and the two routes it needs besides the API's own.

import Crypto
import Foundation
import HOSCore
import HOSReport
import Hummingbird

extension API {
    /// The page (no token: it asks for one), the users a token reaches, and an analysis' report as hos-report
    /// writes it.
    func pageRoutes(_ router: Router<ServeContext>, v1: RouterGroup<ServeContext>) {
        router.get("/") { _, _ in Page.response() }
        v1.get("users") { _, context in try await users(context) }
        v1.get("analyses/:id/report") { _, context in try await report(context) }
    }

    /// The users of the memory file that the token may reach (all of them for an admin token): a scoped token
    /// never learns another user's id.
    func users(_ context: ServeContext) async throws -> Response {
        let token = try Self.token(context)
        let users = try await memory.users().filter(token.allows)
        return Self.json(["users": .array(users.map { .string($0) })])
    }

    /// The analysis' analysis_complete rendered by hos-report's HTML renderer; 404 as for its status, 409 while
    /// it runs or when it failed without a result.
    func report(_ context: ServeContext) async throws -> Response {
        let e = try await entry(context)
        guard e.state.done else { throw HTTPError(.conflict, message: "the analysis is not over yet") }
        guard let result = e.result, result["event_type"]?.stringValue == EventType.analysisComplete else {
            throw HTTPError(.conflict, message: "the analysis failed: there is no report")
        }
        let html: String
        do {
            html = try Page.report(result)
        } catch {
            throw HTTPError(.internalServerError, message: "the analysis' result could not be rendered")
        }
        return Response(
            status: .ok, headers: Page.headers(policy: Page.reportPolicy),
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// The page's text and the headers it is served with.
enum Page {
    /// An analysis_complete event as the HTML page `hos-report --format html` writes of it.
    static func report(_ complete: JSON) throws -> String {
        let event = try Event(json: complete, fallbackID: "")
        var collector = ReportCollector()
        try collector.process(event) { _ in }
        return HTMLReport(collector.model).render()
    }

    static func response() -> Response {
        Response(
            status: .ok, headers: headers(policy: policy), body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func headers(policy: String) -> HTTPFields {
        [
            .contentType: "text/html; charset=utf-8", .contentSecurityPolicy: policy, .cacheControl: "no-store",
            .init("X-Content-Type-Options")!: "nosniff", .init("Referrer-Policy")!: "no-referrer",
        ]
    }

    /// The page may run its own script and style only (by hash), talk to this server only, and show the
    /// report in a frame of its own document (srcdoc, which inherits this policy: hence the report's style
    /// hash, and style attributes, which the report's legend swatches and bars use).
    static let policy = [
        "default-src 'none'", "script-src \(hash(script))", "style-src \(hash(style)) \(reportStyleHash)",
        "style-src-elem \(hash(style)) \(reportStyleHash)", "style-src-attr 'unsafe-inline'", "connect-src 'self'",
        "img-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    /// The report alone (when fetched outside the page): its inline style, nothing else, in a sandbox.
    static let reportPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; sandbox"

    static func hash(_ text: String) -> String {
        "'sha256-" + Data(SHA256.hash(data: Data(text.utf8))).base64EncodedString() + "'"
    }

    /// The hash of the report's style element, taken from a rendered report so that it follows HTML.swift.
    static let reportStyleHash: String = {
        let page = HTMLReport(ReportModel()).render()
        guard let open = page.range(of: "<style>"), let close = page.range(of: "</style>") else { return "" }
        return hash(String(page[open.upperBound..<close.lowerBound]))
    }()

    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>hos-serve: watch an analysis</title>
        <style>\(style)</style>
        </head>
        <body data-phase="idle">
        <header class="page">
        <h1>Watch an analysis</h1>
        <p class="muted">hos-serve runs its pipeline's agents over a user's stored records and memory. \
        Give a token, start an analysis, follow each agent as it starts and finishes, then read the report.</p>
        </header>
        <main>
        <section aria-labelledby="token-h">
        <h2 id="token-h">1. Token</h2>
        <form id="connect" method="post" autocomplete="off">
        <label for="token">Bearer token</label>
        <input id="token" name="token" type="password" required autocomplete="off" spellcheck="false" \
        aria-describedby="token-help">
        <button type="submit">Connect</button>
        <button type="button" id="forget" disabled>Forget the token</button>
        <p id="token-help" class="muted">Made with <code>hos-serve token create</code>. This page keeps it in \
        its memory only: never in the address, storage or a cookie. Reloading the page forgets it.</p>
        <p id="connected" role="status"></p>
        </form>
        </section>
        <section aria-labelledby="run-h">
        <h2 id="run-h">2. Analysis</h2>
        <form id="run" method="post" autocomplete="off">
        <fieldset id="run-fields" disabled>
        <legend>Who to analyse (connect with a token first)</legend>
        <label for="user">User</label>
        <input id="user" name="user" list="users" required autocomplete="off" spellcheck="false" \
        aria-describedby="user-help">
        <datalist id="users"></datalist>
        <button type="submit">Start the analysis</button>
        <p id="user-help" class="muted">The list holds the users this token may reach; any other id can be typed.</p>
        </fieldset>
        </form>
        </section>
        <section aria-labelledby="progress-h">
        <h2 id="progress-h">3. Progress</h2>
        <p id="state" role="status">No analysis yet.</p>
        <div role="log" aria-live="polite" aria-labelledby="progress-h"><ol id="steps"></ol></div>
        </section>
        <section aria-labelledby="report-h">
        <h2 id="report-h">4. Report</h2>
        <p id="report-note" class="muted">The report appears here when the analysis is over.</p>
        <iframe id="report" title="The analysis' report" sandbox="allow-same-origin" hidden></iframe>
        </section>
        </main>
        <footer><p>Served by hos-serve. The progress comes from the analysis' event stream \
        (GET /v1/analyses/ID/events), the report from GET /v1/analyses/ID/report.</p></footer>
        <script>\(script)</script>
        </body>
        </html>

        """

    // Colours as the report's (Sources/HOSReport/HTML.swift): text at 4.5:1 or more on its background.
    static let style = """

        :root { color-scheme: light; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
          color: #111827; background: #f3f4f6; }
        header.page, main, footer { max-width: 1100px; margin: 0 auto; padding: 0 20px; }
        header.page { padding-top: 24px; }
        h1 { font-size: 1.7rem; margin: 0 0 4px; }
        h2 { font-size: 1.2rem; margin: 0 0 8px; }
        section { background: #fff; border-radius: 10px; padding: 14px 22px; margin: 14px 0;
          box-shadow: 0 1px 3px rgba(0,0,0,.12); }
        .muted, footer { color: #4b5563; }
        footer { font-size: .85rem; padding-bottom: 24px; }
        label { font-weight: 600; margin-right: 8px; }
        input { font: inherit; padding: 5px 8px; border: 1px solid #6b7280; border-radius: 6px; min-width: 22em; }
        button { font: inherit; padding: 5px 14px; border-radius: 6px; border: 1px solid #1d4ed8; background: #1d4ed8;
          color: #fff; cursor: pointer; margin-left: 6px; }
        button[type=button] { background: #fff; color: #1d4ed8; }
        button:disabled { background: #e5e7eb; color: #374151; border-color: #9ca3af; cursor: not-allowed; }
        :focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
        fieldset { border: 0; padding: 0; margin: 0; }
        legend { padding: 0; margin-bottom: 8px; color: #374151; }
        fieldset:disabled label { color: #4b5563; }
        ol#steps { margin: 8px 0 0; padding-left: 2.2em; font-variant-numeric: tabular-nums; }
        ol#steps li { padding: 1px 0; }
        .step { font-weight: 600; }
        .finished .mark { color: #166534; }
        .started .mark { color: #1e3a8a; }
        .when { color: #4b5563; }
        .problem { background: #fef3c7; border: 1px solid #d97706; color: #78350f; padding: 6px 10px; border-radius: 6px; }
        iframe { width: 100%; min-height: 400px; border: 1px solid #d1d5db; border-radius: 6px; background: #f3f4f6; }

        """

    /// Reads the event stream with fetch (an EventSource cannot send the Authorization header), so the
    /// token goes in a header, never in a URL; it lives in the variable `token` and nowhere else.
    static let script = #"""

        "use strict";
        let token = null;
        let current = null;
        const $ = (id) => document.getElementById(id);

        function api(path, options = {}) {
          const headers = Object.assign({ "Authorization": "Bearer " + token }, options.headers || {});
          return fetch(path, Object.assign({}, options, {
            headers, cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" }));
        }

        async function failure(response) {
          let message = response.status + " " + response.statusText;
          try {
            const body = await response.json();
            if (body && body.error && body.error.message) message = body.error.message + " (" + response.status + ")";
          } catch (e) { /* not JSON: the status says enough */ }
          return new Error(message);
        }

        function say(id, text, problem = false) {
          const el = $(id);
          el.textContent = problem ? "Problem: " + text : text;
          el.className = problem ? "problem" : "";
        }

        async function connect(event) {
          event.preventDefault();
          token = $("token").value.trim();
          $("token").value = "";
          say("connected", "Connecting…");
          try {
            const response = await api("/v1/users");
            if (!response.ok) throw await failure(response);
            const users = (await response.json()).users || [];
            const list = $("users");
            list.replaceChildren(...users.map((u) => { const o = document.createElement("option"); o.value = u; return o; }));
            if (users.length > 0 && !$("user").value) $("user").value = users[0];
            say("connected", "Connected. This token reaches " + users.length + " stored user" + (users.length === 1 ? "" : "s") + ".");
            $("run-fields").disabled = false;
            $("forget").disabled = false;
            $("user").focus();
          } catch (e) {
            token = null;
            $("run-fields").disabled = true;
            say("connected", "the token was not accepted: " + e.message, true);
          }
        }

        function forget() {
          token = null;
          if (current) current.abort();
          $("run-fields").disabled = true;
          $("forget").disabled = true;
          $("users").replaceChildren();
          say("connected", "The token is forgotten.");
          $("token").focus();
        }

        // One SSE block ("id:", "event:", "data:" lines; ":" starts a comment such as the heartbeat).
        function parseBlock(block) {
          let id = null, name = "message";
          const data = [];
          for (const line of block.split("\n")) {
            if (line === "" || line.startsWith(":")) continue;
            const colon = line.indexOf(":");
            const field = colon < 0 ? line : line.slice(0, colon);
            let value = colon < 0 ? "" : line.slice(colon + 1);
            if (value.startsWith(" ")) value = value.slice(1);
            if (field === "data") data.push(value);
            else if (field === "event") name = value;
            else if (field === "id") id = value;
          }
          return data.length ? { id, name, data: data.join("\n") } : null;
        }

        async function follow(response, onEvent, signal) {
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = "";
          while (!signal.aborted) {
            const { value, done } = await reader.read();
            if (done) return;
            buffer += value.replace(/\r\n?/g, "\n");
            let end;
            while ((end = buffer.indexOf("\n\n")) >= 0) {
              const event = parseBlock(buffer.slice(0, end));
              buffer = buffer.slice(end + 2);
              if (event) onEvent(event);
            }
          }
        }

        function stepLine(p, t0) {
          const li = document.createElement("li");
          li.className = p.phase;
          const mark = document.createElement("span");
          mark.className = "mark";
          mark.setAttribute("aria-hidden", "true");
          mark.textContent = p.phase === "finished" ? "✓ " : "▶ ";
          const step = document.createElement("span");
          step.className = "step";
          step.textContent = p.step;
          const when = document.createElement("span");
          when.className = "when";
          when.textContent = " (at " + ((performance.now() - t0) / 1000).toFixed(2) + " s)";
          const what = p.phase === "finished"
            ? " finished" + (typeof p.ms === "number" ? " in " + Math.round(p.ms) + " ms" : "")
            : " started";
          li.append(mark, step, what, when);
          $("steps").append(li);
        }

        async function showReport(id) {
          const response = await api("/v1/analyses/" + encodeURIComponent(id) + "/report");
          if (!response.ok) throw await failure(response);
          const frame = $("report");
          frame.addEventListener("load", () => {
            frame.style.height = frame.contentDocument.documentElement.scrollHeight + 20 + "px";
            document.body.dataset.phase = "report";
          }, { once: true });
          frame.title = "Report of analysis " + id;
          frame.srcdoc = await response.text();
          frame.hidden = false;
          $("report-note").textContent = "The report of analysis " + id + ", as hos-report writes it.";
        }

        async function start(event) {
          event.preventDefault();
          const user = $("user").value.trim();
          if (!token || !user) return;
          if (current) current.abort();
          const control = new AbortController();
          current = control;
          $("steps").replaceChildren();
          $("report").hidden = true;
          $("report").removeAttribute("srcdoc");
          $("report-note").textContent = "The report appears here when the analysis is over.";
          document.body.dataset.phase = "running";
          say("state", "Starting an analysis of " + user + "…");
          try {
            const posted = await api("/v1/analyses", {
              method: "POST", headers: { "Content-Type": "application/json" },
              body: JSON.stringify({ user_id: user }), signal: control.signal });
            if (!posted.ok) throw await failure(posted);
            const { analysis_id: id, events_url: url } = await posted.json();
            await watch(id, url, user, control);
          } catch (e) {
            if (control.signal.aborted) return;
            document.body.dataset.phase = "failed";
            say("state", e.message, true);
          }
        }

        // Follows the stream to its last event; reconnects with Last-Event-ID when it breaks before.
        async function watch(id, url, user, control) {
          const t0 = performance.now();
          let last = null, over = false, tries = 0;
          const onEvent = (e) => {
            if (e.id) last = e.id;
            const data = JSON.parse(e.data);
            if (e.name === "state") say("state", "Analysis " + id + " of " + user + ": " + data.state + ".");
            else if (e.name === "progress") stepLine(data, t0);
            else if (e.name === "analysis_complete") {
              over = true;
              const degraded = (data.payload && data.payload.degraded) || [];
              say("state", "Analysis " + id + " of " + user + ": complete" +
                (degraded.length ? ", without " + degraded.join(", ") + " (those steps failed)" : "") + ". Loading the report…");
            } else if (e.name === "agent_error" || e.name === "shutdown") {
              over = true;
              document.body.dataset.phase = "failed";
              say("state", "Analysis " + id + " did not finish: " + ((data.payload || data).message || e.name), true);
            }
          };
          while (!over && !control.signal.aborted && tries < 4) {
            if (tries > 0) await new Promise((done) => setTimeout(done, 1000));
            const headers = last ? { "Last-Event-ID": last } : {};
            const response = await api(url, { headers, signal: control.signal });
            if (!response.ok) throw await failure(response);
            await follow(response, onEvent, control.signal);
            tries += 1;
          }
          if (control.signal.aborted) return;
          if (!over) throw new Error("the event stream of analysis " + id + " ended early");
          if (document.body.dataset.phase === "failed") return;
          await showReport(id);
          say("state", $("state").textContent.replace(" Loading the report…", " The report is below."));
        }

        $("connect").addEventListener("submit", connect);
        $("forget").addEventListener("click", forget);
        $("run").addEventListener("submit", start);

        """#
}
