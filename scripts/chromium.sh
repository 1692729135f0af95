# Sourced by report-check.sh and serve-check.sh: finds headless Chromium, installing Debian's package with
# apt-get when it is missing and we are root. Sets $browser, or leaves it empty after saying why.
# Usage: . scripts/chromium.sh; find_chromium NAME     (NAME prefixes the messages)
find_chromium() {
    browser=""
    for b in chromium chromium-browser; do
        if command -v "$b" >/dev/null 2>&1; then browser=$b; return 0; fi
    done
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "$1: installing chromium with apt-get (about a minute)"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || true
        command -v chromium >/dev/null 2>&1 && browser=chromium && return 0
    fi
    echo "$1: skipped: Chromium is not installed and cannot be installed here (needs root and apt-get: apt-get install chromium)"
}
