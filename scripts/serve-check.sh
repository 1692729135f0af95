#!/bin/sh
# make serve-check: hos-serve's page (GET /) driven in a real headless Chromium, checked, and screenshotted.
# Usage: scripts/serve-check.sh BINDIR [OUTDIR]      (OUTDIR: .build/serve-check; docs/serve.png is a copy)
#
# 1. Chromium as for report-check (scripts/chromium.sh: installed with apt-get when missing and we are root).
# 2. hos-serve on a free port over three synthetic users (60 days each) and an admin token in a scratch folder.
# 3. scripts/serve-check.py drives the page over the DevTools protocol, keyboard only: the token typed once, a
#    user typed, the analysis started; it checks that each step's started and finished lines appear in
#    several bursts between "running" and "complete" (not all at once), that the report renders in the page
#    (charts, the user's section), that the token is in no URL, cookie, storage or HTML, that nothing was
#    logged to the console (a page with a console error and a missing image must be caught first), and keeps
#    a 1280×1800 screenshot, which must not be blank.
# 4. The server is stopped with SIGTERM and must exit 0; its log must not hold the token.
set -eu
bin=$1
out=${2:-.build/serve-check}
root=$(cd "$(dirname "$0")/.." && pwd)
PATH="$bin:$PATH"
export PATH
mkdir -p "$out"
out=$(cd "$out" && pwd)

. "$root/scripts/chromium.sh"
find_chromium serve-check
[ -n "$browser" ] || exit 0

tmp=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
umask 077
hos-synth --users 3 --days 60 --seed 5 > "$tmp/users.jsonl"
hos-memory store --memory "$tmp/memory.sqlite" "$tmp/users.jsonl"
hos-serve token create serve-check --admin --memory "$tmp/memory.sqlite" > "$tmp/token"

: > "$tmp/serve.log"
hos-serve --listen 127.0.0.1:0 --memory "$tmp/memory.sqlite" \
    --pipeline "$root/examples/pipelines/full-analysis.yaml" 2> "$tmp/serve.log" &
pid=$!
tries=0
until grep -q 'listening on' "$tmp/serve.log"; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "serve-check: FAIL: hos-serve did not start:" >&2
        cat "$tmp/serve.log" >&2
        exit 1
    fi
    sleep 0.1
done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$tmp/serve.log" | head -n 1)/

python3 "$root/scripts/serve-check.py" "$browser" "$url" "$tmp/token" u-0002 "$out"
python3 "$root/scripts/png-check.py" "$out/serve.png" 1280 1800 serve-check

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
if [ "$status" != 0 ]; then
    echo "serve-check: FAIL: hos-serve exited $status after SIGTERM" >&2
    exit 1
fi
if grep -qF "$(cat "$tmp/token")" "$tmp/serve.log"; then
    echo "serve-check: FAIL: the server's log holds the token" >&2
    exit 1
fi
cp "$out/serve.png" "$root/docs/serve.png"
echo "serve-check: the page of $url driven by $("$browser" --version 2>/dev/null | head -n 1); screenshot $out/serve.png (copied to docs/serve.png)"
