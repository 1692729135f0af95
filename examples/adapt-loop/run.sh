#!/bin/sh
# Eight weekly analyses of twelve simulated users with one memory file: each week's plans are answered by
# the simulated users (hos-synth respond), and hos-adapt learns which exercise time and sleep-shift style
# each user keeps to. Printed per week: how many plan item-days carry the user's hidden preference (from
# hos-synth --truth; an item with days counts on those, else on all 7) and the adherence of the items with
# a strategy variant; then one user's last adaptation.
set -e
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export HOS_MEMORY="$dir/memory.sqlite"
hos-synth --users 12 --days 1 --seed 21 --truth "$dir/truth.json" > /dev/null
jq -r '.users[] | [.user_id, .preferences.exercise_time, .preferences.sleep_shift] | @tsv' "$dir/truth.json" > "$dir/prefs.tsv"
: > "$dir/feedback.jsonl"
echo "week  preferred item-days  adherence of those items"
for w in 1 2 3 4 5 6 7 8; do
  { cat "$dir/feedback.jsonl"; hos-synth --users 12 --days $((23 + 7 * w)) --seed 21 --request; } \
    | hos-behavior | hos-memory | hos-routine | hos-adapt --seed 21 > "$dir/out.jsonl"
  hos-synth respond --seed 21 --days 7 "$dir/out.jsonl" > "$dir/feedback.jsonl"
  jq -r 'select(.event_type == "routine_plan") | .user_id as $u | .payload.plan_id as $p
    | .payload.items[] | select(.variant != {})
    | [$u, $p, .item_id, (.variant | to_entries[0] | .key, .value), ((.days // []) | length | if . == 0 then 7 else . end)] | @tsv' \
    "$dir/out.jsonl" | sort > "$dir/items.tsv"
  jq -r '[.user_id, .payload.plan_id, .payload.item_id, .payload.status] | @tsv' "$dir/feedback.jsonl" | sort > "$dir/answers.tsv"
  awk -F'\t' -v w="$w" '
    FILENAME ~ /prefs/ { ex[$1] = $2; sl[$1] = $3; next }
    FILENAME ~ /items/ { key = $1 FS $2 FS $3; pref = ($4 == "exercise_time" ? ex[$1] : sl[$1]); hit[key] = ($5 == pref); n += $6; h += hit[key] * $6; next }
    ($1 FS $2 FS $3) in hit { s = ($4 == "completed") ? 1 : ($4 == "partial") ? 0.5 : 0; sum += s; m++ }
    END { printf "%4d  %9d of %3d  %23.3f\n", w, h, n, sum / m }' "$dir/prefs.tsv" "$dir/items.tsv" "$dir/answers.tsv"
done
echo
echo "u-0003 prefers: $(grep '^u-0003' "$dir/prefs.tsv" | cut -f2,3 | tr '\t' ' ')"
jq -r 'select(.event_type == "adaptation" and .user_id == "u-0003") | .payload
  | "difficulty: \(.difficulty.from) -> \(.difficulty.to) (\(.difficulty.rule))",
    (.experiments[] | "\(.dimension): chose \(.chosen) with probability \(.propensity); " +
      ([.arms[] | "\(.arm) \(.successes)/\(.successes + .failures) p_best \(.p_best)"] | join(", "))),
    "predicted adherence of the next plan: \(.predicted_adherence.mean) [\(.predicted_adherence.low), \(.predicted_adherence.high)]",
    "adherence by plan: \([.effectiveness.adherence[] | .adherence] | map(tostring) | join(" "))",
    "lift of the chosen arms over the others: \(.effectiveness.lift)"' "$dir/out.jsonl"
echo
echo "decisions logged: $(hos-adapt log | wc -l); off-line estimate of the greedy policy from them:"
hos-adapt evaluate --target logged greedy --format table
