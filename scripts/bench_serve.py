#!/usr/bin/env python3
# make bench-serve's client: simulated users, all at once, each posting its records to hos-serve, starting an
# analysis and following it over SSE until analysis_complete; times, refusals and the server's peak memory.
"""Usage: bench_serve.py --port PORT --server-pid PID --records users.jsonl --tokens tokens.tsv
   [--users 20] [--first 0] [--label NAME] [--refusals-allowed] [--json out.json]

tokens.tsv has one line per user: user_id, a tab, the token that user's client sends (tokens may be shared).
Without --refusals-allowed every request must succeed; with it, a refusal ends that user's run and must be
a 429 or a 503 with Retry-After (anything else is an error)."""

import argparse
import http.client
import json
import math
import os
import sys
import threading
import time


def percentile(values, p):
    """The nearest-rank percentile: the smallest value at or above p of the sorted values."""
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)] if s else float("nan")


class User:
    """One simulated client: its user id, its token, and the records it posts (JSON lines)."""

    def __init__(self, user, token, body):
        self.user, self.token, self.body = user, token, body
        self.total = self.analysis = None  # seconds: from the first request, and from POST /v1/analyses
        self.outcome = None  # "complete", "degraded", "refused", "error"
        self.detail = ""
        self.refusal = None  # (status, retry_after)
        self.events = 0


def call(conn, method, path, token, body=None, ctype=None):
    headers = {"Authorization": "Bearer " + token}
    if ctype:
        headers["Content-Type"] = ctype
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    return r.status, r.getheader("Retry-After"), r.read()


def follow(conn, path, token, user):
    """Reads the SSE stream line by line to its end; the name of its last event (analysis_complete…)."""
    conn.request("GET", path, headers={"Authorization": "Bearer " + token, "Accept": "text/event-stream"})
    r = conn.getresponse()
    if r.status != 200:
        return r.status, r.getheader("Retry-After"), None
    last = None
    while True:
        line = r.readline()
        if not line:
            break
        if line.startswith(b"event: "):
            last = line[7:].strip().decode()
            user.events += 1
    # Read to the end of the stream (the server ends it after the last event), so the connection is reusable.
    return 200, None, last


def run_user(port, user, start, allow_refusals):
    start.wait()
    t0 = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        status, retry, body = call(conn, "POST", "/v1/events", user.token, user.body, "application/x-ndjson")
        if status == 200:
            reply = json.loads(body)
            if reply["rejected"]:
                return finish(user, "error", f"{reply['rejected']} records rejected")
            ask = json.dumps({"user_id": user.user, "window_days": 90}).encode()
            t1 = time.monotonic()
            status, retry, body = call(conn, "POST", "/v1/analyses", user.token, ask, "application/json")
            if status == 202:
                events_url = json.loads(body)["events_url"]
                status, retry, last = follow(conn, events_url, user.token, user)
                if status == 200:
                    user.total, user.analysis = time.monotonic() - t0, time.monotonic() - t1
                    if last != "analysis_complete":
                        return finish(user, "error", f"the stream ended with {last}")
                    status, _, body = call(conn, "GET", events_url.rsplit("/", 1)[0], user.token)
                    state = json.loads(body)["status"] if status == 200 else f"HTTP {status}"
                    return finish(user, state if state in ("complete", "degraded") else "error", state)
        if allow_refusals and status in (429, 503):
            user.refusal = (status, retry)
            return finish(user, "refused" if retry else "error", f"{status} without Retry-After")
        return finish(user, "error", f"HTTP {status}: {body[:200]!r}")
    except Exception as e:  # noqa: BLE001 — any failure of one client is counted, the others go on
        return finish(user, "error", repr(e))
    finally:
        conn.close()


def finish(user, outcome, detail):
    user.outcome, user.detail = outcome, detail


