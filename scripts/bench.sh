#!/bin/sh
# make bench: throughput and peak memory of hos commands against jq -c . and cat, on one file, in one run.
# Usage: scripts/bench.sh RELEASE_BINDIR   (RUNS=3 by default: the median of RUNS runs is reported)
set -eu
bin=$1
runs=${RUNS:-3}
data=.build/bench
mkdir -p "$data"
file=$data/events.jsonl
# 2,200 users x 500 days: just over 1,000,000 events.
"$bin/hos-synth" --users 2200 --days 500 --seed 1 -o "$file"
events=$(wc -l < "$file")
bytes=$(wc -c < "$file")
echo "input: $file, $events events, $((bytes / 1048576)) MiB ($(nproc) cores, $(uname -m))"
echo

. scripts/measure.sh

jq_line=$(measure "jq -c . $file")
jq_s=${jq_line% *}
first_jq_s=$jq_s
printf '%-34s %9s %12s %9s %10s %9s\n' command seconds events/s MB/s peak_RSS "x jq -c ."
row() {
    line=$(measure "$2")
    s=${line% *}
    kb=${line#* }
    awk -v name="$1" -v s="$s" -v kb="$kb" -v n="$events" -v b="$bytes" -v jq="$jq_s" 'BEGIN {
        if (s < 0.01) s = 0.01
        printf "%-34s %9.2f %12.0f %9.1f %8.1fMB %9.2f\n", name, s, n / s, b / s / 1048576, kb / 1024, jq / s
    }'
}
row "cat" "cat $file"
row "jq -c ." "jq -c . $file"
row "hos-validate --pass (pass-through)" "$bin/hos-validate --pass $file"
row "hos-validate --pass --deep" "$bin/hos-validate --pass --deep $file"
row "hos-validate (summary)" "$bin/hos-validate $file"

# The analysis agents on 10,000 users x 90 days, each beside jq -c . on the same file.
agents=$data/agents.jsonl
"$bin/hos-synth" --users 10000 --days 90 --seed 2 --request -o "$agents"
agent_events=$(wc -l < "$agents")
agent_bytes=$(wc -c < "$agents")
echo
echo "input: $agents, $agent_events events, $((agent_bytes / 1048576)) MiB (10,000 users x 90 days)"
printf '%-34s %9s %12s %9s %10s %9s\n' command seconds events/s MB/s peak_RSS "x jq -c ."
file=$agents
events=$agent_events
bytes=$agent_bytes
jq_line=$(measure "jq -c . $file")
jq_s=${jq_line% *}
row "jq -c ." "jq -c . $file"
for agent in hos-behavior hos-nutrition hos-routine hos-insights; do
    [ -x "$bin/$agent" ] && row "$agent" "$bin/$agent $file"
done
file=$data/events.jsonl
events=$(wc -l < "$file")
bytes=$(wc -c < "$file")
jq_s=${first_jq_s}

# The memory file: storing records beside sqlite3's own .import of the same rows, the context of a
# user with a year of history, and the file's size.
mem=$data/memory
mkdir -p "$mem"
"$bin/hos-synth" --users 1000 --days 90 --seed 3 -o "$mem/records.jsonl"
records=$(grep -c '"health_record"' "$mem/records.jsonl")
jq -r 'select(.event_type == "health_record") | .user_id as $u | .payload.date as $d
       | .payload.metrics | to_entries[] | [$u, $d, .key, (.value | tostring)] | @csv' "$mem/records.jsonl" > "$mem/rows.csv"
