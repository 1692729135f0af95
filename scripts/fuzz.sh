#!/bin/sh
# make fuzz / make fuzz-ci: builds the libFuzzer targets of Tests/Fuzz and runs each for a set time.
# Usage: scripts/fuzz.sh SECONDS [TARGET...]        (targets: jsonl yaml csv; all when none is named)
#
# The targets are a package of their own (Tests/Fuzz/Package.swift), built with -sanitize=fuzzer,address into
# .build-fuzz, so `swift build` of hos never sees them. Each run starts from the committed seeds
# (Tests/Fuzz/TARGET/corpus, only read) and the corpus grown by earlier runs (.build-fuzz/corpus/TARGET, where
# new inputs go). Any crash, failed property, leak, timeout (10 s for one input) or memory blow-up
# (2 GiB) fails the run: the input is kept in .build-fuzz/artifacts/TARGET and the command that reproduces it
# is printed. Inputs of open findings (Tests/Fuzz/TARGET/known) are run once and reported, not failed. The last lines sum up each target: executions, executions per second, coverage (cov: edges,
# ft: features) and corpus size.
set -eu
seconds=${1:?usage: scripts/fuzz.sh SECONDS [TARGET...]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
targets=${*:-jsonl yaml csv}
scratch=$root/.build-fuzz
bin=$scratch/debug

# libFuzzer and the sanitizers' runtimes come with the Swift toolchain's clang: nothing to install. The build is
# a debug one on purpose: it keeps the bounds checks of UnsafeBufferPointer, which the parsers index directly.
mkdir -p "$scratch"
start=$(date +%s)
if ! swift build --package-path Tests/Fuzz --scratch-path "$scratch" \
        -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address >"$scratch/build.log" 2>&1; then
    grep -v 'Cannot export local symbol' "$scratch/build.log" | tail -40
    echo "fuzz: the build failed (full log: $scratch/build.log)" >&2
    exit 1
fi
echo "fuzz: built in $(( $(date +%s) - start )) s"

# Swift's own crash backtracer would run inside the sanitizer's report; libFuzzer prints the stack instead.
SWIFT_BACKTRACE=enable=no
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
export SWIFT_BACKTRACE ASAN_OPTIONS

summary=""
failed=""
for t in $targets; do
    [ -d "Tests/Fuzz/$t/corpus" ] || { echo "fuzz: no target '$t' (Tests/Fuzz/$t/corpus)" >&2; exit 64; }
    mkdir -p "$scratch/corpus/$t" "$scratch/artifacts/$t"
    log=$scratch/$t.log
    # hos-import reports each bad row on stderr; closing the target's stderr keeps the log to libFuzzer's lines
    # (sanitizer reports still come through; reproduce a crash for the target's own message).
    extra=""
    [ "$t" = csv ] && extra=-close_fd_mask=2
    echo "fuzz: $t for $seconds s"
    status=0
    "$bin/fuzz-$t" $extra -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
        -detect_leaks=1 -max_len=8192 -dict="Tests/Fuzz/$t/$t.dict" -print_final_stats=1 \
        -artifact_prefix="$scratch/artifacts/$t/" "$scratch/corpus/$t" "Tests/Fuzz/$t/corpus" >"$log" 2>&1 \
        || status=$?
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(echo "$done_line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$done_line" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$done_line" | sed -n 's/.*corp: \([^ ]*\).*/\1/p')
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    if [ "$status" -ne 0 ]; then
        grep -E 'ERROR|Fatal error|SUMMARY|fuzz property broken|Test unit written' "$log" | head -20
        artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
        echo "fuzz: $t FAILED (exit $status); log: $log"
        [ -n "$artifact" ] && echo "fuzz: reproduce: SWIFT_BACKTRACE=enable=no $bin/fuzz-$t $artifact"
        failed="$failed $t"
    fi
    summary="$summary$(printf '%-6s %6s s  %9s runs  %6s exec/s  cov %5s  ft %6s  corpus %s  %s' \
        "$t" "$seconds" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" \
        "$([ "$status" -eq 0 ] && echo clean || echo FAILED)")
"
done
printf '%s' "$summary"
# Inputs of findings still open (Tests/Fuzz/TARGET/known): each is run once and reported, without failing the
# run, so that a fix shows at once; a fixed one moves into TARGET/corpus, where it then guards the fix.
for t in $targets; do
    for k in Tests/Fuzz/$t/known/*; do
        [ -f "$k" ] || continue
        if "$bin/fuzz-$t" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 "$k" >"$scratch/known.log" 2>&1; then
            echo "fuzz: $k now passes: move it into Tests/Fuzz/$t/corpus"
        else
            echo "fuzz: warning: $k still fails (known, open): $(grep -m1 -E 'SUMMARY|Fatal error' "$scratch/known.log")"
        fi
    done
done
if [ -n "$failed" ]; then
    echo "fuzz: failed:$failed"
    exit 1
fi
echo "fuzz: every target clean"
