#!/bin/sh
# Two nights of a batch of 8 synthetic users in 4 groups, run with make -j2 and hos-run --incremental.
# Night 1 holds each user's records but their last 3 days, and analyses everyone. Night 2 holds only what
# is new: the next day for most users (1 new day: answered from memory), all 3 days for group 1's users
# (analysed again). A third make runs nothing, as no input changed.
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp Makefile summary.jq "$work/"
mkdir "$work/in"
hos-synth --users 8 --days 30 > "$work/all.jsonl"
# Group g holds users u-000(2g-1) and u-000(2g), whole; night 1 or 2 as above.
night() {
    for g in 1 2 3 4; do
        jq -c -s --argjson g "$g" --argjson night "$1" '
            group_by(.user_id)[]
            | select(((.[0].user_id | ltrimstr("u-") | tonumber) - 1) / 2 | floor == $g - 1)
            | ([.[] | select(.event_type == "health_record") | .payload.date] | unique[-3:]) as $held
            | .[]
            | select(if $night == 1 then .event_type != "health_record" or (.payload.date | IN($held[]) | not)
                     elif $g == 1 then .event_type == "health_record" and (.payload.date | IN($held[]))
                     else .event_type == "health_record" and .payload.date == $held[0] end)' \
            "$work/all.jsonl" > "$work/in/group$g.jsonl"
    done
}
batch() {
    make -s -C "$work" -j2 PIPELINE="$PWD/../pipelines/full-analysis.yaml" 2>&1 >/dev/null | sort
    echo "user	archetype	readiness	difficulty	insights	degraded	analysis"
    cat "$work/summary.tsv"
}
echo "night 1"
night 1
batch
echo "night 2"
night 2
batch
# Nothing changed: make runs nothing the third time.
make -C "$work" -j2 PIPELINE="$PWD/../pipelines/full-analysis.yaml" | grep -c hos-run || true