rows=$(wc -l < "$mem/rows.csv")
store=$(measure "rm -f $mem/m.sqlite*; $bin/hos-memory store --memory $mem/m.sqlite $mem/records.jsonl")
import=$(measure "rm -f $mem/plain.sqlite; sqlite3 $mem/plain.sqlite 'CREATE TABLE r(user_id TEXT, date TEXT, metric TEXT, value)' '.import --csv $mem/rows.csv r'")
store_s=${store% *}
import_s=${import% *}
echo
echo "memory: $records health records ($rows metric values) of 1,000 users x 90 days"
awk -v s="$store_s" -v i="$import_s" -v n="$records" -v r="$rows" -v kb="${store#* }" 'BEGIN {
    printf "  hos-memory store      %6.2f s  %8.0f health_record events/s = %.0f records/s (one per user, day and metric, as .import counts rows; target: >= 100,000)  peak RSS %.1f MB\n", s, n / s, r / s, kb / 1024
    printf "  sqlite3 .import       %6.2f s                     %9.0f values/s (plain table, same values)\n", i, r / i
    printf "  ratio                 hos-memory takes %.1fx the time of the plain import\n", s / i
}'
"$bin/hos-synth" --users 1 --days 365 --seed 4 -o "$mem/year.jsonl"
rm -f "$mem"/year.sqlite*
"$bin/hos-memory" store --memory "$mem/year.sqlite" "$mem/year.jsonl"
# 200 requests for that user; each writes working memory, consolidates and answers with a memory_context.
awk 'BEGIN { for (i = 1; i <= 200; i++) printf "{\"event_id\":\"bench-%d\",\"event_type\":\"analysis_request\",\"user_id\":\"u-0001\",\"timestamp\":\"2027-01-05T00:00:00Z\",\"payload\":{\"analysis_id\":\"a-bench-%d\"}}\n", i, i }' > "$mem/requests.jsonl"
cp "$mem/year.sqlite" "$mem/year-copy.sqlite"
context=$(measure "cp $mem/year-copy.sqlite $mem/year.sqlite; rm -f $mem/year.sqlite-wal $mem/year.sqlite-shm; $bin/hos-memory run --memory $mem/year.sqlite $mem/requests.jsonl")
size_year=$(du -cb "$mem"/year-copy.sqlite | tail -n 1 | cut -f1)
size_all=$(du -cb "$mem"/m.sqlite* | tail -n 1 | cut -f1)
awk -v s="${context% *}" -v y="$size_year" -v a="$size_all" 'BEGIN {
    printf "  memory_context        %6.2f ms a request, mean of 200 in one process with its start (the median per request is under hos-run below)\n", s * 1000 / 200
    printf "  file size             %.2f MB for one user-year; %.2f MB per user-year over 1,000 users x 90 days\n", y / 1048576, a / 1048576 / (1000 * 90 / 365)
}'

# The same, plain and encrypted, side by side (skipped when SQLCipher is not built).
scripts/bench-encryption.sh "$bin"


# hos-adapt: a week of feedback from 2,000 users (their plans stored the week before) and their next requests.
a=$data/adapt
mkdir -p "$a"
"$bin/hos-synth" --users 2000 --days 30 --seed 5 --request | "$bin/hos-behavior" | "$bin/hos-routine" > "$a/plans.jsonl"
rm -f "$a"/m.sqlite*
"$bin/hos-adapt" --memory "$a/m.sqlite" "$a/plans.jsonl" > /dev/null
"$bin/hos-synth" respond --seed 5 --days 7 "$a/plans.jsonl" > "$a/fb.jsonl"
{ cat "$a/fb.jsonl"; jq -c 'select(.event_type == "analysis_request") | .event_id = "w2-" + .user_id
    | .timestamp = "2026-02-11T00:00:00Z" | .payload.analysis_id = "a-w2-" + .user_id | del(.payload.as_of)' "$a/plans.jsonl"; } > "$a/week2.jsonl"
cp "$a/m.sqlite" "$a/m0.sqlite"
adapt=$(measure "cp $a/m0.sqlite $a/m.sqlite; rm -f $a/m.sqlite-wal $a/m.sqlite-shm; $bin/hos-adapt --memory $a/m.sqlite $a/week2.jsonl")
awk -v s="${adapt% *}" -v kb="${adapt#* }" -v n="$(wc -l < "$a/week2.jsonl")" 'BEGIN {
    printf "\nhos-adapt: a week of feedback of 2,000 users (%d events): %.2f s, %.0f events/s, %.0f decisions/s, peak RSS %.1f MB\n", n, s, n / s, 2000 / s, kb / 1024
}'

