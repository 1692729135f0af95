#!/bin/sh
# make bench-serve: hos-serve (release build) under simulated users, and GET /healthz under wrk.
# Usage: scripts/bench-serve.sh RELEASE_BINDIR      (SERVE_ARGS: more hos-serve options, e.g. --max-concurrent 4)
#
# 1. 20 users at once, each with its own token: post its 90 days of records, start an analysis, follow it over
#    SSE until analysis_complete (scripts/bench_serve.py). All must complete, with no error; the time to
#    complete (p50, p95) is reported beside the target, p95 under 3 s, and peak RSS of the server, alone and
#    with the agent processes it starts.
# 2. 100 more users at once, ten to a token (as ten coaches' dashboards would): every refusal must be a 429 or
#    a 503 with Retry-After; every analysis accepted must complete.
# 3. Requests per second of GET /healthz with wrk (Debian's package, installed when missing and we are root).
set -eu
bin=$1
out=.build/bench-serve
PATH="$bin:$PATH"
export PATH
rm -rf "$out"
mkdir -p "$out"
memory=$out/hos-memory.sqlite

hos-synth --users 120 --days 90 --seed 3 -o "$out/records.jsonl"
jq -r .user_id "$out/records.jsonl" | sort -u > "$out/users"
[ "$(wc -l < "$out/users")" -ge 120 ] || { echo "bench-serve: hos-synth made fewer than 120 users" >&2; exit 1; }
# Tokens are made before the server starts: the file is the server's once it runs.
: > "$out/tokens.tsv"
head -n 20 "$out/users" | while read -r u; do
    printf '%s\t%s\n' "$u" "$(hos-serve token create "bench-$u" --user "$u" --memory "$memory")" >> "$out/tokens.tsv"
done
sed -n 21,120p "$out/users" | split -l 10 - "$out/coach-"
for group in "$out"/coach-*; do
    args=$(sed 's/^/--user /' "$group" | tr '\n' ' ')
    # shellcheck disable=SC2086 # one --user option per user of the group
    token=$(hos-serve token create "bench-${group##*/}" $args --memory "$memory")
    sed "s/\$/\t$token/" "$group" >> "$out/tokens.tsv"
done

# shellcheck disable=SC2086 # SERVE_ARGS is a list of options
hos-serve --listen 127.0.0.1:0 --memory "$memory" --pipeline examples/pipelines/full-analysis.yaml \
    ${SERVE_ARGS:-} 2> "$out/serve.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
. scripts/serve-port.sh
wait_for_port bench-serve "$out/serve.log" "$pid"
echo "hos-serve ($bin) on 127.0.0.1:$port, $(nproc) cores, options: ${SERVE_ARGS:-defaults}"
echo "records: 90 days each ($(wc -l < "$out/records.jsonl") events for 120 users)"

status=0
python3 scripts/bench_serve.py --port "$port" --server-pid "$pid" --records "$out/records.jsonl" \
    --tokens "$out/tokens.tsv" --users 20 --label "20 users" --json "$out/20.json" || status=1
awk -v p95="$(jq .total_p95_s "$out/20.json")" 'BEGIN {
    printf "  target: p95 under 3 s: %s\n", (p95 < 3 ? "met" : "missed") }'
python3 scripts/bench_serve.py --port "$port" --server-pid "$pid" --records "$out/records.jsonl" \
    --tokens "$out/tokens.tsv" --first 20 --users 100 --refusals-allowed --label "100 users" \
    --json "$out/100.json" || status=1

if ! command -v wrk >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bench-serve: installing wrk with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 || true
fi
if command -v wrk >/dev/null 2>&1; then
    wrk -t 2 -c 32 -d 10s "http://127.0.0.1:$port/healthz" > "$out/wrk.txt"
    echo "GET /healthz with wrk (2 threads, 32 connections, 10 s, on the same 2 cores):" \
        "$(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt") requests/s," \
        "latency $(awk '/Latency/ {print "mean " $2 ", max " $4; exit}' "$out/wrk.txt")," \
        "$(awk '/Non-2xx/ {print $NF " non-2xx"; f=1} END {if (!f) print "all 200"}' "$out/wrk.txt")"
else
    echo "GET /healthz with wrk: skipped (wrk is not installed and cannot be: needs root and apt-get install wrk)"
fi
kill -TERM "$pid"
wait "$pid" || { echo "bench-serve: hos-serve did not stop cleanly" >&2; status=1; }
trap - EXIT
echo "peak RSS of hos-serve over the whole run (VmHWM): $(jq .server_peak_rss_mb "$out/100.json") MB;" \
    "figures in $out/20.json, $out/100.json"
exit $status
