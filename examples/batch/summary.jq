# One line per user: who, how ready, how hard the plan, how many insights, which steps degraded, and
# whether the analysis is last night's again (cached) with how many new days it has.
sort_by(.user_id)[]
| [.user_id, .archetype, .payload.behavior.readiness.state, .payload.routine.difficulty,
   (.payload.insights | length), (.payload.degraded | length),
   (if .payload.cached then "cached (\(.payload.new_days) new, needs \(.payload.needs_days))" else "analysed" end)]
| @tsv
