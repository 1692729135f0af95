#!/bin/sh
# make spark-check: contrib/spark/hos_spark.py on real Spark (pyspark from PyPI, outside the clone) gives what
# hos-run --jobs 2 gives on 200 synthetic users, in local[2], from Parquet, and on a standalone master with two
# workers on 127.0.0.1; and an agent that exits non-zero fails the Spark job.
# Usage: scripts/spark-check.sh BINDIR      (HOS_SPARK_VENV: the virtual environment, ~/.cache/hos-spark)
set -eu
bin=$(cd "$1" && pwd)
repo=$(pwd)
driver=$repo/contrib/spark/hos_spark.py
pipeline=$repo/examples/pipelines/full-analysis.yaml
venv=${HOS_SPARK_VENV:-$HOME/.cache/hos-spark}
version=4.3.0
start=$(date +%s)

# pyspark (about 500 MB with its jars) once; later runs reuse it.
if ! "$venv/bin/python" -c "import pyspark, sys; sys.exit(pyspark.__version__ != '$version')" 2>/dev/null; then
    echo "spark-check: pip install pyspark==$version into $venv (once; about half a minute)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "pyspark==$version"
fi
# Java 17 from Debian, not whatever JAVA_HOME says (Spark 4 needs 17 or 21); HOS_SPARK_JAVA_HOME picks another.
JAVA_HOME=${HOS_SPARK_JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
if [ ! -x "$JAVA_HOME/bin/java" ]; then
    echo "spark-check: installing openjdk-17-jre-headless (Spark 4 runs on Java 17 or 21)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
    JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
fi
# Executors run hos_spark.py's functions with the venv's Python; everything listens on 127.0.0.1 only.
PYSPARK_PYTHON=$venv/bin/python
SPARK_LOCAL_IP=127.0.0.1
PATH=$bin:$PATH
export JAVA_HOME PYSPARK_PYTHON SPARK_LOCAL_IP PATH
submit="$venv/bin/spark-submit --conf spark.ui.enabled=false --conf spark.driver.host=127.0.0.1"

work=$(mktemp -d)
pids=""
ok=0
finish() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    for p in $pids; do wait "$p" 2>/dev/null || true; done
    if [ "$ok" = 1 ]; then
        rm -rf "$work"
    else
        for log in "$work"/*.log; do
            [ -f "$log" ] || continue
            echo "---- $log (last 30 lines)"
            tail -n 30 "$log" | cut -c1-400
        done
        echo "spark-check: FAILED; logs and data kept in $work" >&2
    fi
}
trap finish EXIT
trap 'exit 1' INT TERM

"$venv/bin/python" "$driver" --self-test

# Events come grouped by user for hos-run; Spark gets them shuffled (seeded) over three files, only a user's
# events of one time kept in their order (input order decides those ties): the driver has to regroup them
# by user and sort them by time, or requests come before records and analyses differ.
hos-synth --users 200 --days 30 --request -o "$work/users.jsonl"
mkdir "$work/shuffled"
"$venv/bin/python" - "$work/users.jsonl" "$work/shuffled" <<'EOF'
import json, random, sys
ties = {}
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    ties.setdefault((e["user_id"], e["timestamp"]), []).append(line)
groups = list(ties.values())
random.Random(23).shuffle(groups)
lines = [line for group in groups for line in group]
third = len(lines) // 3 + 1
for i in range(3):
    with open(f"{sys.argv[2]}/part-{i}.jsonl", "w", encoding="utf-8") as f:
        f.writelines(lines[i * third:(i + 1) * third])
EOF

# analysis_complete's timings_ms is wall-clock time; everything else must be equal byte for byte.
normalized() {
    sed 's/,"timings_ms":{[^{}]*}//' "$@" | sort
}
expect_same() { # NAME OUTPUTDIR
    cat "$2"/part-* > "$work/$1.jsonl"
    normalized "$work/$1.jsonl" > "$work/$1.sorted"
    if grep -q timings_ms "$work/$1.sorted" || ! cmp -s "$work/expected.sorted" "$work/$1.sorted"; then
        echo "spark-check: $1: the Spark output differs from hos-run --jobs 2 (first differences):" >&2
        diff "$work/expected.sorted" "$work/$1.sorted" | cut -c1-300 | head -n 6 >&2
        exit 1
    fi
    echo "$1: $(wc -l < "$work/$1.jsonl") events from $(ls "$2"/part-* | wc -l) partitions, equal to hos-run --jobs 2's"
}

echo "hos-run full-analysis.yaml --jobs 2 on 200 users (SQLite memory)"
hos-run "$pipeline" --jobs 2 --memory "$work/expected.sqlite" -i "$work/users.jsonl" -o "$work/expected.jsonl" \
    --progress none
normalized "$work/expected.jsonl" > "$work/expected.sorted"
n=$(grep -c '"event_type":"analysis_complete"' "$work/expected.jsonl")
[ "$n" = 200 ] || { echo "spark-check: hos-run made $n analyses, not 200" >&2; exit 1; }

# 1. local[2]: two executor threads, two hos-run processes sharing one memory file.
echo "Spark local[2]"
$submit --master 'local[2]' "$driver" "$pipeline" "$work/shuffled" "$work/local-out" --partitions 2 \
    --memory "$work/local.sqlite" > "$work/local.log" 2>&1
expect_same local "$work/local-out"

# 2. The same events as Parquet (payload a JSON string column), through --input-format parquet.
"$venv/bin/python" - "$work/shuffled" "$work/events.parquet" > "$work/parquet-write.log" 2>&1 <<'EOF'
import glob, json, sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
keys = ("event_id", "event_type", "source_agent", "user_id", "archetype", "analysis_id", "timestamp")
def row(line):
    e = json.loads(line)
    return tuple(e.get(k) for k in keys) + (json.dumps(e["payload"], separators=(",", ":")),)
rows = spark.sparkContext.textFile(",".join(sorted(glob.glob(sys.argv[1] + "/*.jsonl")))).map(row)
frame = spark.createDataFrame(rows, ", ".join(f"{k} string" for k in keys + ("payload",)))
frame.coalesce(1).write.parquet(sys.argv[2])  # one file: the rows keep their order, which decides ties
spark.stop()
EOF
$submit --master 'local[2]' "$driver" "$pipeline" "$work/events.parquet" "$work/parquet-out" --partitions 2 \
    --input-format parquet --memory "$work/parquet.sqlite" > "$work/parquet.log" 2>&1
expect_same parquet "$work/parquet-out"

# 3. An agent that exits non-zero (hos-run runs any hos-NAME on PATH as agent: NAME) fails the job.
mkdir "$work/fail-bin"
cat > "$work/fail-bin/hos-fail" <<'EOF'
#!/bin/sh
# An agent that fails at once, for spark-check.
echo "hos-fail: failing on purpose" >&2
exit 3
EOF
chmod +x "$work/fail-bin/hos-fail"
cat > "$work/fail.yaml" <<'EOF'
version: 1
name: failing
defaults: {retries: 0, on_failure: fail}
steps:
  - agent: behavior
  - agent: fail
EOF
if PATH=$work/fail-bin:$PATH $submit --master 'local[2]' "$driver" "$work/fail.yaml" "$work/shuffled" \
    "$work/fail-out" --memory "$work/fail.sqlite" > "$work/fail.log" 2>&1; then
    echo "spark-check: the job with a failing agent exited 0" >&2
    exit 1
fi
grep -q "hos-fail: failing on purpose" "$work/fail.log" || { echo "spark-check: the agent's error is not in the driver's log" >&2; exit 1; }
grep -q "PIPE_FUNCTION_EXITED" "$work/fail.log" || { echo "spark-check: no PIPE_FUNCTION_EXITED in the driver's log" >&2; exit 1; }
echo "failing agent: the job fails ($(grep -o 'exited with error code [0-9]*' "$work/fail.log" | head -n 1)), the agent's error in the log"

# 4. A standalone master and two workers on 127.0.0.1, the binaries shipped as on a cluster: an archive
# (--archives) unpacked in each executor's folder, found through spark.executorEnv.PATH, and the pipeline
# file sent with --files. The archive holds scripts that exec the debug build here (Spark refuses symbolic
# links out of an archive, and the debug executables are 40 MB each; make spark-dist checks the real ones).
# A .tar.gz, not a .tar: Spark unpacks a plain .tar without the files' modes, and nothing would be executable.
ports=$("$venv/bin/python" -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')
set -- $ports
master_port=$1
class="$venv/bin/spark-class"
"$class" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$master_port" --webui-port "$2" \
    > "$work/master.log" 2>&1 &
pids="$pids $!"
for i in 1 2; do
    eval "webui=\$$((i + 2))"
    SPARK_WORKER_MEMORY=1g "$class" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 \
        --webui-port "$webui" --work-dir "$work/worker$i" "spark://127.0.0.1:$master_port" \
        > "$work/worker$i.log" 2>&1 &
    pids="$pids $!"
done
tries=0
until [ "$(grep -c 'Registering worker' "$work/master.log" 2>/dev/null)" = 2 ]; do
    tries=$((tries + 1))
    [ "$tries" -le 120 ] || { echo "spark-check: the workers did not register within 60 s" >&2; exit 1; }
    sleep 0.5
done
mkdir -p "$work/dist/bin"
for tool in hos-run hos-behavior hos-memory hos-nutrition hos-routine hos-insights hos-adapt; do
    printf '#!/bin/sh\nexec %s "$@"\n' "$bin/$tool" > "$work/dist/bin/$tool"
    chmod +x "$work/dist/bin/$tool"
done
tar -C "$work/dist" -czf "$work/hos.tar.gz" bin
echo "Spark standalone: a master and two workers on 127.0.0.1:$master_port"
$submit --master "spark://127.0.0.1:$master_port" --executor-memory 512m --total-executor-cores 2 \
    --archives "$work/hos.tar.gz#hos" --files "$pipeline" --conf spark.executorEnv.PATH=hos/bin:/usr/bin:/bin \
    "$driver" full-analysis.yaml "$work/shuffled" "$work/standalone-out" --partitions 2 \
    --memory "$work/standalone.sqlite" > "$work/standalone.log" 2>&1
expect_same standalone "$work/standalone-out"
# Each worker ran an executor: the job was spread over both.
for i in 1 2; do
    ls -d "$work/worker$i"/app-* > /dev/null 2>&1 || { echo "spark-check: worker $i ran no executor" >&2; exit 1; }
done

ok=1
echo "spark-check: passed in $(($(date +%s) - start)) s"
