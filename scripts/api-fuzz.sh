#!/bin/sh
# make api-fuzz: schemathesis (PyPI) fuzzes hos-serve from docs/openapi.yaml for a bounded number of examples:
# no server error, and every reply as the document says (status code, content type, headers, body schema).
# Usage: scripts/api-fuzz.sh BINDIR      (API_FUZZ_EXAMPLES: examples per operation, 50 by default;
#        API_FUZZ_SEED: a seed to replay a run; HOS_API_FUZZ_CACHE: where schemathesis is installed)
set -eu
bin=$1
examples=${API_FUZZ_EXAMPLES:-50}
cache=${HOS_API_FUZZ_CACHE:-$HOME/.cache/hos-api-fuzz}
PATH="$bin:$PATH"
export PATH
out=.build/api-fuzz
rm -rf "$out"
mkdir -p "$out"

# A virtual environment outside the clone (about 95 MB), made once and reused.
if ! "$cache/venv/bin/schemathesis" --version >/dev/null 2>&1; then
    echo "api-fuzz: installing schemathesis into $cache/venv (once)"
    mkdir -p "$cache"
    python3 -m venv "$cache/venv"
    "$cache/venv/bin/pip" install -q 'schemathesis>=4.32,<5' </dev/null
fi

# A fresh memory file with three users (u-0001 … u-0003, the document's examples) and an admin token; a rate
# high enough that the fuzzer meets the routes, not only 429 (the limit has tests of its own).
memory=$out/hos-memory.sqlite
hos-synth --users 3 --days 30 --seed 1 -o "$out/users.jsonl"
hos-memory store --memory "$memory" "$out/users.jsonl"
token=$(hos-serve token create fuzz --admin --memory "$memory")
hos-serve --listen 127.0.0.1:0 --memory "$memory" --pipeline examples/pipelines/full-analysis.yaml \
    --rate 1000/s --burst 1000 --max-body 1048576 2> "$out/serve.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
. scripts/serve-port.sh
wait_for_port api-fuzz "$out/serve.log" "$pid"

status=0
# From inside $out: schemathesis keeps its state (.schemathesis/, the example database) where it runs.
doc=$(pwd)/docs/openapi.yaml
# shellcheck disable=SC2086 # the seed option is one word or none
(cd "$out" && "$cache/venv/bin/schemathesis" run "$doc" --url "http://127.0.0.1:$port" \
    --header "Authorization: Bearer $token" --max-examples "$examples" ${API_FUZZ_SEED:+--seed $API_FUZZ_SEED} \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing,stateful --generation-database examples-db --request-timeout 30 --workers 2 --no-color \
    --report junit --report-dir . </dev/null) || status=1
kill -TERM "$pid"
wait "$pid" || { echo "api-fuzz: hos-serve did not stop cleanly (see $out/serve.log)" >&2; status=1; }
trap - EXIT
# The agents' notes pass through the server's stderr; a crash of the server or of an agent must not.
if grep -Eq 'Fatal error|Sanitizer|Segmentation|Illegal instruction' "$out/serve.log"; then
    echo "api-fuzz: a crash in $out/serve.log:" >&2
    grep -E 'Fatal error|Sanitizer|Segmentation|Illegal instruction' "$out/serve.log" | head -5 >&2
    status=1
fi
[ $status = 0 ] && echo "api-fuzz: passed ($examples examples per operation)"
exit $status
