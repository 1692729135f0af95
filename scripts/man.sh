#!/bin/sh
# Regenerates the man pages of every command from its --help (swift-argument-parser's generate-manual), from the
# debug build that make test has just made (the plugin builds release by default: minutes more, for nothing).
# Usage: scripts/man.sh OUTDIR DATE
set -eu
out=$1
date=$2
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
swift package $(scripts/sqlcipher.sh --flags) --allow-writing-to-directory "$tmp" generate-manual --configuration debug --multi-page --date "$date" \
    --authors "the hos developers" --output-directory "$tmp" >/dev/null 2>"$tmp.err" || { cat "$tmp.err" >&2; exit 1; }
rm -f "$tmp.err"
# The plugin also writes pages for the implicit 'help' subcommands: nobody reads those.
rm -f "$tmp"/*.help.1
# Every section-1 page is generated; hos-events.7 is written by hand.
find "$out" -name '*.1' -delete
# An empty line is not mdoc (man -l warns "Empty input line" for each): a paragraph break is .Pp.
for f in "$tmp"/*.1; do sed 's/^$/.Pp/' "$f" > "$out/$(basename "$f")"; done
