# fabcheck — the two commands of README.md, and the targets behind them.
#   make run    install missing packages, build, run the default job on this machine
#   make test   install missing packages, build, run every test (g++), then again under
#               ASan/UBSan (clang)
# Other targets: deps, build, build-asan, fuzz, bench, verbs-selftest, clean.
#   make fuzz    every libFuzzer target of tests/fuzz for FUZZ_SECONDS each (default 600), new
#                inputs to FUZZ_WORK (default build-asan/fuzz-work), never to the checked-in seeds
#                (FUZZ_TARGETS: a subset, e.g. "suite_fuzz slo_fuzz"; FUZZ_RUNS=1000000: stop each
#                target after that many executions, or after FUZZ_SECONDS if that comes first)
#   make verbs-selftest   fabcheck's verbs pair tool beside perftest on this host's RDMA device
#                         (VERBS_SELFTEST_ARGS: -d DEV, -x GID, --peer HOST...; see its --help)

BUILD      ?= build
BUILD_ASAN ?= build-asan
CMAKE_GEN  := -G Ninja
JOBS       ?= $(shell nproc)
# Debug info of the RelWithDebInfo build: full by default; .ci/run asks for line tables only
# (-g1: backtraces keep file:line) to save a sixth of each file's compile time.
DEBUG_INFO ?= -g
# Debian's interpreter has pybind11 and pytest; the python3 on PATH may not (DESIGN.md).
PYTHON     ?= /usr/bin/python3

export CCACHE_DIR ?= $(HOME)/.cache/fabcheck-ccache
# Paths relative to the checkout in the cache key: clones and build directories share hits.
export CCACHE_BASEDIR ?= $(CURDIR)

.PHONY: all deps build build-asan run test test-unit fuzz bench verbs-selftest clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFABCHECK_WERROR=ON \
	  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 $(DEBUG_INFO) -DNDEBUG" -DPython_EXECUTABLE=$(PYTHON)

# The sanitizer build uses clang, so every `make test` compiles with both g++ and clang.
$(BUILD_ASAN)/build.ninja: | deps
	cmake -S . -B $(BUILD_ASAN) $(CMAKE_GEN) -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DFABCHECK_WERROR=ON \
	  -DFABCHECK_SANITIZE=ON -DFABCHECK_BUILD_BENCH=OFF -DPython_EXECUTABLE=$(PYTHON)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps $(BUILD_ASAN)/build.ninja
	cmake --build $(BUILD_ASAN) -j $(JOBS)

run: build
	@bash scripts/run-default.sh $(BUILD)/fabcheck

# Every test of the normal build (g++), then every test again under ASan/UBSan (clang).
test: build build-asan
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 300
	cd $(BUILD_ASAN) && ctest --output-on-failure -j $(JOBS) --timeout 300

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

FUZZ_SECONDS ?= 600
FUZZ_WORK    ?= $(BUILD_ASAN)/fuzz-work
FUZZ_TARGETS ?=
FUZZ_RUNS    ?=
fuzz: build-asan
	@bash scripts/run-fuzz --build $(BUILD_ASAN) --seconds $(FUZZ_SECONDS) --work $(FUZZ_WORK) \
	  $(if $(FUZZ_RUNS),--runs $(FUZZ_RUNS)) $(FUZZ_TARGETS)

bench: build
	@bash bench/compare-udp $(BUILD)/fabcheck
	@bash bench/compare-pingpong $(BUILD)/fabcheck
	@bash bench/pacer-accuracy $(BUILD)/fabcheck
	@bash bench/counter-sampling $(BUILD)/fabcheck
	@bash bench/matrix-false-alarms $(BUILD)/fabcheck
	@bash bench/compare-tcp $(BUILD)/fabcheck
	@bash bench/collective-tcp $(BUILD)/fabcheck loopback
	@if [ "$$(id -u)" -eq 0 ]; then bash bench/collective-tcp $(BUILD)/fabcheck fabric; fi
	$(BUILD)/bench/histogram_bench --benchmark_min_time=0.2
	FABCHECK_BIN=$(BUILD)/fabcheck $(BUILD)/bench/runner_bench
	$(BUILD)/bench/collective_plan_bench
	FABCHECK_BUSBW_ROUNDS=5 FABCHECK_BIN=$(BUILD)/fabcheck $(BUILD)/bench/collective_busbw_bench

VERBS_SELFTEST_ARGS ?=
verbs-selftest: build
	@bash scripts/verbs-selftest --fabcheck $(BUILD)/fabcheck $(VERBS_SELFTEST_ARGS)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
