#!/bin/bash
# memcarlo stands alone: `cmake --install` into a temporary prefix, move the prefix (an installation is
# relocatable), leave the checkout, and run from the installed share folder: validate every shipped scenario
# (each resolves its preset and data files there), run a small shipped scenario that reads a data file, fit the
# shipped example measurements and run a scenario of the user's own that names the fitted preset and shipped data.
# Usage: run_install_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log"
mv "$tmp/prefix" "$tmp/moved"
prefix=$tmp/moved
share=$prefix/share/memcarlo
bin=$prefix/bin/memcarlo
unset MC_PRESET_PATH MC_DATA_PATH
mkdir "$tmp/work"
cd "$tmp/work"

for f in memcarlo.schema.json quickstart.yaml devices/hfo2_1t1r.yaml; do test -f "$share/configs/$f" || { echo "not installed: configs/$f"; exit 1; }; done
for f in data/iris.csv data/example_measurements.csv tools/plot_endurance.py tools/plot_fit.py tools/memcarlo_csv.py \
         tools/baselines/endurance_numpy.py; do
  test -f "$share/$f" || { echo "not installed: $f"; exit 1; }
done
test -f "$prefix/share/doc/memcarlo/scenario-reference.md" || { echo "not installed: the scenario reference"; exit 1; }

# The installed binary uses its own share folder, never the source tree.
"$bin" validate "$share/configs/quickstart.yaml" >"$tmp/validate.txt"
grep -q "shipped files.*$share (installed)" "$tmp/validate.txt" || { cat "$tmp/validate.txt"; echo "shipped files are not the installed ones"; exit 1; }
grep -q "device preset.*($share/configs/devices/hfo2_1t1r.yaml)" "$tmp/validate.txt" || { cat "$tmp/validate.txt"; exit 1; }
for s in "$share"/configs/scenarios/*.yaml; do
  "$bin" validate "$s" >/dev/null || { echo "validate failed from the installation: $s"; exit 1; }
done

# A shipped scenario that reads ../../data/iris.csv, run from the share folder.
"$bin" run "$share/configs/scenarios/bayes_machine_iris.yaml" --out runs/iris --quiet
test -s runs/iris/results.csv

# fit, then the user's own scenario in another folder: a preset by path and shipped data by name.
"$bin" fit "$share/data/example_measurements.csv" --out mydevice.yaml --quiet
test -s mydevice.yaml && test -s mydevice_fit_report.csv
# The installed plot script (it imports its helper from the installed tools/), where matplotlib is installed.
if /usr/bin/python3 -c "import matplotlib" 2>/dev/null; then
  /usr/bin/python3 "$share/tools/plot_fit.py" mydevice_fit_report.csv >/dev/null
  test -s mydevice_fit_report.png
fi
mkdir -p project/scenarios
mv mydevice.yaml project/
cat >project/scenarios/mine.yaml <<'YAML'
workload: mcmc
seed: 3
device:
  preset: ../mydevice.yaml
mcmc:
  task: csv
  data: iris.csv
  model: logistic
  chains: 8
  iterations: 40
  thin: 5
YAML
"$bin" run project/scenarios/mine.yaml --out runs/mine --quiet
test -s runs/mine/results.csv
# MC_PRESET_PATH finds a preset by name.
mkdir presets && cp project/mydevice.yaml presets/lab.yaml
sed -e 's|preset: ../mydevice.yaml|preset: lab|' project/scenarios/mine.yaml >project/scenarios/by_name.yaml
if "$bin" validate project/scenarios/by_name.yaml >/dev/null 2>&1; then echo "found preset 'lab' without MC_PRESET_PATH"; exit 1; fi
MC_PRESET_PATH="$PWD/nowhere:$PWD/presets" "$bin" validate project/scenarios/by_name.yaml | grep -q "device preset.*lab ($PWD/presets/lab.yaml)"
echo "install test: ok ($prefix)"
