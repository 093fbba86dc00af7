#!/usr/bin/env bash
# One command that verifies memcarlo on a GPU host, within a time budget, and writes every figure to a summary:
#   tools/gpu_check.sh [--prefix PREFIX] [--budget SECONDS] [--out DIR]
# PREFIX: where tools/bundle_debs.sh unpacked the Debian dependencies on a host without a package registry
# (leave it out where they are installed). Steps, in order; a step that would not fit in what is left of the
# budget (default 540 s) is skipped and says so, never overrun:
#   build for this GPU (CUDAARCHS from nvidia-smi, all cores), memcarlo devices, MC_REQUIRE_GPU=1 ctest -L gpu,
#   the benches (endurance 1e7 devices x 1e4 cycles, mcmc 65,536 chains, bayes_machine, crossbar_mlp's banded
#   nodal solve, bnn, bayes_nn), a 1e8-device run,
#   memcarlo compare on the quickstart and on a forced multi-batch case, compute-sanitizer (memcheck, racecheck,
#   synccheck) on small cases, and short ncu profiles when ncu is present.
# The summary (OUT/summary.txt, default runs/gpu-check) holds each step's status, time and key lines.
set -uo pipefail
cd "$(dirname "$0")/.."
PREFIX="" BUDGET=540 OUT=runs/gpu-check
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX=$2; shift 2 ;;
    --budget) BUDGET=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "usage: tools/gpu_check.sh [--prefix PREFIX] [--budget SECONDS] [--out DIR]" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
SUMMARY="$OUT/summary.txt"
START=$(date +%s)
: > "$SUMMARY"
left() { echo $((BUDGET - ($(date +%s) - START))); }
note() { echo "$*" | tee -a "$SUMMARY"; }
FAILED=0

# step NAME NEEDED_SECONDS CMD...: run CMD with a timeout of what is left, log to OUT/NAME.log, keep its key lines.
step() {
  local name=$1 need=$2; shift 2
  local l; l=$(left)
  if [ "$l" -lt "$need" ]; then note "== $name: SKIPPED (needs ~${need}s, ${l}s left)"; return 0; fi
  local t0; t0=$(date +%s)
  timeout --signal=TERM "$l" "$@" > "$OUT/$name.log" 2>&1
  local rc=$?
  local dt=$(($(date +%s) - t0))
  if [ $rc -eq 0 ]; then note "== $name: ok (${dt}s)"; else note "== $name: FAILED rc=$rc (${dt}s)"; FAILED=1; fi
  grep -E "events/s|chain-steps/s|bit-ops/s|chips/s|MACs/s|inferences/s|ratio|tests passed|tests failed|agree|DISAGREE|ERROR SUMMARY|gpu [0-9]+:|backends:|wall time|finished|Duration|Throughput|registers" \
    "$OUT/$name.log" | tail -25 | sed 's/^/   /' >> "$SUMMARY"
  return 0
}

if [ -n "$PREFIX" ]; then
  PREFIX=$(cd "$PREFIX" && pwd)
  export CMAKE_PREFIX_PATH="$PREFIX/usr" LD_LIBRARY_PATH="$PREFIX/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
fi
NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
CAP=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d '. ')
export CUDAARCHS=${CUDAARCHS:-${CAP:-90}}
note "memcarlo GPU check: $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(date -u +%FT%TZ), budget ${BUDGET}s"
note "GPU: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1 || echo 'nvidia-smi not found'); CUDAARCHS=$CUDAARCHS"
B=build-gpu/memcarlo

step build 240 bash -c "cmake -S . -B build-gpu -G '$(command -v ninja >/dev/null && echo Ninja || echo 'Unix Makefiles')' \
  -DCMAKE_BUILD_TYPE=Release -DMC_ENABLE_CUDA=ON -DCMAKE_CUDA_COMPILER='$NVCC' >/dev/null && cmake --build build-gpu -j $(nproc)"
[ -x "$B" ] || { note "no binary: stopping"; exit 1; }
step devices 5 "$B" devices
step gpu_tests 60 env MC_REQUIRE_GPU=1 ctest --test-dir build-gpu -L gpu --output-on-failure
step bench_endurance 60 "$B" bench endurance --backend cuda --devices 10000000 --cycles 10000 --no-baseline
step bench_mcmc 60 "$B" bench mcmc --backend cuda --chains 65536 --no-baseline
step bench_bayes_machine 40 "$B" bench bayes_machine --backend cuda --inferences 10000000 --no-baseline
step bench_crossbar_mlp 40 "$B" bench crossbar_mlp --backend cuda --chips 20000 --no-baseline
step bench_bnn 40 "$B" bench bnn --backend cuda --chips 16 --no-baseline
step bench_bayes_nn 30 "$B" bench bayes_nn --backend cuda --inputs 20000 --no-baseline
cat > "$OUT/run_1e8.yaml" <<'EOF'
name: gpu_check_1e8_devices
workload: endurance
device: {preset: hfo2_1t1r}
endurance: {devices: 1e8, cycles: 1000, checkpoints: [10, 100, 1000]}
EOF
rm -rf "$OUT/run_1e8"
step run_1e8_devices 60 "$B" run "$OUT/run_1e8.yaml" --backend cuda --out "$OUT/run_1e8"
rm -rf "$OUT/compare_quickstart"
step compare_quickstart 60 "$B" compare configs/quickstart.yaml --out "$OUT/compare_quickstart"
# Several launches per interval (the CUDA driver launches at most 2^32 device-cycles at a time): 3e7 devices
# x 500 cycles is about four.
cat > "$OUT/multi_batch.yaml" <<'EOF'
name: gpu_check_multi_batch
workload: endurance
device: {preset: hfo2_1t1r, wear: {weibull_scale: 3e4}}
endurance: {devices: 3e7, cycles: 1000, checkpoints: [1, 500, 1000]}
EOF
rm -rf "$OUT/compare_multi_batch"
step compare_multi_batch 90 "$B" compare "$OUT/multi_batch.yaml" --out "$OUT/compare_multi_batch"
if command -v compute-sanitizer >/dev/null; then
  for tool in memcheck racecheck synccheck; do
    step "sanitizer_$tool" 40 compute-sanitizer --tool "$tool" --error-exitcode 9 build-gpu/tests/test_gpu --gtest_brief=1
  done
else
  note "== compute-sanitizer: not found, skipped"
fi
if command -v ncu >/dev/null; then
  step ncu_endurance 60 ncu --launch-count 3 --section SpeedOfLight --section Occupancy "$B" bench endurance --backend cuda \
    --devices 1000000 --cycles 100 --no-baseline
else
  note "== ncu: not found, skipped"
fi
note "total $(($(date +%s) - START))s of ${BUDGET}s; logs in $OUT"
exit $FAILED
