#!/bin/sh
# SQLCipher 4 as libsqlite3.so.0, for an encrypted memory file (--memory-key-file). Debian's libsqlcipher (3.4)
# is too old for hos's SQL; the PyPI source package sqlcipher3 vendors the SQLCipher amalgamation (SQLite 3.53),
# which is built here against Debian's libcrypto into a cache OUTSIDE the repository,
# ${HOS_SQLCIPHER_CACHE:-$HOME/.cache/hos-sqlcipher}/<hash of the source>/lib, and reused when present.
# Nothing of it is committed. The Makefile links hos to it by rpath; a build without it uses the system's
# SQLite, and then a memory key is refused (exit 78) rather than a file written in the clear.
#   scripts/sqlcipher.sh           build it when missing (a minute or three on two cores)
#   scripts/sqlcipher.sh --flags   swift build's linker flags for it, or nothing when it is not built
set -eu
version=0.6.4
sha256=b02a3edfc554c9197d63ab4c38a30f7682eec65b10e5be2c9285a0d6ffb7a29a
cache=${HOS_SQLCIPHER_CACHE:-$HOME/.cache/hos-sqlcipher}
# The folder names the source and this script's build recipe (r2): a change of either builds anew.
lib="$cache/$(echo "$sha256" | cut -c1-12)-r2/lib"

if [ "${1:-}" = --flags ]; then
    [ -f "$lib/libsqlite3.so.0" ] && echo "-Xlinker -L$lib -Xlinker -rpath -Xlinker $lib"
    exit 0
fi
[ -f "$lib/libsqlite3.so.0" ] && exit 0

for tool in cc python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "sqlcipher: $tool not found" >&2; exit 1; }
done
[ -f /usr/include/openssl/evp.h ] || { echo "sqlcipher: OpenSSL headers missing (apt-get install libssl-dev)" >&2; exit 1; }
mkdir -p "$cache/dl"
tarball="$cache/dl/sqlcipher3-$version.tar.gz"
if [ ! -f "$tarball" ]; then
    # pip fetches the source by name and hash; setuptools and wheel in a venv of the cache, and no build
    # isolation, so that preparing its metadata neither fetches conan nor builds OpenSSL.
    [ -x "$cache/venv/bin/pip" ] || { python3 -m venv "$cache/venv" && "$cache/venv/bin/pip" install -q setuptools wheel </dev/null; }
    echo "sqlcipher3==$version --hash=sha256:$sha256" >"$cache/dl/requirements.txt"
    "$cache/venv/bin/pip" download -q --no-deps --no-binary :all: --no-build-isolation --require-hashes \
        -r "$cache/dl/requirements.txt" -d "$cache/dl" </dev/null
fi
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar xzf "$tarball" -C "$work"
echo "sqlcipher: building SQLCipher $(sed -n 's/^#define CIPHER_VERSION_NUMBER //p' "$work/sqlcipher3-$version/vendor/sqlite3.c") into $lib"
mkdir -p "$work/lib"
# SQLCipher's own settings (no log lines of its own on stderr, whatever a program does), then the options of
# Debian's libsqlite3 that hos or GRDB may rely on.
cc -O2 -fPIC -shared -Wl,-soname,libsqlite3.so.0 -o "$work/lib/libsqlite3.so.0" \
    -DSQLITE_HAS_CODEC -DSQLCIPHER_CRYPTO_OPENSSL -DSQLITE_TEMP_STORE=2 -DSQLCIPHER_OMIT_DEFAULT_LOGGING \
    -DSQLITE_EXTRA_INIT=sqlcipher_extra_init -DSQLITE_EXTRA_SHUTDOWN=sqlcipher_extra_shutdown \
    -DSQLITE_THREADSAFE=1 -DSQLITE_USE_URI=1 -DSQLITE_SECURE_DELETE -DSQLITE_MAX_VARIABLE_NUMBER=250000 \
    -DSQLITE_ENABLE_COLUMN_METADATA -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_RTREE \
    -DSQLITE_ENABLE_MATH_FUNCTIONS -DSQLITE_ENABLE_UNLOCK_NOTIFY -DSQLITE_ENABLE_PREUPDATE_HOOK \
    -DSQLITE_ENABLE_SESSION -DSQLITE_ENABLE_STMTVTAB \
    "$work/sqlcipher3-$version/vendor/sqlite3.c" -lcrypto -lm -lpthread -ldl
ln -s libsqlite3.so.0 "$work/lib/libsqlite3.so"
mkdir -p "$(dirname "$lib")"
rm -rf "$lib"
mv "$work/lib" "$lib"
echo "sqlcipher: done"
