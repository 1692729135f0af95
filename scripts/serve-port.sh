# Sourced by the scripts that start hos-serve on port 0: waits (up to 30 s) for its "listening on" line.
# wait_for_port TOOL LOG PID: sets port; a server that exits or never listens ends the script (exit 1).
wait_for_port() {
    port=""
    i=0
    while [ -z "$port" ] && [ $i -lt 300 ]; do
        port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$2")
        kill -0 "$3" 2>/dev/null || { cat "$2" >&2; exit 1; }
        sleep 0.1
        i=$((i + 1))
    done
    [ -n "$port" ] || { echo "$1: hos-serve did not start" >&2; exit 1; }
}
