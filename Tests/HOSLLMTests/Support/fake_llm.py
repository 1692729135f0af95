#!/usr/bin/env python3
"""A scripted OpenAI chat-completions server for hos's tests (Python standard library only).

    fake_llm.py [--key KEY]      listens on 127.0.0.1, a free port, printed as "PORT n" on stdout

POST /v1/chat/completions answers by the next behaviour of the script (then "good"):
  good         200 with a reply fitting the request: {"items": [n strings]} or {"summary": ...} for a
               json_schema response_format, else plain text; server-sent events when "stream": true
  429:S        429 with Retry-After: S
  500          500
  slow:S       waits S seconds, then good
  malformed    200 with a body that is not JSON
  schema       200 whose content is JSON that fails the requested schema
  close        closes the connection without an answer
With --key, a request without "Authorization: Bearer KEY" gets 401.
POST /_script  (JSON list of behaviours) replaces the script; GET /_count: chat requests seen so far;
GET /_requests: their bodies and headers, for the privacy tests.
"""
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
script = []
seen = []
key = None
if "--key" in sys.argv:
    key = sys.argv[sys.argv.index("--key") + 1]


def reply_content(body):
    fmt = body.get("response_format") or {}
    schema = (fmt.get("json_schema") or {}).get("schema") or fmt.get("schema")
    if not schema:
        return "You kept a steady rhythm this month; keep going."
    props = schema.get("properties", {})
    if "items" in props:
        n = props["items"].get("minItems", 1)
        return json.dumps({"items": [f"Reworded item {i + 1}, numbers unchanged." for i in range(n)]})
    return json.dumps({"summary": "Your sleep held near its baseline and your readiness is balanced."})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, ctype="application/json", headers=()):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(data)
        except OSError:
            pass

    def do_GET(self):
        with lock:
            if self.path == "/_count":
                return self.send(200, json.dumps({"count": len(seen)}))
            if self.path == "/_requests":
                return self.send(200, json.dumps(seen))
        self.send(404, "{}")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length).decode()
        if self.path == "/_script":
            with lock:
                script[:] = json.loads(raw)
            return self.send(200, "{}")
        if self.path != "/v1/chat/completions":
            return self.send(404, "{}")
        body = json.loads(raw)
        with lock:
            seen.append({"body": body, "authorization": self.headers.get("Authorization")})
            behaviour = script.pop(0) if script else "good"
        if key is not None and self.headers.get("Authorization") != f"Bearer {key}":
            return self.send(401, json.dumps({"error": {"message": "Invalid API Key", "type": "authentication_error"}}))
        name, _, arg = behaviour.partition(":")
        if name == "429":
            return self.send(429, json.dumps({"error": {"message": "rate limited"}}), headers=[("Retry-After", arg or "1")])
        if name == "500":
            return self.send(500, json.dumps({"error": {"message": "internal"}}))
        if name == "malformed":
            return self.send(200, '{"choices": [ {"message": ')
        if name == "close":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if name == "slow":
            time.sleep(float(arg or "5"))
        content = reply_content(body)
        if name == "schema":
            content = json.dumps({"unexpected": True})
        prompt = sum(len(m.get("content", "")) for m in body.get("messages", [])) // 4
        usage = {"prompt_tokens": prompt, "completion_tokens": 12, "total_tokens": prompt + 12}
        if body.get("stream"):
            chunks = [content[i:i + 7] for i in range(0, len(content), 7)]
            events = [json.dumps({"choices": [{"index": 0, "delta": {"content": c}}]}) for c in chunks]
            events.append(json.dumps({"choices": [], "usage": usage}))
            sse = "".join(f"data: {e}\n\n" for e in events) + "data: [DONE]\n\n"
            return self.send(200, sse, ctype="text/event-stream")
        self.send(200, json.dumps({
            "id": "chatcmpl-test", "object": "chat.completion", "model": body.get("model"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": usage}))


# A parent's blocked signals are inherited: unblock so that SIGTERM and SIGINT stop the server.
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(f"PORT {server.server_address[1]}", flush=True)
server.serve_forever()
