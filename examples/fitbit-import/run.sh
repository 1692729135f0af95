#!/bin/sh
hos-import fitbit fitabase --request \
  | jq -c 'select(.event_type == "health_record") | {user_id, date: .payload.date, metrics: .payload.metrics}'
