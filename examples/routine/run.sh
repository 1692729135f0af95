#!/bin/sh
# Three synthetic users (Peak Performer, Systematic Improver, Transformation Seeker), a month each:
# behaviour analysis, then one routine plan per user, shown as a timeline with the reasoning.
hos-synth --users 3 --days 30 --seed 11 --request \
  | hos-behavior \
  | hos-routine --explain \
  | jq -r 'select(.event_type == "routine_plan") | .archetype as $a | .payload
      | "== \(.date)  \($a)  focus \(.focus), difficulty \(.difficulty), wake \(.wake), lights out \(.bedtime)",
        (.items[] | "  \(.start)  \(.duration_min | tostring | (" " * (3 - length)) + .) min  \(.category | . + " " * (11 - length)) i\(.intensity)  \(.title)"),
        "  why (exercise): \(.items[] | select(.category == "exercise") | .why)",
        (.explain[] | "  - \(.)"), ""'
