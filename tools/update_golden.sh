#!/usr/bin/env bash
# Regenerate the golden files of the regression tests (tests/golden/<scenario>/) with the CPU backend:
#   tools/update_golden.sh                 every tests/regression/*.yaml
#   tools/update_golden.sh NAME [NAME...]  only these (e.g. mcmc_small)
# Run only when a change of results is intended, and say why in the commit message.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${MEMCARLO:-build/memcarlo}
if [ $# -gt 0 ]; then
  scenarios=()
  for n in "$@"; do scenarios+=("tests/regression/$n.yaml"); done
else
  scenarios=(tests/regression/*.yaml)
fi
for s in "${scenarios[@]}"; do
  [ -f "$s" ] || { echo "no such regression scenario: $s" >&2; exit 2; }
  name=$(basename "$s" .yaml)
  tmp=$(mktemp -d)
  "$BIN" run "$s" --backend cpu --quiet --out "$tmp/out" >/dev/null
  rm -rf "tests/golden/$name"
  mkdir -p "tests/golden/$name"
  cp "$tmp"/out/*.csv "tests/golden/$name/"
  rm -rf "$tmp"
  echo "updated tests/golden/$name"
done
