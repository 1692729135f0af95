#!/bin/sh
# make spark-dist: hos-run and the agents built with the Swift runtime linked in (--static-swift-stdlib), packed
# as hos.tar.gz for spark-submit --archives, and checked to start where no Swift is installed.
# Usage: scripts/spark-dist.sh OUTDIR     (contrib/spark/README.md says how a cluster uses the archive)
set -eu
out=$1
swift=${SWIFT:-swift}
# What an executor runs: hos-run and the agents; hos-synth makes the check's input and is not shipped.
# Not hos-serve: it alone links the HTTP server and BoringSSL, the long part of a release build.
products="hos-run hos-behavior hos-memory hos-nutrition hos-routine hos-insights hos-adapt"

# Linking Foundation in statically needs the C libraries' link-time files: -lcurl (FoundationNetworking,
# behind hos-llm's client) and -lxml2 (FoundationXML, behind hos-import apple-health).
missing=""
dpkg -s libcurl4-openssl-dev >/dev/null 2>&1 || missing="$missing libcurl4-openssl-dev"
dpkg -s libxml2-dev >/dev/null 2>&1 || missing="$missing libxml2-dev"
if [ -n "$missing" ]; then
    echo "spark-dist: installing$missing"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

start=$(date +%s)
# HOS_SPARK_DIST_SCRATCH: a build folder of its own (a clean build, to time it); else .build, where the
# objects of an earlier release build are reused.
flags="-c release --static-swift-stdlib${HOS_SPARK_DIST_SCRATCH:+ --scratch-path $HOS_SPARK_DIST_SCRATCH}"
for p in $products hos-synth; do
    echo "swift build $flags --product $p"
    $swift build -q $flags --product "$p"
done
bin=$($swift build $flags --show-bin-path)
echo "built in $(($(date +%s) - start)) s"

rm -rf "$out"
mkdir -p "$out/hos/bin"
# Stripped of symbols: 110 MB an executable becomes 70 MB (27 MB gzipped); a crash's backtrace then names
# addresses, not functions.
for p in $products; do
    cp "$bin/$p" "$out/hos/bin/"
    strip "$out/hos/bin/$p"
done
# hos-llm's prompt files: Bundle.module looks for them beside the executable.
cp -R "$bin/hos_HOSLLM.resources" "$out/hos/bin/"
tar -C "$out/hos" -czf "$out/hos.tar.gz" bin

# 1. No Swift library is loaded: nothing from the toolchain, no libswift*, no libFoundation*.
fail=0
for p in $products; do
    if ldd "$out/hos/bin/$p" | grep -E 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|/opt/swift'; then
        echo "spark-dist: $p still loads a Swift library (above)" >&2
        fail=1
    fi
done
[ "$fail" = 0 ] || exit 1
echo "ldd: no Swift library in any of: $products"

# 2. A bare root holding only the unpacked archive, the libraries ldd names and the loader: no /opt/swift, no
# /usr/lib/swift, no PATH. hos-run runs a real pipeline there, every agent a process of its own.
root=$(mktemp -d)
trap 'umount "$root/proc" 2>/dev/null || true; rm -rf "$root"' EXIT
mkdir -p "$root/hos" "$root/tmp" "$root/proc"
tar -C "$root/hos" -xzf "$out/hos.tar.gz"
libs=$(for p in $products; do ldd "$out/hos/bin/$p"; done | awk '/=> \// {print $3} /^\t\// {print $1}' | sort -u)
for lib in $libs; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done
"$bin/hos-synth" --users 3 --days 10 --request -o "$root/tmp/u.jsonl"
cat > "$root/hos/quick.yaml" <<'EOF'
version: 1
name: spark-dist-check
steps:
  - agent: behavior
  - agent: memory
  - agent: routine
EOF
# /proc lets an executable find its own folder (and so the agents beside hos-run); without the mount the
# check still runs, in a chroot where hos-run finds the agents through PATH.
mount -t proc proc "$root/proc" 2>/dev/null || echo "spark-dist: warning: could not mount /proc in the chroot"
env -i /usr/sbin/chroot "$root" /hos/bin/hos-run --version
env -i PATH=/hos/bin /usr/sbin/chroot "$root" /hos/bin/hos-run /hos/quick.yaml --memory /tmp/m.sqlite \
    -i /tmp/u.jsonl -o /tmp/out.jsonl
n=$(grep -c '"event_type":"analysis_complete"' "$root/tmp/out.jsonl")
[ "$n" = 3 ] || { echo "spark-dist: expected 3 analyses from the chroot, got $n" >&2; exit 1; }
echo "chroot with the archive, the loader and $(($(echo "$libs" | wc -l) - 1)) shared libraries, no Swift: 3 analyses complete"
echo "shared libraries a node needs: $(for lib in $libs; do basename "$lib"; done | tr '\n' ' ')"
echo "$out/hos.tar.gz ($(du -h "$out/hos.tar.gz" | cut -f1)): spark-submit --archives $out/hos.tar.gz#hos"
echo "spark-dist: done in $(($(date +%s) - start)) s"
