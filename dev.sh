#!/usr/bin/env bash
# The project's one entry point: installs what is missing, builds, then runs a job.
#   ./dev.sh demo [ARGS]   `downline demo [ARGS]`: a generated sample company (CSV in demo-data/)
#   ./dev.sh test          every test, C++ (ctest) and Python (pytest)
#   ./dev.sh bench [ARGS]  the benchmarks (see benchmarks/README.md)
#   ./dev.sh sanitize      the C++ and Python tests on an ASan + UBSan build (build-asan/)
#   ./dev.sh fuzz [SEC]    each libFuzzer target for SEC seconds (default 30; build-fuzz/)
#   ./dev.sh build         only install and build
# Quick when nothing changed: packages are checked with dpkg, the build is incremental.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
BUILD=${DOWNLINE_BUILD_DIR:-$ROOT/build}
PY=$ROOT/.venv/bin/python

PACKAGES=(g++ cmake ninja-build libboost-dev libboost-graph-dev libeigen3-dev nlohmann-json3-dev pybind11-dev doctest-dev
          python3 python3-dev python3-venv python3-pip python3-setuptools python3-wheel
          python3-numpy python3-pandas python3-scipy python3-pytest python3-statsmodels python3-matplotlib
          python3-nbformat python3-nbclient python3-ipykernel python3-jinja2 python3-tqdm python3-notebook
          chromium
          clang libclang-rt-14-dev)

say() { printf '[dev.sh] %s\n' "$*" >&2; }

ensure_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  say "installing Debian packages: ${missing[*]}"
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_venv() {
  if [[ ! -x $PY ]]; then
    say "creating .venv from /usr/bin/python3 (with system site packages)"
    /usr/bin/python3 -m venv --system-site-packages "$ROOT/.venv"
  fi
  # The package is used from the source tree: python/ on sys.path, _core built into it.
  local site
  site=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  [[ -f $site/downline-dev.pth ]] || echo "$ROOT/python" > "$site/downline-dev.pth"
  # The command line as pip would install it: .venv/bin/downline.
  if [[ ! -x $ROOT/.venv/bin/downline ]]; then
    printf '#!%s\nimport sys\nfrom downline.cli import main\nsys.exit(main())\n' "$PY" > "$ROOT/.venv/bin/downline"
    chmod +x "$ROOT/.venv/bin/downline"
  fi
  # A Jupyter kernel on this interpreter, "Python (downline)", which the notebooks name.
  if [[ ! -f $ROOT/.venv/share/jupyter/kernels/downline/kernel.json ]]; then
    "$PY" -Xfrozen_modules=off -m ipykernel install --sys-prefix --name downline --display-name "Python (downline)" >/dev/null
  fi
}

build() {
  ensure_packages
  ensure_venv
  if [[ ! -f $BUILD/CMakeCache.txt ]]; then
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDOWNLINE_WERROR=ON \
      -DDOWNLINE_BUILD_PYTHON=ON -DPython_EXECUTABLE="$PY" >/dev/null
  fi
  cmake --build "$BUILD"
}

# The C++ tests, then the Python tests (all but the notebook, whose kernel is another
# process), on a build with AddressSanitizer and UndefinedBehaviorSanitizer: any report
# fails the run. Python is not instrumented, so the sanitizer runtimes are preloaded and
# leak checking is off in the Python run (the interpreter keeps objects until exit).
sanitize() {
  ensure_packages
  ensure_venv
  local b=${DOWNLINE_ASAN_BUILD_DIR:-$ROOT/build-asan}
  if [[ ! -f $b/CMakeCache.txt ]]; then
    cmake -S "$ROOT" -B "$b" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOWNLINE_SANITIZE=ON \
      -DDOWNLINE_WERROR=ON -DDOWNLINE_BUILD_PYTHON=ON -DPython_EXECUTABLE="$PY" \
      -DDOWNLINE_PYTHON_OUTPUT_DIR="$b/python/downline" -DDOWNLINE_BUILD_BENCHMARKS=OFF \
      -DDOWNLINE_BUILD_CLI=OFF -DDOWNLINE_INSTALL=OFF >/dev/null
  fi
  cmake --build "$b" --target downline_tests _core
  say "C++ tests under ASan + UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$b/tests/cpp/downline_tests"
  # the pure-Python package beside the sanitized _core
  local f
  for f in "$ROOT"/python/downline/*.py "$ROOT"/python/downline/*.pyi "$ROOT"/python/downline/py.typed; do
    ln -sf "$f" "$b/python/downline/"
  done
  say "Python tests under ASan + UBSan"
  LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" \
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    DOWNLINE_EXPECT_CORE="$b/python/downline" PYTHONPATH="$b/python" \
    "$PY" -m pytest "$ROOT/tests/python" -q -p no:cacheprovider --ignore="$ROOT/tests/python/test_notebook.py" "$@"
}

cmd=${1:-help}
shift || true
case $cmd in
  build) build ;;
  demo)
    build >&2
    cd "$ROOT" && exec "$ROOT/.venv/bin/downline" demo "$@" ;;
  test)
    build
    ctest --test-dir "$BUILD" --output-on-failure
    "$PY" -m pytest "$ROOT/tests/python" -q -p no:cacheprovider "$@" ;;
  sanitize) sanitize "$@" ;;
  fuzz)
    ensure_packages
    exec "$ROOT/tests/fuzz/run.sh" "$@" ;;
  bench)
    build >&2
    exec "$PY" "$ROOT/benchmarks/run.py" --build-dir "$BUILD" "$@" ;;
  *)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    [[ $cmd == help ]] ;;
esac
