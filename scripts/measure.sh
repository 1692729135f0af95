# Sourced by the benchmarks: measure CMD prints "seconds maxrss_kb" of the median of $runs runs of CMD (output
# to /dev/null), timed by GNU time; its scratch files go in $data.
measure() {
    i=0
    : > "$data/times"
    while [ $i -lt "$runs" ]; do
        /usr/bin/time -f "%e %M" -o "$data/time1" sh -c "$1 > /dev/null"
        cat "$data/time1" >> "$data/times"
        i=$((i + 1))
    done
    sort -n "$data/times" | sed -n "$(( (runs + 1) / 2 ))p"
}
