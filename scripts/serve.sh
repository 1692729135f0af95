#!/bin/sh
# make serve: hos-serve on synthetic sample data (six users, 60 days), with a token and curl lines to paste.
# Usage: scripts/serve.sh BINDIR [PORT]
set -eu
bin=$1
port=${2:-8787}
PATH="$bin:$PATH"
export PATH
out=.build/serve
mkdir -p "$out"
rm -f "$out"/hos-memory.sqlite*
memory=$out/hos-memory.sqlite
hos-synth --users 6 --days 60 > "$out/users.jsonl"
hos-memory store --memory "$memory" "$out/users.jsonl"
token=$(hos-serve token create demo --admin --memory "$memory")
url=http://127.0.0.1:$port
cat <<TEXT
hos-serve on $url with six synthetic users (u-0001 … u-0006, 60 days each) in $memory.
A token that reaches every user (shown once; the file keeps its hash): $token

Watch an analysis in a browser: open $url/ and paste the token into its form.

Or start an analysis and follow it live with curl (paste into another terminal):

  T=$token
  id=\$(curl -s -H "Authorization: Bearer \$T" -H 'Content-Type: application/json' \\
        -d '{"user_id":"u-0001"}' $url/v1/analyses | jq -r .analysis_id)
  curl -sN -H "Authorization: Bearer \$T" $url/v1/analyses/\$id/events

Ctrl-C stops the server.
TEXT
exec hos-serve --listen "127.0.0.1:$port" --memory "$memory" --pipeline examples/pipelines/full-analysis.yaml
