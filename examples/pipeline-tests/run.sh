#!/bin/sh
# Pipeline unit tests: real processes, a fresh memory file per test, a step replaced by fixed output.
set -eu
hos-run test tests.yaml
