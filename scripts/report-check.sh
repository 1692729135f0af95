#!/bin/sh
# make report-check: the HTML report rendered by a real headless Chromium, checked, and screenshotted.
# Usage: scripts/report-check.sh BINDIR [OUTDIR]      (OUTDIR: .build/report-check; docs/report.png is a copy)
#
# 1. Chromium (Debian's `chromium`) is installed with apt-get when missing and we are root; else skipped, saying why.
# 2. The detector is tried on a page with a console error and a missing image: it must catch both.
# 3. Three synthetic users go through the agents (plus examples/report-synthetic/results.jsonl for insights and
#    adaptation) into `hos-report -o OUTDIR/report.html`, which must hold no URL at all.
# 4. Chromium dumps the DOM (every chart and section must be there) and takes a 1280×1800 screenshot, logging the
#    page's console; the PNG must decode, have that size, and not be blank (enough colours, enough ink), and the
#    log must hold no console message and no failed load.
set -eu
bin=$1
out=${2:-.build/report-check}
root=$(cd "$(dirname "$0")/.." && pwd)
PATH="$bin:$PATH"
export PATH
mkdir -p "$out"
out=$(cd "$out" && pwd)

. "$root/scripts/chromium.sh"
find_chromium report-check
[ -n "$browser" ] || exit 0

# Headless, no GPU, no network use beyond the file, a fixed size and scale so screenshots compare.
render() { # render PAGE PNG LOG
    "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
        --no-first-run --disable-extensions --disable-background-networking --window-size=1280,1800 \
        --enable-logging=stderr --v=0 --virtual-time-budget=3000 --screenshot="$2" "file://$1" 2>"$3" >/dev/null
}
# Console messages and failed loads, as Chromium logs them.
problems() { grep -E 'CONSOLE|Failed to load|net::ERR_|Uncaught' "$1" || true; }

# The detector must catch a broken page, or its silence on the report would mean nothing.
cat > "$out/broken.html" <<'EOF'
<!doctype html><html lang="en"><title>broken</title><body><p>broken</p>
<img src="missing.png" alt=""><script>console.error("report-check self-test")</script></body></html>
EOF
render "$out/broken.html" "$out/broken.png" "$out/broken.log" || true
if [ -z "$(problems "$out/broken.log")" ]; then
    echo "report-check: FAIL: the console check did not catch a page with a console error and a missing image" >&2
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
hos-synth --users 3 --days 45 --seed 11 --request \
    | hos-behavior | hos-memory --memory "$tmp/memory.sqlite" | hos-nutrition | hos-routine \
    | cat - "$root/examples/report-synthetic/results.jsonl" \
    | hos-report --format html -o "$out/report.html"
if grep -Eqi 'https?:|//[a-z]|src=|url\(|@import' "$out/report.html"; then
    echo "report-check: FAIL: report.html refers to something outside itself:" >&2
    grep -Eoi '.{20}(https?:|//[a-z]|src=|url\(|@import).{20}' "$out/report.html" >&2
    exit 1
fi

start=$(date +%s)
"$browser" --headless --no-sandbox --disable-gpu --dump-dom "file://$out/report.html" 2>/dev/null > "$out/dom.html"
render "$out/report.html" "$out/report.png" "$out/chromium.log"
seconds=$(( $(date +%s) - start ))
found=$(problems "$out/chromium.log")
if [ -n "$found" ]; then
    echo "report-check: FAIL: Chromium logged problems with the page:" >&2
    echo "$found" >&2
    exit 1
fi

python3 - "$out/dom.html" <<'EOF'
import sys

dom = open(sys.argv[1], encoding="utf-8").read()
need = {"<svg": 30, "<section class=\"user\"": 3, "class=\"card": 5, "class=\"timeline\"": 3, "<h1>": 1}
for token, least in need.items():
    if dom.count(token) < least:
        sys.exit(f"report-check: FAIL: the rendered DOM has {dom.count(token)} of {token!r}, expected at least {least}")

EOF
python3 "$root/scripts/png-check.py" "$out/report.png" 1280 1800 report-check
echo "report-check: $out/report.html rendered by $("$browser" --version 2>/dev/null | head -n 1) in ${seconds}s without console errors; screenshot $out/report.png"
