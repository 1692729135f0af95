#!/bin/sh
# One user analysed twice, a week apart, with one memory file: the second analysis knows the first.
set -e
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export HOS_MEMORY="$dir/memory.sqlite"

# Analysis 1: a month of data and the profile.
hos-synth --users 1 --days 29 --seed 8 --request | hos-behavior | hos-memory --stats 2>"$dir/stats1" \
  | hos-nutrition | hos-routine > "$dir/run1.jsonl"
echo "== analysis 1: $(sed 's/^hos-memory: //' "$dir/stats1" | tail -n 1)"
jq -r 'select(.event_type == "memory_context") | .payload
  | "history: \(.history.analyses_total) earlier analyses",
    "preferences: \(.long_term.preferences | to_entries | map("\(.key)=\(.value.value) (\(.value.confidence))") | join(", "))"' \
  "$dir/run1.jsonl"

# Analysis 2: the same export a week longer (the first 29 days again, and 7 new ones) without the profile.
hos-synth --users 1 --days 36 --seed 8 --request | grep -v '"user_profile"' \
  | hos-behavior | hos-memory --stats 2>"$dir/stats2" | hos-nutrition | hos-routine > "$dir/run2.jsonl"
echo "== analysis 2: $(sed 's/^hos-memory: //' "$dir/stats2" | tail -n 1)"
jq -r 'select(.event_type == "memory_context") | .payload
  | "history: \(.history.analyses_total) earlier analysis",
    (.history.analyses[] | "  \(.analysis_id) as of \(.as_of): readiness \(.readiness_score) (\(.readiness_state)), score \(.score)"),
    "preferences: \(.long_term.preferences | to_entries | map("\(.key)=\(.value.value)") | join(", "))",
    "rolling sleep_duration_min: 7d mean \(.short_term.rolling.sleep_duration_min["7d"].mean), 30d mean \(.short_term.rolling.sleep_duration_min["30d"].mean)"' \
  "$dir/run2.jsonl"
jq -r 'select(.event_type == "nutrition_plan") | "nutrition diet: \(.payload.dietary.pattern) (no profile in this run)"' "$dir/run2.jsonl"

# Analysis 3: only the week of new records, with hos-memory replay first: the stored days fill the window,
# and the behaviour analysis is the one the whole 43-day export would give.
hos-synth --users 1 --days 43 --seed 8 --request | jq -c 'select(.event_type != "health_record" or .payload.date > "2026-02-09")' \
  > "$dir/week.jsonl"
hos-memory replay --stats < "$dir/week.jsonl" 2>"$dir/stats3" | hos-behavior | hos-memory > "$dir/run3.jsonl"
echo "== analysis 3: $(grep -c '"health_record"' "$dir/week.jsonl") new days; replay: $(sed 's/^hos-memory: //' "$dir/stats3" | tail -n 1)"
hos-synth --users 1 --days 43 --seed 8 --request | hos-behavior | jq -c 'select(.event_type == "behavior_analysis") | .payload' \
  > "$dir/whole.json"
jq -c 'select(.event_type == "behavior_analysis") | .payload' "$dir/run3.jsonl" > "$dir/part.json"
jq -r '"window: \(.window_days) days, \(.engagement.days_logged) logged; sleep trend \(.metrics.sleep_duration_min.trend.direction)"' "$dir/part.json"
cmp -s "$dir/whole.json" "$dir/part.json" && echo "same behavior_analysis as the whole export at once"

echo "== the file"
hos-memory recall --user u-0001 --layer long_term --format table | cut -c1-100
