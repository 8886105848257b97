#!/usr/bin/env bash
# dev.sh — the project's two commands (see README):
#   ./dev.sh run  [node flags...]   install what is missing, build, run a node (dashboard :8080)
#   ./dev.sh test                   install what is missing, build, run every test, then again
#                                   under AddressSanitizer + UndefinedBehaviorSanitizer
# Also: ./dev.sh setup | build [DIR] [cmake args...] | bench
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(build-essential cmake pkg-config ccache libcaf-dev liblmdb-dev libprotobuf-dev
          protobuf-compiler nlohmann-json3-dev catch2 libboost-dev libssl-dev libspdlog-dev
          libcli11-dev openssl wrk chromium)
JOBS=${JOBS:-2}

setup() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # The browser test runs on Node.js with npm. A machine may have them from elsewhere (NodeSource
  # bundles npm in its nodejs), so the commands are checked, not Debian's package names.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then missing+=(nodejs npm); fi
  if ((${#missing[@]})); then
    echo "dev.sh: installing ${missing[*]}"
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

build() {
  local dir=${1:-build}
  shift || true
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j"$JOBS"
}

run_tests() {
  local dir=$1
  (cd "$dir" && ctest --output-on-failure -j"$JOBS" --timeout 300)
}

case "${1:-}" in
  setup) setup ;;
  build) shift; setup; build "$@" ;;
  run)
    shift
    setup
    build build
    exec build/runtime/xynergy-node "$@"
    ;;
  test)
    setup
    build build
    run_tests build
    echo "dev.sh: again under AddressSanitizer + UBSan"
    build build-asan -DXYN_SANITIZE=ON -DXYN_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=print_stacktrace=1 \
      LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp run_tests build-asan
    ;;
  bench)
    setup
    build build
    for b in build/bench/bench_*; do echo "== $b"; "$b"; done
    bench/wrk/run.sh build
    ;;
  *)
    echo "usage: ./dev.sh run [node flags] | test | setup | build [DIR] [cmake args] | bench" >&2
    exit 2
    ;;
esac
