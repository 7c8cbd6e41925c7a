# volt — one-command entry points. See README.md.
#   make run    set up, build, and run the engine on the synthetic market (offline default)
#   make test   set up, build, and run every test: release, ASan+UBSan and TSan builds, a short
#               run of every libFuzzer target, plus a short run of the bench suite
#   make fuzz   the libFuzzer targets for FUZZ_SECONDS each (default 600), or FUZZ_RUNS executions each
#               if given and reached first; a crashing input is kept in out/fuzz
#   make test-stress  the release, ASan and TSan suites STRESS_RUNS times (default 3) with stress-ng
#               hogging every core (tests/stress/under_load.sh; logs in out/stress)
#   make bench  full micro-bench run, JSON into out/bench.json
#   make bench-pipeline  the threaded pipeline at fixed offered rates, JSON into out/bench-pipeline.json
#   make perf   every number of docs/perf.md's generated tables, peers included, in one run; updates
#               docs/perf.md and docs/img/latency_vs_load.png (bench/perf)
#   make lab    every real recording -> labelled rows -> models cross-validated by session -> reports
#               -> a scored replay (VOLT_DATA, default ../shared/data; else a synthetic market);
#               LAB_FLAGS=--update-docs writes models/default.volt, docs/model_card.md, reports/
SHELL := /bin/bash
BUILD ?= build
JOBS  ?= $(shell nproc)
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: all setup build build-asan build-tsan run test test-release test-asan test-tsan test-fuzz test-stress fuzz bench bench-pipeline perf lab clean

all: build

setup:
	@bash tools/bootstrap

build: setup
	@cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@bash tools/run-demo $(BUILD)

test: test-release test-asan test-tsan test-fuzz

FUZZ_SECONDS ?= 600
FUZZ_RUNS ?= -1
fuzz-build: setup
	@CC=clang CXX=clang++ cmake -S . -B $(BUILD)-fuzz $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVOLT_SANITIZE=fuzz -DVOLT_BUILD_TESTS=OFF -DVOLT_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(BUILD)-fuzz -j $(JOBS)

test-fuzz: fuzz-build
	@echo "== tests: libFuzzer targets, 15 s each =="
	@ctest --test-dir $(BUILD)-fuzz --output-on-failure

fuzz: fuzz-build
	@for t in parse recording model journal config; do \
	  bash tests/fuzz/run_fuzz.sh $(BUILD)-fuzz/tests/fuzz/fuzz_$$t tests/fuzz/corpus/$$t $(FUZZ_SECONDS) $(FUZZ_RUNS) || exit 1; done

STRESS_RUNS ?= 3
# Every build is made before the load starts, so only the tests run under it.
test-stress: build build-asan build-tsan
	@bash tests/stress/under_load.sh $(STRESS_RUNS) $(MAKE) --no-print-directory test-release test-asan test-tsan

test-release: build
	@echo "== tests: release build =="
	@ctest --test-dir $(BUILD) --output-on-failure

build-asan: setup
	@cmake -S . -B $(BUILD)-asan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DVOLT_SANITIZE=address -DVOLT_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(BUILD)-asan -j $(JOBS)

build-tsan: setup
	@cmake -S . -B $(BUILD)-tsan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DVOLT_SANITIZE=thread -DVOLT_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(BUILD)-tsan -j $(JOBS)

test-asan: build-asan
	@echo "== tests: ASan+UBSan build =="
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(BUILD)-asan --output-on-failure

test-tsan: build-tsan
	@echo "== tests: TSan build =="
	@TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 ctest --test-dir $(BUILD)-tsan --output-on-failure

bench: build
	@mkdir -p out
	@$(BUILD)/bench/volt-bench --benchmark_out=out/bench.json --benchmark_out_format=json
	@echo "bench: JSON in out/bench.json"

# The whole pipeline at 10 k, 100 k, 1 M msg/s and at saturation (docs/perf.md).
bench-pipeline: build
	@mkdir -p out
	@test -f out/bench-market.ndjson || $(BUILD)/tools/volt-synth --minutes 600 --seed 3 --rate-mult 20 --out out/bench-market.ndjson
	@$(BUILD)/engine/volt bench-pipeline --rates 10000,100000,1000000,max --seconds 2 \
	  --json out/bench-pipeline.json out/bench-market.ndjson
	@echo "bench-pipeline: JSON in out/bench-pipeline.json"

perf: build
	@bash bench/perf --build $(BUILD) --update-doc

# every real recording in VOLT_DATA (default ../shared/data); LAB_FLAGS=--update-docs also writes
# models/default.volt, docs/model_card.md and reports/ (tools/lab/make-lab)
lab: build
	@bash tools/lab/make-lab $(BUILD) $(LAB_FLAGS)

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-tsan $(BUILD)-fuzz out
