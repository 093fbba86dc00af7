#!/usr/bin/env bash
# Regenerate the golden files of the regression tests (tests/golden/<scenario>/) with the CPU backend.
# Run only when a change of results is intended, and say why in the commit message.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${MEMCARLO:-build/memcarlo}
for s in tests/regression/*.yaml; do
  name=$(basename "$s" .yaml)
  tmp=$(mktemp -d)
  "$BIN" run "$s" --backend cpu --quiet --out "$tmp/out" >/dev/null
  rm -rf "tests/golden/$name"
  mkdir -p "tests/golden/$name"
  cp "$tmp"/out/*.csv "tests/golden/$name/"
  rm -rf "$tmp"
  echo "updated tests/golden/$name"
done
