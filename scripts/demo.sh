#!/bin/sh
# make demo: synthetic users of all six archetypes through the full pipeline, twice, shown readably.
# Usage: scripts/demo.sh BINDIR
set -eu
bin=$1
PATH="$bin:$PATH"
export PATH
out=.build/demo
mkdir -p "$out"
rm -f "$out"/hos-memory.sqlite*
memory=$out/hos-memory.sqlite

echo "== 12 synthetic users (two per archetype), 30 days each, with an analysis request per user"
echo "\$ hos-synth --users 12 --days 30 --request --truth $out/truth.json -o $out/week1.jsonl"
hos-synth --users 12 --days 30 --request --truth "$out/truth.json" -o "$out/week1.jsonl"
hos-validate "$out/week1.jsonl" | awk '/^metrics/ {skip=1} /^problems/ {skip=0} !skip'
echo
echo "== The full pipeline: behaviour, memory, nutrition and routine side by side, insights, adaptation"
hos-run graph examples/pipelines/full-analysis.yaml
echo "\$ hos-run examples/pipelines/full-analysis.yaml --memory $memory -i $out/week1.jsonl --output-mode all -o $out/run1.jsonl --status"
hos-run examples/pipelines/full-analysis.yaml --memory "$memory" -i "$out/week1.jsonl" --output-mode all \
    -o "$out/run1.jsonl" --status --progress none 2>&1 | sed 's/^/  /'
echo
echo "== A week later: each simulated user answers its plan (hos-synth respond), a week of new records,"
echo "   and a second analysis that remembers the first"
hos-synth respond --days 7 "$out/run1.jsonl" > "$out/feedback.jsonl"
hos-synth --users 12 --days 37 --request | jq -c 'select(.event_type != "health_record" or .payload.date > "2026-02-03")' \
    > "$out/week2-records.jsonl"
cat "$out/feedback.jsonl" "$out/week2-records.jsonl" > "$out/week2.jsonl"
echo "\$ hos-run examples/pipelines/full-analysis.yaml --memory $memory -i $out/week2.jsonl --output-mode all -o $out/run2.jsonl"
hos-run examples/pipelines/full-analysis.yaml --memory "$memory" -i "$out/week2.jsonl" --output-mode all \
    -o "$out/run2.jsonl" --progress none
jq -r 'select(.event_type == "analysis_complete") |
  "  \(.user_id)  \(.archetype | . + " " * (22 - length))  analyses remembered: \(.payload.memory.history.analyses_total)  feedback events matched to plan items: \(.payload.adapt.feedback.matched)  difficulty \(.payload.adapt.difficulty.from)→\(.payload.adapt.difficulty.to)"' \
    "$out/run2.jsonl"
echo
echo "== What memory added: week 2's input held only the new records; hos-memory replay (the pipeline's first"
echo "   step) gave every agent the stored days too, so the second analysis is that of both weeks"
jq -rn --slurpfile a "$out/run1.jsonl" --slurpfile b "$out/run2.jsonl" '
  def by(t; xs): [xs[] | select(.event_type == t)];
  def subjects(xs; u): [by("insight"; xs)[] | select(.user_id == u) | .payload.subject];
  def readiness(xs; u): (by("behavior_analysis"; xs)[] | select(.user_id == u) | .payload.readiness.score // "–");
  def col(n): tostring | . + " " * (n - length);
  "  user    new days  days from memory  insights  not in analysis 1  readiness 1 → 2",
  (by("analysis_complete"; $b)[] | .user_id as $u
    | [$b[] | select(.event_type == "health_record" and .user_id == $u)] as $r
    | subjects($a; $u) as $was | subjects($b; $u) as $now
    | "  \($u)  \([$r[] | select(.source_agent != "hos-memory")] | length | col(8))  \([$r[] | select(.source_agent == "hos-memory")] | length | col(16))  \($now | length | col(8))  \([$now[] | select(. as $s | $was | index($s) | not)] | length | col(17))  \(readiness($a; $u)) → \(readiness($b; $u))")'
hos-behavior < "$out/week2.jsonl" | jq -rs --slurpfile b "$out/run2.jsonl" '
  def summary(p): "\(p | map(.engagement.days_logged) | add / length | round) of 30 days logged on average, engagement \(p | map(.engagement.level) | group_by(.) | max_by(length)[0]) for most users, \(p | map(.not_computed | length) | add) parts not computed";
  "  behaviour, with memory: \(summary([$b[] | select(.event_type == "behavior_analysis") | .payload]))",
  "  and week 2 alone:       \(summary([.[] | select(.event_type == "behavior_analysis") | .payload]))"'
echo
echo "== The report of the second analysis (hos-report); the same as one HTML page: $out/report.html"
hos-report -o "$out/report.html" "$out/run2.jsonl"
echo "\$ hos-report --user u-0001 --user u-0004 --insights 2 --metrics 6 $out/run2.jsonl"
hos-report --user u-0001 --user u-0004 --insights 2 --metrics 6 "$out/run2.jsonl"
echo
echo "Events: $out/week1.jsonl, $out/week2.jsonl; results: $out/run1.jsonl, $out/run2.jsonl; memory: $memory;"
echo "planted relationships and hidden preferences: $out/truth.json; report: $out/report.html"
