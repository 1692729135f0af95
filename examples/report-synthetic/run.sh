#!/bin/sh
# Three synthetic users through behaviour, memory, nutrition and routine, with hand-written insight and
# adaptation events (results.jsonl), as the text report and two of its tables.
set -e
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
hos-synth --users 3 --days 45 --seed 11 --request \
  | hos-behavior | hos-memory --memory "$dir/memory.sqlite" | hos-nutrition | hos-routine \
  | cat - results.jsonl > "$dir/events.jsonl"
hos-report --width 100 --insights 0 "$dir/events.jsonl"
echo
echo "== hos-report --format csv --table arms"
hos-report --format csv --table arms "$dir/events.jsonl"
echo
echo "== hos-report --format csv --table days --user u-0002, one day: steps were an anomaly"
hos-report --format csv --table days --user u-0002 "$dir/events.jsonl" | awk -F, 'NR == 1 || $3 == "2026-01-30"' | head -n 12
hos-report -o "$dir/report.html" "$dir/events.jsonl"
echo
echo "== report.html: $(grep -c '<svg' "$dir/report.html") charts, $(grep -Eci 'https?:|src=|url\(' "$dir/report.html") external references"
