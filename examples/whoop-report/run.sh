#!/bin/sh
# A WHOOP export (four weeks, a daylight-saving change, journal answers) through the full pipeline, as a report.
set -e
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
hos-import whoop export --user whoop-me --archetype peak-performer --request \
  | hos-run ../pipelines/full-analysis.yaml --memory "$dir/memory.sqlite" --progress none > "$dir/events.jsonl"
hos-report --width 100 --insights 0 "$dir/events.jsonl"
