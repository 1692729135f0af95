#!/bin/sh
# make lint: the format (swift-format, strict, .swift-format at the root), functions of at most 80 lines
# (scripts/long-functions.py), and a build of hos's own code in which a compiler warning is an error.
set -u
cd "$(dirname "$0")/.."
status=0
echo "lint: swift-format (strict)"
swift format lint --strict --recursive --parallel Package.swift Sources Tests || status=1
echo "lint: functions over 80 lines"
python3 scripts/long-functions.py || status=1
echo "lint: compiler warnings (build in .build-lint, warnings as errors)"
mkdir -p .build-lint
HOS_WERROR=1 swift build --build-tests --scratch-path .build-lint >.build-lint/lint.log 2>&1 || {
    grep -E "(error|warning):" .build-lint/lint.log | sort -u | head -40
    status=1
}
[ $status -eq 0 ] && echo "lint: clean" || echo "lint: failed"
exit $status
