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

# Prints "seconds maxrss_kb" of the median run of a command reading $file, output to /dev/null.
measure() {
    i=0
    : > "$data/times"
    while [ $i -lt "$runs" ]; do
        /usr/bin/time -f "%e %M" -o "$data/time1" sh -c "$1 > /dev/null"
        cat "$data/time1" >> "$data/times"
        i=$((i + 1))
    done
    sort -n "$data/times" | sed -n "$(( (runs + 1) / 2 ))p"
}

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
for agent in hos-behavior hos-nutrition hos-routine; do
    [ -x "$bin/$agent" ] && row "$agent" "$bin/$agent $file"
done
file=$data/events.jsonl
events=$(wc -l < "$file")
bytes=$(wc -c < "$file")
jq_s=${first_jq_s}

echo
pass_s=$(measure "$bin/hos-validate --pass $file")
pass_s=${pass_s% *}
awk -v p="$pass_s" -v jq="$jq_s" 'BEGIN {
    r = jq / (p < 0.01 ? 0.01 : p)
    printf "target: pass-through agent >= 2x the throughput of jq -c .: %.1fx, %s\n", r, (r >= 2 ? "met" : "NOT MET")
}'
echo "target: each analysis agent >= 0.5x the throughput of jq -c . (see the x jq -c . column of the second table)"
