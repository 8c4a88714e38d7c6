# Thin wrapper over CMake. `make demo` runs the main job; `make test` builds everything, runs ctest, then
# the Python suite in its own virtual environment (cmake/python-tests.sh).
BUILD      ?= build
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
# 0 skips the Python stage of `make test` (CI's sanitizer run: the module is not built with them).
PYTHON_TESTS ?= 1

# Debian packages the build needs; `deps` installs the missing ones when run as root.
DEB_PACKAGES = cmake make g++ pkg-config libeigen3-dev nlohmann-json3-dev catch2 coinor-libcbc-dev \
               python3-venv python3-dev python3-pip

.PHONY: all deps configure build demo test bench fuzz clean format format-check

all: build

deps:
	@sh cmake/install-deps.sh $(DEB_PACKAGES)

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: configure
	@cmake --build $(BUILD) -j $(JOBS) --target cellsched_cli
	@sh cmake/demo.sh $(BUILD)/bin/cellsched

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@if [ "$(PYTHON_TESTS)" != 0 ]; then sh cmake/python-tests.sh $(BUILD); fi

bench: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DCELLSCHED_BUILD_BENCH=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@echo "benchmarks (each prints its figures and writes JSON; --help for options):"
	@for f in bench/*.cpp; do n=$$(basename $$f .cpp); echo "  $(BUILD)/bin/$$n"; done

# libFuzzer targets (Clang), FUZZ_SECONDS each; see docs/fuzzing.md.
FUZZ_SECONDS ?= 20
FUZZ_BUILD   ?= build-fuzzers
fuzz:
	@sh cmake/run-fuzzers.sh $(FUZZ_SECONDS) $(FUZZ_BUILD)

format:
	@find include examples bench tests \( -name '*.hpp' -o -name '*.cpp' -o -name '*.cuh' -o -name '*.cu' \) | xargs clang-format -i

format-check:
	@find include examples bench tests \( -name '*.hpp' -o -name '*.cpp' -o -name '*.cuh' -o -name '*.cu' \) | xargs clang-format --dry-run --Werror

clean:
	@rm -rf $(BUILD)
