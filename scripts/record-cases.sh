#!/bin/sh
# Re-records the golden CLI cases of one tool (or one case) without touching the others:
#   scripts/record-cases.sh nutrition            scripts/record-cases.sh nutrition/0002-memory-context
# It runs each case as the test runner does (sh in the case folder, .build/debug first on PATH,
# NO_COLOR=1, HOS_MEMORY unset). Review the result with git diff.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${HOS_BIN_DIR:-$root/.build/debug}
for dir in "$root"/Tests/HOSCLITests/Cases/$1 "$root"/Tests/HOSCLITests/Cases/$1/*; do
    [ -f "$dir/cmd" ] || continue
    (
        cd "$dir"
        unset HOS_MEMORY
        input=/dev/null
        [ -f input ] && input=input
        status=0
        PATH="$bin:$PATH" NO_COLOR=1 sh -c "$(cat cmd)" < "$input" > expout 2> experr || status=$?
        if [ "$status" = 0 ]; then rm -f status; else echo "$status" > status; fi
    )
    echo "recorded ${dir#$root/Tests/HOSCLITests/Cases/}"
done
