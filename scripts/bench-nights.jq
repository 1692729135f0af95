# make bench's nightly batch, from hos-synth's users (jq -s): night 0 holds every user's events but their
# last 3 record days, then a request; night 1 holds those 3 days for every 10th user, and a request for every user.
group_by(.user_id)[]
| (.[0].user_id | ltrimstr("u-") | tonumber) as $n
| ([.[] | select(.event_type == "health_record") | .payload.date] | unique) as $days
| $days[-3:] as $held
| (map(select(.archetype != null))[0].archetype // "Foundation Builder") as $archetype
| (if $night == 0 then .[] | select(.event_type != "health_record" or (.payload.date | IN($held[]) | not))
   elif $n % 10 == 0 then .[] | select(.event_type == "health_record" and (.payload.date | IN($held[])))
   else empty end),
  {event_id: "night\($night)-\(.[0].user_id)", event_type: "analysis_request", user_id: .[0].user_id,
   archetype: $archetype, timestamp: "\(if $night == 0 then $days[-4] else $days[-1] end)T23:00:00Z",
   source_agent: "bench", payload: {}}
