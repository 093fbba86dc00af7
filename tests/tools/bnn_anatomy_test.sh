#!/usr/bin/env bash
# tools/bnn_anatomy.py, an independent NumPy model of the bnn chip, against a real bnn run on the committed
# Fashion-MNIST subset: the same error-free accuracy exactly (same folded thresholds, same inputs), the mean loss
# at BER 0.03 over 200 chips within 4 combined standard errors (other flip masks: NumPy's generator, not Philox),
# the run's data folder and inputs taken from its manifest, and bad input refused with one line and exit 2.
#   tests/tools/bnn_anatomy_test.sh MEMCARLO_BINARY      exit 0 pass, 77 skip (no numpy), else fail
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
memcarlo=$1
py=/usr/bin/python3
$py -c "import numpy" 2>/dev/null || { echo "SKIP: python3-numpy missing" >&2; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/memcarlo-anatomy.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cat >"$tmp/s.yaml" <<YAML
name: anatomy
workload: bnn
seed: 5
bnn:
  data: $root/data/fashion-mnist-small
  layers: [784, 96, 96, 10]
  epochs: 3
  chips: 200
  errors: ber
  ber: 0.03
  cache: false
YAML
"$memcarlo" run "$tmp/s.yaml" --out "$tmp/run" --quiet --backend cpu || fail "the bnn run failed"
# No --data: the run's manifest names the folder.
OMP_NUM_THREADS=1 $py "$root/tools/bnn_anatomy.py" "$tmp/run" --ber 0.03 --chips 200 --calibrate-rows 2000 --json >"$tmp/a.json" \
  || fail "bnn_anatomy.py failed"
$py - "$tmp/run/results.csv" "$tmp/a.json" <<'PY' || fail "bnn_anatomy.py disagrees with the run"
import csv, json, math, sys
run = next(csv.DictReader(open(sys.argv[1])))
a = json.load(open(sys.argv[2]))
assert abs(a["error_free_accuracy"] - float(run["error_free_accuracy"])) < 1e-12, (a["error_free_accuracy"], run["error_free_accuracy"])
lm, sm = float(run["accuracy_loss_points"]), float(run["accuracy_loss_points_se"])
la, sa = a["loss_points"]["all layers"], a["loss_points_se"]["all layers"]
assert lm > 4 * sm, ("the run's loss is not resolved", lm, sm)
assert abs(la - lm) <= 4 * math.hypot(sa, sm), (la, sa, lm, sm)
print(f"error-free {a['error_free_accuracy']:.4f} both; loss {lm:.2f} +- {sm:.2f} (memcarlo) vs {la:.2f} +- {sa:.2f} (NumPy)")
PY
out=$($py "$root/tools/bnn_anatomy.py" "$tmp/nothing" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "a folder without a model: exit $rc, expected 2"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && [[ "$out" == *model_w1.npy* ]] || fail "a folder without a model: '$out'"
out=$($py "$root/tools/bnn_anatomy.py" "$tmp/run" --data "$tmp/none" 2>&1); rc=$?
[ $rc -eq 2 ] && [[ "$out" == *t10k-images-idx3-ubyte* ]] || fail "a missing data folder: exit $rc, '$out'"
mkdir "$tmp/bad" && printf 'not numpy' >"$tmp/bad/model_w1.npy"
out=$($py "$root/tools/bnn_anatomy.py" "$tmp/bad" 2>&1); rc=$?
[ $rc -eq 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && [[ "$out" == *model_w1.npy* ]] || fail "a corrupt model file: exit $rc, '$out'"
echo "PASS"