class Peak:
    """Samples the resident memory of the server and of all its descendants (the agents it starts)."""

    def __init__(self, pid):
        self.pid, self.tree_kb, self.server_kb, self.stop = pid, 0, 0, threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self):
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(0.05)

    def sample(self):
        parents, rss = {}, {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                parents[int(d)] = int(fields[1])
                rss[int(d)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
            except (OSError, IndexError, ValueError):
                continue
        tree, frontier = {self.pid}, [self.pid]
        while frontier:
            p = frontier.pop()
            for child, parent in parents.items():
                if parent == p and child not in tree:
                    tree.add(child)
                    frontier.append(child)
        self.tree_kb = max(self.tree_kb, sum(rss.get(p, 0) for p in tree))
        self.server_kb = max(self.server_kb, rss.get(self.pid, 0))

    def hwm_kb(self):
        """The kernel's own peak RSS of the server process (VmHWM), which sampling may miss."""
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return self.server_kb


def load(records, tokens, first, count):
    by_user = {}
    with open(records, "rb") as f:
        for line in f:
            by_user.setdefault(json.loads(line)["user_id"], []).append(line)
    chosen = []
    with open(tokens) as f:
        for line in f:
            user, token = line.rstrip("\n").split("\t")
            chosen.append(User(user, token, b"".join(by_user[user])))
    return chosen[first : first + count]


def main():
    a = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("--port", type=int, required=True)
    a.add_argument("--server-pid", type=int, required=True)
    a.add_argument("--records", required=True)
    a.add_argument("--tokens", required=True)
    a.add_argument("--users", type=int, default=20)
    a.add_argument("--first", type=int, default=0)
    a.add_argument("--label", default="bench")
    a.add_argument("--refusals-allowed", action="store_true")
    a.add_argument("--json")
    o = a.parse_args()
    users = load(o.records, o.tokens, o.first, o.users)
    start = threading.Barrier(len(users) + 1)
    threads = [threading.Thread(target=run_user, args=(o.port, u, start, o.refusals_allowed)) for u in users]
    for t in threads:
        t.start()
    peak = Peak(o.server_pid)
    peak.thread.start()
    start.wait()
    t0 = time.monotonic()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    peak.stop.set()
    peak.thread.join()
    peak.sample()
    done = [u for u in users if u.outcome in ("complete", "degraded")]
    errors = [u for u in users if u.outcome == "error"]
    refused = [u for u in users if u.outcome == "refused"]
    totals = [u.total for u in done]
    analyses = [u.analysis for u in done]
    result = {
        "label": o.label,
        "users": len(users),
        "complete": sum(u.outcome == "complete" for u in done),
        "degraded": sum(u.outcome == "degraded" for u in done),
        "refused_429": sum(u.refusal[0] == 429 for u in refused),
        "refused_503": sum(u.refusal[0] == 503 for u in refused),
        "errors": len(errors),
        "wall_s": round(wall, 2),
        "total_p50_s": round(percentile(totals, 50), 2),
        "total_p95_s": round(percentile(totals, 95), 2),
        "total_max_s": round(max(totals, default=float("nan")), 2),
        "analysis_p50_s": round(percentile(analyses, 50), 2),
        "analysis_p95_s": round(percentile(analyses, 95), 2),
        "server_peak_rss_mb": round(peak.hwm_kb() / 1024, 1),
        "tree_peak_rss_mb": round(peak.tree_kb / 1024, 1),
        "records_per_user": round(sum(u.body.count(b"\n") for u in users) / max(1, len(users))),
    }
    print(
        f"{o.label}: {result['users']} users at once: {len(done)} complete ({result['degraded']} degraded), "
        f"{len(refused)} refused ({result['refused_429']} x 429, {result['refused_503']} x 503, each with "
        f"Retry-After), {len(errors)} errors, in {result['wall_s']} s"
    )
    if done:
        print(
            f"  time to complete (records posted, analysis started, followed to analysis_complete): "
            f"p50 {result['total_p50_s']} s, p95 {result['total_p95_s']} s, max {result['total_max_s']} s; "
            f"the analysis alone p50 {result['analysis_p50_s']} s, p95 {result['analysis_p95_s']} s"
        )
    print(
        f"  peak RSS: hos-serve {result['server_peak_rss_mb']} MB; with its agent processes "
        f"{result['tree_peak_rss_mb']} MB (sampled every 50 ms)"
    )
    for u in errors[:5]:
        print(f"  error: {u.user}: {u.detail}", file=sys.stderr)
    if o.json:
        with open(o.json, "w") as f:
            json.dump(result, f, indent=1, sort_keys=True)
    sys.exit(1 if errors or not done else 0)


if __name__ == "__main__":
    main()
