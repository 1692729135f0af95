#!/bin/sh
hos-import csv daily.csv --map steps=Steps --request --archetype systematic-improver \
  | hos-validate --pass --deep \
  | jq -r '[.user_id, .event_type, .payload.date // .payload.as_of, (.payload.metrics.steps // "-")] | @tsv'
