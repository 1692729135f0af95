# One line per user: who, how ready, how hard the plan, how many insights, which steps degraded.
sort_by(.user_id)[]
| [.user_id, .archetype, .payload.behavior.readiness.state, .payload.routine.difficulty,
   (.payload.insights | length), (.payload.degraded | length)]
| @tsv
