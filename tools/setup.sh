#!/usr/bin/env bash
# memcarlo setup: install Debian packages (idempotent), build, and run the quickstart or the tests.
#   tools/setup.sh quickstart   set up, build, run configs/quickstart.yaml and plot it
#   tools/setup.sh test         set up, build (CPU, and CUDA compile-only when nvcc exists), run all tests
#   tools/setup.sh deps|build   the individual steps
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${JOBS:-$(nproc)}

PACKAGES=(build-essential cmake ninja-build git pkg-config
          libyaml-cpp-dev librandom123-dev libcli11-dev nlohmann-json3-dev libfmt-dev
          libgtest-dev googletest libbenchmark-dev
          libeigen3-dev libopenblas-dev zlib1g-dev dataset-fashion-mnist
          python3-numpy python3-matplotlib python3-yaml python3-jsonschema python3-scipy python3-pandas
          slurmctld slurmd slurm-client munge)

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "Debian packages: all present"
    return
  fi
  log "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

find_nvcc() {
  if command -v nvcc >/dev/null 2>&1; then command -v nvcc; return; fi
  for c in /usr/local/cuda/bin/nvcc /usr/local/cuda-*/bin/nvcc; do [ -x "$c" ] && { echo "$c"; return; }; done
}

# build DIR CUDA(ON|OFF) [targets...]
configure_build() {
  local dir=$1 cuda=$2; shift 2
  local extra=()
  if [ "$cuda" = ON ]; then
    local nvcc; nvcc=$(find_nvcc)
    extra+=(-DCMAKE_CUDA_COMPILER="$nvcc")
  fi
  cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMC_ENABLE_CUDA="$cuda" "${extra[@]}" >/dev/null
  cmake --build "$dir" -j "$JOBS" "$@"
}

build() {
  if [ -n "$(find_nvcc)" ]; then
    log "building with the CUDA backend (architectures 80;90;100-real;120-real) into build/"
    configure_build build ON
  else
    log "no nvcc found: building the CPU backend only into build/"
    configure_build build OFF
  fi
}

quickstart() {
  deps
  build
  log "running configs/quickstart.yaml"
  rm -rf runs/quickstart
  ./build/memcarlo run configs/quickstart.yaml --out runs/quickstart
  /usr/bin/python3 tools/plot_endurance.py runs/quickstart
  log "plot: runs/quickstart/endurance.png"
}

run_tests() {
  deps
  build
  log "running the test suite (unit, validation, backend, regression, gpu, slurm)"
  (cd build && ctest --output-on-failure -j "$JOBS" --timeout 600)
  if [ -n "$(find_nvcc)" ]; then
    # Both sides of every MC_HAVE_CUDA #if must build: the CPU-only configuration, and its unit tests.
    log "building the CPU-only configuration into build-cpu/ (MC_ENABLE_CUDA=OFF)"
    configure_build build-cpu OFF
    (cd build-cpu && ctest --output-on-failure -j "$JOBS" -L unit)
  fi
}

case "${1:-}" in
  deps) deps ;;
  build) deps; build ;;
  quickstart) quickstart ;;
  test) run_tests ;;
  *) echo "usage: tools/setup.sh quickstart|test|deps|build" >&2; exit 2 ;;
esac
