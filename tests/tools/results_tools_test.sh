#!/usr/bin/env bash
# tools/memcarlo_results.py and tools/plot_sweep.py on a real two-key endurance sweep and on a single run:
# units from the headers, swept keys as numbers, standard errors found, a plot written, bad input refused.
#   tests/tools/results_tools_test.sh MEMCARLO_BINARY      exit 0 pass, 77 skip (no pandas/matplotlib), else fail
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
memcarlo=$1
py=/usr/bin/python3
$py -c "import pandas, matplotlib" 2>/dev/null || { echo "SKIP: python3-pandas or python3-matplotlib missing" >&2; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/memcarlo-tools.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cat >"$tmp/s.yaml" <<'YAML'
name: tools_sweep
workload: endurance
seed: 3
device: {preset: hfo2_1t1r, wear: {weibull_scale: 300}}
endurance: {devices: 400, cycles: 60, checkpoints: [10, 60]}
sweep:
  grid:
    endurance.compliance: ["20 uA", "0.04 mA", 60]
    device.hrs.sigma_ln: [0.5, 0.8]
YAML
"$memcarlo" run "$tmp/s.yaml" --out "$tmp/sweep" --quiet --backend cpu || fail "the sweep did not run"
sed '/^sweep:/,$d' "$tmp/s.yaml" >"$tmp/q.yaml"  # the same scenario without its sweep: a single run
"$memcarlo" run "$tmp/q.yaml" --out "$tmp/single" --quiet --backend cpu || fail "the single run failed"
$py - "$root/tools" "$tmp/sweep" "$tmp/single" <<'PY' || fail "memcarlo_results.py"
import sys
sys.path.insert(0, sys.argv[1])
import memcarlo_results as mr
df = mr.load(sys.argv[2])
assert mr.swept(df) == ["endurance.compliance_uA", "device.hrs.sigma_ln"], mr.swept(df)
assert list(df["endurance.compliance_uA"]) == [20, 20, 40, 40, 60, 60], list(df["endurance.compliance_uA"])
assert mr.units(df)["endurance.compliance_uA"] == "uA" and mr.units(df)["energy_per_device_pJ"] == "pJ"
assert mr.error_column(df, "failed_fraction") == "failed_fraction_se"
assert (df["failed_fraction_se"] > 0).all()
cp = mr.table(sys.argv[2], "checkpoints.csv")
assert len(cp) == 12 and list(cp.columns[:3]) == ["point", "endurance.compliance_uA", "device.hrs.sigma_ln"], cp.columns[:4]
one = mr.load(sys.argv[3])
assert mr.swept(one) == [] and len(one) == 1
assert list(one.columns[:3]) == ["point", "status", "seed"] and one.columns[-1] == "error"
same = [c for c in df.columns if c not in mr.swept(df)]
assert same == list(one.columns), (same, list(one.columns))
print("memcarlo_results ok")
PY
out=$($py "$root/tools/plot_sweep.py" "$tmp/sweep" failed_fraction ber_1t1r_last_interval 2>&1) || fail "plot_sweep: $out"
[[ -s "$tmp/sweep/sweep_failed_fraction_ber_1t1r_last_interval.png" ]] || fail "no plot written ($out)"
$py "$root/tools/plot_sweep.py" "$tmp/sweep" failed_fraction --x sigma_ln --by compliance --out "$tmp/b.png" >/dev/null || fail "--x/--by"
[[ -s "$tmp/b.png" ]] || fail "no plot for --x sigma_ln"
err=$($py "$root/tools/plot_sweep.py" "$tmp/sweep" no_such_metric 2>&1); rc=$?
[[ $rc -eq 2 && "$err" == *"has no column 'no_such_metric'"* ]] || fail "a bad metric gave rc $rc: $err"
err=$($py "$root/tools/plot_sweep.py" "$tmp/single" failed_fraction 2>&1); rc=$?
[[ $rc -eq 2 && "$err" == *"single run"* ]] || fail "a single run gave rc $rc: $err"
echo "PASS"