# hos-run: the full six-agent pipeline (examples/pipelines/full-analysis.yaml), process start-up included.
run=$data/run
mkdir -p "$run"
pipeline=examples/pipelines/full-analysis.yaml
"$bin/hos-synth" --users 1 --days 90 --seed 5 --request -o "$run/one.jsonl"
saved_runs=$runs
runs=11
one=$(measure "rm -f $run/one.sqlite*; $bin/hos-run $pipeline --memory $run/one.sqlite -i $run/one.jsonl")
runs=$saved_runs
"$bin/hos-synth" --users 1000 --days 90 --seed 6 --request -o "$run/many.jsonl"
j1=$(measure "rm -f $run/j1.sqlite*; $bin/hos-run $pipeline --memory $run/j1.sqlite -i $run/many.jsonl")
j2=$(measure "rm -f $run/j2.sqlite*; $bin/hos-run $pipeline --memory $run/j2.sqlite -i $run/many.jsonl --jobs 2")
rm -f "$run"/s.sqlite*
"$bin/hos-run" $pipeline --memory "$run/s.sqlite" -i "$run/many.jsonl" --jobs 2 --status 2> "$run/status.txt" > /dev/null
latency=$(head -n 1 "$run/status.txt" | sed 's/.*latency_p50_ms=\([^ ]*\) latency_p95_ms=\([^ ]*\).*/p50 \1 ms, p95 \2 ms/')
echo
echo "hos-run $pipeline (behavior, memory, nutrition || routine, insights, adapt)"
awk -v o="${one% *}" -v a="${j1% *}" -v b="${j2% *}" -v ka="${j1#* }" -v kb="${j2#* }" -v lat="$latency" 'BEGIN {
    printf "  1 user x 90 days          %6.3f s  median of 11 runs (target: < 0.150 s)\n", o
    printf "  1,000 users x 90 days     %6.2f s  --jobs 1, largest process %.1f MB (target: < 10 s)\n", a, ka / 1024
    printf "  1,000 users x 90 days     %6.2f s  --jobs 2, largest process %.1f MB; %.2fx faster than --jobs 1 (target: >= 1.6x)\n", b, kb / 1024, a / b
    printf "  per-analysis latency      %s (--jobs 2, request read to analysis_complete written)\n", lat
}'
# A nightly batch: 1,000 users analysed once (their records but the last 3 days); tonight's input holds a
# request for every user and the 3 new days of 10% of them. --incremental against analysing all (--force);
# each timed run starts with a copy of the memory file (about 110 MB), in both.
"$bin/hos-synth" --users 1000 --days 90 --seed 7 -o "$run/nightly.jsonl"
jq -c -s --argjson night 0 -f scripts/bench-nights.jq "$run/nightly.jsonl" > "$run/night0.jsonl"
jq -c -s --argjson night 1 -f scripts/bench-nights.jq "$run/nightly.jsonl" > "$run/night1.jsonl"
rm -f "$run"/n0.sqlite*
"$bin/hos-run" $pipeline --memory "$run/n0.sqlite" --incremental -i "$run/night0.jsonl" --progress none > /dev/null 2>&1
# Everything into the main file, which alone is copied before each timed run.
sqlite3 "$run/n0.sqlite" 'PRAGMA wal_checkpoint(TRUNCATE)' > /dev/null
inc=$(measure "cp $run/n0.sqlite $run/n.sqlite; rm -f $run/n.sqlite-*; $bin/hos-run $pipeline --memory $run/n.sqlite --incremental -i $run/night1.jsonl --progress none 2> $run/inc.txt")
all=$(measure "cp $run/n0.sqlite $run/n.sqlite; rm -f $run/n.sqlite-*; $bin/hos-run $pipeline --memory $run/n.sqlite --incremental --force -i $run/night1.jsonl --progress none")
awk -v i="${inc% *}" -v a="${all% *}" -v said="$(cat "$run/inc.txt")" 'BEGIN {
    printf "  nightly, 1,000 users      %6.2f s  --incremental, 10%% with 3 new days (%s)\n", i, said
    printf "  nightly, 1,000 users      %6.2f s  analysing all (--force); --incremental takes %.0f%% of it, %.1fx faster\n", a, 100 * i / a, a / i
}'
# memory_context alone, per request: hos-run --status times each request through a one-step pipeline.
printf 'version: 1\nname: context\nsteps: [{agent: memory}]\n' > "$run/context.yaml"
cp "$mem/year-copy.sqlite" "$mem/year.sqlite"
rm -f "$mem/year.sqlite-wal" "$mem/year.sqlite-shm"
"$bin/hos-run" "$run/context.yaml" --memory "$mem/year.sqlite" -i "$mem/requests.jsonl" --status 2> "$run/context.txt" > /dev/null
awk '$1 == "memory" { printf "  memory_context            %s ms median, %s ms p95 per request over 200 requests (user with a year of records; target: < 5 ms median)\n", $8, $9 }' "$run/context.txt"
echo
pass_s=$(measure "$bin/hos-validate --pass $file")
pass_s=${pass_s% *}
awk -v p="$pass_s" -v jq="$jq_s" 'BEGIN {
    r = jq / (p < 0.01 ? 0.01 : p)
    printf "target: pass-through agent >= 2x the throughput of jq -c .: %.1fx, %s\n", r, (r >= 2 ? "met" : "NOT MET")
}'
echo "target: each analysis agent >= 0.5x the throughput of jq -c . (see the x jq -c . column of the second table)"
