"""Run a hos pipeline over recorded events on Apache Spark: each partition is one `hos-run` process.

The events (JSON lines, or Parquet rows made into JSON lines) are keyed by user_id, partitioned with the
hash `hos-run --jobs N` shards by (so partition i holds the users of hos-run's shard i), sorted in each
partition by user, then time, then input order, and piped through `hos-run PIPELINE` with RDD.pipe(...,
checkCode=True): a hos-run that exits non-zero (a failed agent, bad input) fails the task, and so the job.
JSON lines pass through byte for byte; they are parsed only to read user_id and timestamp.

    spark-submit hos_spark.py PIPELINE.yaml INPUT OUTPUT [--memory URL] [-- HOS-RUN OPTIONS]
    python3 hos_spark.py --self-test      # the shard hash against the vectors hos's own tests check

contrib/spark/README.md says how to run it locally, on a standalone cluster and on a real one.
"""

import argparse
import calendar
import json
import os
import re
import shlex
import sys

# FNV-1a over 128 bits, as Sources/HOSCore/StableHash.swift: every part is followed by the byte 0x1F.
FNV_PRIME = 0x0000_0000_0100_0000_0000_0000_0000_013B
FNV_OFFSET = 0x6C62_272E_07BB_0142_62B8_2175_6295_C58D
MASK_128 = (1 << 128) - 1

# A key after every timestamp: a line without a readable one sorts last in its user, and hos-run rejects it.
NO_TIME = 1 << 80

RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([Zz])|([+-])(\d\d):(\d\d))\Z")

VECTORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "shard-vectors.tsv")


def stable_hash(*parts):
    """The 128-bit hash of the given strings, equal to `StableHash.of(parts)` in Swift."""
    h = FNV_OFFSET
    for part in parts:
        for b in part.encode("utf-8") + b"\x1f":
            h = ((h ^ b) * FNV_PRIME) & MASK_128
    return h


def shard(user, jobs):
    """The shard (0..<jobs) that `hos-run --jobs JOBS` gives a user: `StableHash.shard(of:among:)`."""
    return 0 if jobs == 1 else stable_hash("shard", user) % jobs


def time_key(timestamp):
    """An RFC 3339 date-time as nanoseconds since 1970 UTC, or NO_TIME when it is not one."""
    m = RFC3339.match(timestamp) if isinstance(timestamp, str) else None
    if m is None:
        return NO_TIME
    y, mo, d, hh, mi, ss, frac, _, sign, oh, om = m.groups()
    seconds = calendar.timegm((int(y), int(mo), int(d), int(hh), int(mi), int(ss)))
    if sign:
        offset = int(oh) * 3600 + int(om) * 60
        seconds -= offset if sign == "+" else -offset
    return seconds * 10**9 + int((frac or "0")[:9].ljust(9, "0"))


def user_and_time(line):
    """The user_id and time key of an event line; ("", NO_TIME) when it is not an event with a user.

    Such a line still goes to hos-run (with the users of shard 0), which rejects it by its --on-error
    policy: nothing is dropped here.
    """
    try:
        event = json.loads(line)
    except ValueError:
        return "", NO_TIME
    if not isinstance(event, dict) or not isinstance(event.get("user_id"), str):
        return "", NO_TIME
    return event["user_id"], time_key(event.get("timestamp"))


def keyed_lines(split, lines):
    """(user, time, split, position) → line for each line of one input split; the last two keep input order."""
    for position, line in enumerate(lines):
        user, time = user_and_time(line)
        yield (user, time, split, position), line


