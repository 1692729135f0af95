#!/bin/sh
hos-import csv daily.csv --archetype connected-explorer \
  | hos-behavior --explain \
  | jq 'select(.event_type == "behavior_analysis") | .payload | {readiness, signature, sleep_timing,
          steps: .metrics.steps, hrv: .metrics.hrv_rmssd_ms}'
