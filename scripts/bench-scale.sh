#!/bin/sh
# make bench-scale: USERS (10,000) synthetic users x 90 days through the full pipeline three ways on this
# machine, in one run: (a) hos-run --jobs 2, (b) two `hos-run worker`s on a PostgreSQL work queue, (c) Spark
# local[2] through contrib/spark/hos_spark.py. Prints wall time, CPU time of the timed command and its children
# (hos's processes, and Spark's JVM and Python workers; not the PostgreSQL server's) and each way's
# ratio to (a); checks that (b) and (c) give (a)'s analyses; ends with the per-user cost that the README's
# table of 1 M users on N machines is computed from.
# Usage: scripts/bench-scale.sh RELEASE_BINDIR   (USERS, DAYS, HOS_SPARK_VENV)
set -eu
bin=$(cd "$1" && pwd)
repo=$(pwd)
users=${USERS:-10000}
days=${DAYS:-90}
pipeline=$repo/examples/pipelines/full-analysis.yaml
venv=${HOS_SPARK_VENV:-$HOME/.cache/hos-spark}
data=$repo/.build/bench-scale
rm -rf "$data"
mkdir -p "$data"
pg=$(mktemp -d "${TMPDIR:-/tmp}/hos-bench-pg.XXXXXX")
trap 'scripts/pg.sh stop "$pg" >/dev/null 2>&1 || rm -rf "$pg"' EXIT INT TERM
PATH=$bin:$PATH
export PATH

"$bin/hos-synth" --users "$users" --days "$days" --seed 2 --request -o "$data/users.jsonl"
events=$(wc -l <"$data/users.jsonl")
echo "input: $users users x $days days, $events events ($(nproc) cores, $(uname -m))"
echo "memory: (a) a SQLite file; (b) and (c) PostgreSQL 15 on 127.0.0.1 (TLS verify-full), a database each"
echo

# Runs a command under GNU time; prints "wall cpu" (cpu: user + system of it and the children it waited for).
timed() {
    /usr/bin/time -f "%e %U %S" -o "$data/time" sh -c "$1"
    awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$data/time"
}

# Analyses without their timings, sorted: what must be the same whichever way they were computed.
norm() { jq -cS 'del(.payload.timings_ms)' "$@" | sort; }

printf '%-44s %9s %9s %9s %12s\n' way wall_s cpu_s "x (a)" users/s
row() {
    awk -v name="$1" -v w="$2" -v c="$3" -v base="$4" -v n="$users" 'BEGIN {
        printf "%-44s %9.1f %9.1f %9.2f %12.0f\n", name, w, c, (base > 0 ? w / base : 1), n / w
    }'
}

set -- $(timed "hos-run $pipeline --jobs 2 --memory $data/a.sqlite -i $data/users.jsonl > $data/a.jsonl")
a_wall=$1
a_cpu=$2
row "(a) hos-run --jobs 2" "$a_wall" "$a_cpu" "$a_wall"
norm "$data/a.jsonl" >"$data/a.norm"

. "$(scripts/pg.sh start "$pg")"
# A database of its own for each way: the URL with another database name.
database() {
    "$PGBIN/psql" "$HOS_PG_URL" -qAt -c "CREATE DATABASE $1" >/dev/null
    echo "$HOS_PG_URL" | sed "s|/hos?|/$1?|"
}
# The server's CPU seconds so far: the postmaster's and its ended backends' (reaped, so counted in its cutime).
server_cpu() {
    pid=$(head -1 "$PGDIR/data/postmaster.pid")
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($14 + $15 + $16 + $17) / hz }' "/proc/$pid/stat"
}
queue=$(database bench_b)
spark_memory=$(database bench_c)
set -- $(timed "hos-run enqueue --queue '$queue' $data/users.jsonl > /dev/null 2>&1")
echo "    enqueue: ${1} s wall, ${2} s cpu (not counted below: the queue fills while workers run)"
workers="hos-run worker $pipeline --queue '$queue' --memory '$queue' --drain 2>/dev/null"
s0=$(server_cpu)
set -- $(timed "$workers & $workers & wait")
row "(b) 2 hos-run workers, PostgreSQL queue+memory" "$1" "$2" "$a_wall"
echo "    PostgreSQL server: $(awk -v a="$s0" -v b="$(server_cpu)" 'BEGIN { printf "%.1f", b - a }') s cpu"
hos-run results --queue "$queue" >"$data/b.jsonl"
norm "$data/b.jsonl" | cmp -s - "$data/a.norm" || { echo "bench-scale: (b) differs from (a)" >&2; exit 1; }

if [ -x "$venv/bin/spark-submit" ]; then
    JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
    PYSPARK_PYTHON=$venv/bin/python
    SPARK_LOCAL_IP=127.0.0.1
    export JAVA_HOME PYSPARK_PYTHON SPARK_LOCAL_IP
    spark="$venv/bin/spark-submit --master 'local[2]' --conf spark.ui.enabled=false"
    spark="$spark --conf spark.driver.host=127.0.0.1 --driver-memory 2g"
    spark="$spark $repo/contrib/spark/hos_spark.py $pipeline $data/users.jsonl $data/c --partitions 2"
    s0=$(server_cpu)
    set -- $(timed "HOS_MEMORY='$spark_memory' $spark > $data/spark.log 2>&1")
    row "(c) Spark local[2], PostgreSQL memory" "$1" "$2" "$a_wall"
    echo "    PostgreSQL server: $(awk -v a="$s0" -v b="$(server_cpu)" 'BEGIN { printf "%.1f", b - a }') s cpu"
    cat "$data"/c/part-* | norm | cmp -s - "$data/a.norm" || { echo "bench-scale: (c) differs from (a)" >&2; exit 1; }
else
    echo "(c) Spark: skipped, no pyspark in $venv (make spark-check installs it)"
fi
echo
echo "(b) and (c) gave (a)'s $(wc -l <"$data/a.norm") analyses (timings aside)."
awk -v c="$a_cpu" -v w="$a_wall" -v n="$users" 'BEGIN {
    printf "per user: %.1f ms of CPU in (a), %.1f ms of wall time on 2 cores\n", c / n * 1000, w / n * 1000
}'
