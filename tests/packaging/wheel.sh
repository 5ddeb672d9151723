#!/usr/bin/env bash
# The pip door, as a user goes through it, offline (a ctest test; see CMakeLists.txt):
#  1. `pip wheel --no-build-isolation` builds the wheel with Debian's setuptools, wheel
#     and pybind11 (setup.py drives CMake);
#  2. the wheel is installed into a fresh virtual environment made from /usr/bin/python3
#     with system site packages, and smoke.py runs there from outside the source tree, then
#     the `downline` console script it installs;
#  3. `pip install --no-build-isolation .` into a second fresh environment, smoke.py again.
# Both builds share one CMake build directory (DOWNLINE_CMAKE_BUILD_DIR), so the second
# compiles nothing. Usage: wheel.sh [WORK_DIR] (default: a new temporary directory).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${1:-$(mktemp -d)}
PY=${PYTHON:-$ROOT/.venv/bin/python}
rm -rf "$WORK" && mkdir -p "$WORK"
export DOWNLINE_CMAKE_BUILD_DIR=$WORK/cmake-build
export PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1
version=$(sed -n 's/^project(downline VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")

echo "== pip wheel (downline $version)"
"$PY" -m pip wheel --no-build-isolation --no-deps -w "$WORK/dist" "$ROOT"
wheel=$(ls "$WORK"/dist/downline-"$version"-*.whl)
echo "built $wheel"
"$PY" - "$wheel" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
need = {"downline/__init__.py", "downline/_core.pyi", "downline/py.typed", "downline/cli.py"}
assert need <= names, f"missing from the wheel: {sorted(need - names)}"
assert any(n.startswith("downline/_core.") and n.endswith(".so") for n in names), "no compiled module"
PY

echo "== the wheel in a fresh virtual environment"
/usr/bin/python3 -m venv --system-site-packages "$WORK/venv-wheel"
"$WORK/venv-wheel/bin/python" -m pip install --no-deps "$wheel"
(cd "$WORK" && "$WORK/venv-wheel/bin/python" "$ROOT/tests/packaging/smoke.py" "$version")
echo "== the downline console script of the wheel"
[[ $("$WORK/venv-wheel/bin/downline" --version) == "downline $version" ]]
"$WORK/venv-wheel/bin/downline" demo --participants 3000 --quiet | tee "$WORK/demo.txt"
grep -q "largest organisations" "$WORK/demo.txt"

echo "== pip install . in a fresh virtual environment"
/usr/bin/python3 -m venv --system-site-packages "$WORK/venv-source"
"$WORK/venv-source/bin/python" -m pip install --no-build-isolation --no-deps "$ROOT"
(cd "$WORK" && "$WORK/venv-source/bin/python" "$ROOT/tests/packaging/smoke.py" "$version")
