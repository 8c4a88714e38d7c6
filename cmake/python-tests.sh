#!/bin/sh
# The Python stage of `make test` (docs/python.md): a virtual environment under the build folder with
# nanobind, scikit-build-core, pytest and Ray from PyPI, the package built from this tree into it, then
# pytest over tests/python. The module's CMake build folder is kept in the build folder, so a second run
# rebuilds only what changed (and goes through ccache when it is installed). Prints how long each step took.
# Usage: sh cmake/python-tests.sh BUILD_DIR
set -eu
build=$(cd "$1" && pwd)
venv="$build/python-venv"
t0=$(date +%s)
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" || {
    echo "python-tests: cannot create a virtual environment (Debian: apt-get install python3-venv)" >&2; exit 1; }
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check "nanobind>=2.0" "scikit-build-core>=0.10" pytest "ray>=2.9"
t1=$(date +%s)
launcher=""
command -v ccache >/dev/null 2>&1 && launcher="-Ccmake.define.CMAKE_CXX_COMPILER_LAUNCHER=ccache"
"$venv/bin/python" -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps \
  -Cbuild-dir="$build/python-build" $launcher .
t2=$(date +%s)
CELLSCHED_CLI="$build/bin/cellsched" "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/python
t3=$(date +%s)
echo "python-tests: pip installs $((t1 - t0)) s, package build $((t2 - t1)) s, pytest $((t3 - t2)) s"