def without_nulls(value):
    """A struct's value with its null fields left out (Parquet gives every row the columns of all rows)."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def row_to_line(row):
    """One JSON line from a Parquet row (a dict): envelope columns as they are, payload as a JSON string
    (pasted in unchanged) or as a struct or map (written as an object, without its null fields)."""
    fields = []
    for key in sorted(row):
        value = row[key]
        if value is None:
            continue
        if key == "payload" and isinstance(value, str):
            text = value
        else:
            text = json.dumps(without_nulls(value), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        fields.append(json.dumps(key) + ":" + text)
    return "{" + ",".join(fields) + "}"


def self_test(path=VECTORS):
    """Checks shard() and stable_hash() against the vectors that HOSCoreTests checks StableHash against."""
    failures = 0
    count = 0
    with open(path, encoding="utf-8") as vectors:
        for line in vectors:
            if line.startswith("#") or not line.strip():
                continue
            user, jobs, expected_shard, expected_hash = line.rstrip("\n").split("\t")
            count += 1
            got_hash = format(stable_hash("shard", user), "032x")
            got_shard = shard(user, int(jobs))
            if got_hash != expected_hash or got_shard != int(expected_shard):
                failures += 1
                print(f"hos_spark: shard({user!r}, {jobs}) = {got_shard} (hash {got_hash}); "
                      f"expected {expected_shard} ({expected_hash})", file=sys.stderr)
    line = {"payload": {"a": None, "b": [{"c": None, "d": 1.5}]}, "user_id": "u-1", "target_agent": None}
    if row_to_line(line) != '{"payload":{"b":[{"d":1.5}]},"user_id":"u-1"}':
        failures += 1
        print(f"hos_spark: row_to_line gave {row_to_line(line)}", file=sys.stderr)
    if row_to_line({"payload": '{"x": 1}', "user_id": "é"}) != '{"payload":{"x": 1},"user_id":"é"}':
        failures += 1
        print("hos_spark: row_to_line changed a payload string", file=sys.stderr)
    if time_key("2026-01-05T01:00:00+01:00") != time_key("2026-01-05T00:00:00Z") or \
            not time_key("2026-01-05T00:00:00.5Z") < time_key("2026-01-05T00:00:01Z") < NO_TIME:
        failures += 1
        print("hos_spark: time_key orders RFC 3339 times wrongly", file=sys.stderr)
    if count < 10:
        failures += 1
        print(f"hos_spark: {path}: {count} vectors, fewer than 10", file=sys.stderr)
    print(f"hos_spark self-test: {count} shard vectors and the line and time helpers, {failures} failed")
    return failures == 0


def input_files(spark, path):
    """The files under a path (a file, a folder or a glob), sorted by name, without hidden or _ files.

    Input order, which breaks ties between a user's events of the same time, is then the files in name
    order and the lines of each file in order (sc.textFile keeps the order of the paths it is given).
    """
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    files = []
    for pattern in path.split(","):
        p = jvm.org.apache.hadoop.fs.Path(pattern)
        fs = p.getFileSystem(conf)
        for status in fs.globStatus(p) or []:
            root = status.getPath().toString()
            found = fs.listFiles(status.getPath(), True)
            while found.hasNext():
                f = found.next().getPath().toString()
                # As Hadoop's own listing: _SUCCESS, .crc files and _temporary/ folders are not input.
                if not any(part.startswith(("_", ".")) for part in f[len(root):].split("/") if part):
                    files.append(f)
    if not files:
        print(f"hos_spark: {path}: no input files", file=sys.stderr)
        raise SystemExit(66)
    return sorted(files)


def read_lines(spark, args):
    """The input as (key, line) pairs: JSON lines as read, or Parquet rows made into JSON lines."""
    if args.input_format == "parquet":
        # A timestamp column is written in UTC, whatever the session's zone was.
        spark.conf.set("spark.sql.session.timeZone", "UTC")
        frame = spark.read.parquet(*args.input.split(","))
        types = dict(frame.dtypes)
        from pyspark.sql import functions as F
        columns = [F.date_format(F.col(c), "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").alias(c)
                   if types[c] == "timestamp" else F.col(c) for c in frame.columns]
        rows = frame.select(columns).rdd.map(lambda r: row_to_line(r.asDict(recursive=True)))
        return rows.mapPartitionsWithIndex(keyed_lines)
    text = spark.sparkContext.textFile(",".join(input_files(spark, args.input)))
    return text.mapPartitionsWithIndex(keyed_lines)


def pipe_environment(spark, memory):
    """hos-run's environment on the executors: RDD.pipe gives the command this dict and nothing else.

    PATH is spark.executorEnv.PATH when set (the unpacked archive on a cluster), else the driver's (local
    and one-machine runs); every spark.executorEnv.* and the driver's HOS_* and libpq PG* variables
    (PGPASSWORD, PGPASSFILE, PGSSLROOTCERT, ...: what a postgresql:// memory needs) go too. The memory
    goes as HOS_MEMORY, not as --memory, so a database password is never in the command line that
    Spark prints when the command fails.
    """
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    env.update({k: v for k, v in os.environ.items() if k.startswith("HOS_") or k.startswith("PG")})
    prefix = "spark.executorEnv."
    env.update({k[len(prefix):]: v for k, v in spark.sparkContext.getConf().getAll() if k.startswith(prefix)})
    if memory is not None:
        env["HOS_MEMORY"] = memory
    return env


def run(args):
    """Reads, partitions, sorts, pipes through hos-run and writes the output; returns the exit status."""
    from pyspark.sql import SparkSession  # here, so that --self-test runs without pyspark

    builder = SparkSession.builder.appName("hos " + os.path.basename(args.pipeline))
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    try:
        sc = spark.sparkContext
        partitions = args.partitions or sc.defaultParallelism
        env = pipe_environment(spark, args.memory)
        if "HOS_MEMORY" not in env:
            print("hos_spark: warning: no --memory or HOS_MEMORY: each executor uses the pipeline's memory: "
                  "or ./hos-memory.sqlite in its own folder", file=sys.stderr)
        command = " ".join(shlex.quote(a) for a in ["hos-run", args.pipeline] + args.hos_run_args)
        events = read_lines(spark, args).repartitionAndSortWithinPartitions(
            partitions, lambda key: shard(key[0], partitions))
        # checkCode: without it a hos-run that failed would end its partition's output early, silently.
        out = events.values().pipe(command, env=env, checkCode=True)
        out.saveAsTextFile(args.output)
    finally:
        spark.stop()
    return 0


class Parser(argparse.ArgumentParser):
    """argparse with hos's exit status for a usage error, 64 (argparse's own is 2)."""

    def error(self, message):
        """Prints the usage and the problem, and exits 64."""
        self.print_usage(sys.stderr)
        print(f"{self.prog}: {message}", file=sys.stderr)
        raise SystemExit(64)


def parse(argv):
    """The command line: PIPELINE INPUT OUTPUT, options, and hos-run's own options after --."""
    parser = Parser(
        prog="hos_spark.py", description="Run a hos pipeline on Spark, one hos-run per partition.",
        epilog="Options after -- go to hos-run (e.g. -- --on-error skip --allow-degraded).")
    parser.add_argument("pipeline", nargs="?", help="the pipeline file, as a path on the executors")
    parser.add_argument("input", nargs="?", help="events: a file, folder or glob (comma-separated for more)")
    parser.add_argument("output", nargs="?", help="a new folder for the output events (text files)")
    parser.add_argument("--input-format", choices=["json", "parquet"], default="json",
                        help="json: JSON lines, passed on byte for byte (default); parquet: one row an event")
    parser.add_argument("--partitions", type=int, default=0,
                        help="hos-run processes (default: spark.default.parallelism)")
    parser.add_argument("--memory", help="the memory for every hos-run (HOS_MEMORY); a postgresql:// URL "
                        "on a cluster (default: HOS_MEMORY of the driver or of spark.executorEnv)")
    parser.add_argument("--master", help="the Spark master when not started by spark-submit (local[2], ...)")
    parser.add_argument("--self-test", action="store_true",
                        help="check the shard hash against contrib/spark/shard-vectors.tsv and exit")
    argv = list(argv)
    rest = []
    if "--" in argv:
        i = argv.index("--")
        argv, rest = argv[:i], argv[i + 1:]
    args = parser.parse_args(argv)
    args.hos_run_args = rest
    if not args.self_test and (args.output is None or args.partitions < 0):
        parser.error("PIPELINE, INPUT and OUTPUT are required (and --partitions is at least 1)")
    return args


def main(argv):
    """The entry point: the self-test, or a run."""
    args = parse(argv)
    if args.self_test:
        return 0 if self_test() else 1
    return run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
