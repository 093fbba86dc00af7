#!/usr/bin/env bash
# End-to-end test of `memcarlo submit --slurm` against a real single-node Slurm (munged + slurmctld + slurmd
# on loopback) that this script starts with tools/slurm_local.sh and always stops again (trap), even on
# failure or Ctrl-C.
#
#   tests/slurm/run_slurm_test.sh MEMCARLO_BINARY
#
# Exit 0: passed. Exit 77: skipped (not root, or Slurm/munge not installed). Anything else: failed.
# KEEP_TMP=1 keeps the temporary folder (cluster logs, job outputs) even when the test passes.
# shellcheck disable=SC2317  # cleanup and helpers run from traps
set -uo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 MEMCARLO_BINARY" >&2
  exit 2
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
memcarlo=$1
case "$memcarlo" in */*) memcarlo=$(cd "$(dirname "$memcarlo")" && pwd)/$(basename "$memcarlo") ;; esac
scenario=$root/tests/slurm/sweep_small.yaml
slurm_local=$root/tools/slurm_local.sh
npoints=6
ntasks=3
poll_timeout=90

t0=$(date +%s.%N)
elapsed() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%5.1fs", b - a }'; }
step() { echo "[$(elapsed)] $*"; }
fail() {
  echo "[$(elapsed)] FAIL: $*" >&2
  exit 1
}
indent() { printf '%s\n' "$1" | sed 's/^/    | /'; }
skip() {
  echo "SKIP: $*" >&2
  exit 77
}

[[ -x "$memcarlo" ]] || fail "memcarlo binary '$1' not found or not executable"
[[ $EUID -eq 0 ]] || skip "needs root to run slurmd and munged"
for prog in sbatch squeue scontrol sinfo slurmctld slurmd munged; do
  command -v "$prog" >/dev/null || [[ -x /usr/sbin/$prog ]] ||
    skip "$prog not installed (apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge)"
done
command -v python3 >/dev/null || fail "python3 is needed to check results.csv"

# Nothing from an enclosing Slurm job or the caller's environment may steer our sbatch/squeue.
while read -r var; do unset "$var"; done < <(compgen -e | grep -E '^(SLURM|SBATCH|SALLOC|SRUN|SQUEUE)_' || true)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/memcarlo-slurm.XXXXXX") || fail "mktemp failed"
chmod 0755 "$tmp" # munged runs as user munge and keeps its socket under $tmp/cluster
cluster=$tmp/cluster
status=1

leftover_processes() {  # live processes still tied to the test: files or cwd under $tmp, or SLURM_CONF of ours
  local pid st cmdline
  local -a args
  for pid in $({
    find /proc/[0-9]*/fd /proc/[0-9]*/cwd -maxdepth 1 -lname "$tmp/*" 2>/dev/null
    grep -laF -- "$cluster/" /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null
  } | cut -d/ -f3 | sort -u); do
    [[ $pid == "$$" ]] && continue
    { read -r st <"/proc/$pid/stat"; } 2>/dev/null || continue # gone (the scan's own find and grep)
    st=${st##*) }
    [[ ${st%% *} == Z ]] && continue
    mapfile -d '' args <"/proc/$pid/cmdline" 2>/dev/null || true
    cmdline="${args[*]}"
    echo "$pid ${cmdline:-?}"
  done
}

dump_diagnostics() {
  local f
  echo "----- diagnostics (temporary folder kept: $tmp) -----" >&2
  for f in "$cluster"/log/*.log "$cluster/jobcomp.txt"; do
    [[ -f "$f" ]] || continue
    echo "----- $f (last 30 lines) -----" >&2
    tail -n 30 "$f" >&2
  done
  while IFS= read -r -d '' f; do
    echo "----- $f (last 20 lines) -----" >&2
    tail -n 20 "$f" >&2
  done < <(find "$tmp/out" "$tmp/out2" -type f \( -name '*.out' -o -name '*.err' -o -name '*.log' \) -print0 2>/dev/null)
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ $status -ne 0 && $rc -eq 0 ]]; then rc=1; fi
  if [[ $rc -ne 0 ]]; then dump_diagnostics; fi
  step "stopping the cluster"
  "$slurm_local" stop "$cluster" || true
  cd / || true
  unset SLURM_CONF
  local left
  left=$(leftover_processes)
  if [[ -n "$left" ]]; then
    echo "FAIL: processes of the test cluster still running after stop:" >&2
    echo "$left" >&2
    rc=1
  fi
  if [[ $rc -eq 0 && "${KEEP_TMP:-0}" != 1 ]]; then
    rm -rf "$tmp"
  else
    echo "temporary folder kept: $tmp" >&2
  fi
  if [[ $rc -eq 0 ]]; then step "PASS"; else step "FAILED (exit $rc)"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT
trap 'echo "terminated" >&2; exit 143' TERM

# Submit from inside the temporary folder: Slurm's default output files land in the submit directory.
mkdir -p "$tmp/work" || fail "cannot create $tmp/work"
cd "$tmp/work" || fail "cannot cd to $tmp/work"

step "starting a private Slurm cluster in $cluster"
"$slurm_local" start "$cluster" || fail "tools/slurm_local.sh start failed"
eval "$("$slurm_local" env "$cluster")"
step "cluster up: $(sinfo -h -o '%P %a %D %t %N' 2>&1)"

queue_empty() {  # true if this cluster has no job pending or running
  local q
  q=$(squeue -h -o %A 2>&1) || fail "squeue failed: $q"
  [[ -z "$q" ]]
}

# 1. Dry run: writes the scripts, submits nothing.
step "dry run: memcarlo submit tests/slurm/sweep_small.yaml --slurm --tasks $ntasks --time 00:05:00 --out $tmp/out --dry-run"
out=$("$memcarlo" submit "$scenario" --slurm --tasks "$ntasks" --time 00:05:00 --out "$tmp/out" --dry-run 2>&1)
rc=$?
indent "$out"
[[ $rc -eq 0 ]] || fail "memcarlo submit --dry-run exited $rc"
for f in array.sbatch merge.sbatch; do
  [[ -s "$tmp/out/slurm/$f" ]] || fail "dry run did not write $tmp/out/slurm/$f"
done
grep -qF -- "--array=0-$((ntasks - 1))" "$tmp/out/slurm/array.sbatch" ||
  fail "$tmp/out/slurm/array.sbatch has no --array=0-$((ntasks - 1)):$(sed 's/^/\n    | /' "$tmp/out/slurm/array.sbatch")"
if echo "$out" | grep -qE '^(array|merge) job [0-9]+'; then fail "dry run printed a job id: it submitted"; fi
queue_empty || fail "dry run submitted jobs: $(squeue -h 2>&1)"
step "dry run ok: array.sbatch and merge.sbatch written, queue empty"

# 2. Real submission.
step "submit: memcarlo submit tests/slurm/sweep_small.yaml --slurm --tasks $ntasks --time 00:05:00 --out $tmp/out2"
out=$("$memcarlo" submit "$scenario" --slurm --tasks "$ntasks" --time 00:05:00 --out "$tmp/out2" 2>&1)
rc=$?
indent "$out"
[[ $rc -eq 0 ]] || fail "memcarlo submit exited $rc"
array_id=$(echo "$out" | sed -nE 's/^array job ([0-9]+).*/\1/p' | head -n 1)
merge_id=$(echo "$out" | sed -nE 's/^merge job ([0-9]+).*/\1/p' | head -n 1)
[[ -n "$array_id" ]] || fail "memcarlo submit printed no 'array job <ID>' line"
[[ -n "$merge_id" ]] || fail "memcarlo submit printed no 'merge job <ID>' line"
step "array job $array_id, merge job $merge_id"
dep=$(scontrol show job "$merge_id" 2>&1 | grep -oE 'Dependency=[^ ]*' | head -n 1)
step "merge job ${dep:-Dependency=?}"

# 3. Wait for both to leave the queue.
deadline=$(($(date +%s) + poll_timeout))
while :; do
  q=$(squeue -h -j "$array_id,$merge_id" -o '%i %T %r' 2>&1) || fail "squeue failed: $q"
  [[ -z "$q" ]] && break
  if (($(date +%s) >= deadline)); then
    fail "jobs still in the queue after ${poll_timeout} s:"$'\n'"$q"
  fi
  sleep 0.5
done
step "both jobs left the queue"

# 4. Job states.
tasks_info=$(scontrol -o show job "$array_id" 2>&1) || fail "scontrol show job $array_id failed: $tasks_info"
ntask_lines=0
while IFS= read -r line; do
  [[ -n "$line" ]] || continue
  ntask_lines=$((ntask_lines + 1))
  task=$(echo "$line" | grep -oE 'ArrayTaskId=[^ ]+' | head -n 1)
  state=$(echo "$line" | grep -oE 'JobState=[A-Z_]+' | head -n 1)
  code=$(echo "$line" | grep -oE ' ExitCode=[0-9:]+' | head -n 1 | tr -d ' ')
  if [[ "$state" != JobState=COMPLETED || "$code" != ExitCode=0:0 ]]; then
    fail "array job $array_id $task ended $state $code (job outputs: $tmp/out2)"
  fi
done <<<"$tasks_info"
[[ $ntask_lines -eq $ntasks ]] || fail "array job $array_id has $ntask_lines tasks, expected $ntasks"
step "all $ntasks array tasks COMPLETED with exit code 0:0"
merge_info=$(scontrol -o show job "$merge_id" 2>&1) || fail "scontrol show job $merge_id failed: $merge_info"
merge_state=$(echo "$merge_info" | grep -oE 'JobState=[A-Z_]+' | head -n 1)
merge_reason=$(echo "$merge_info" | grep -oE 'Reason=[^ ]+' | head -n 1)
merge_exit=$(echo "$merge_info" | grep -oE ' ExitCode=[0-9:]+' | head -n 1 | tr -d ' ')
step "merge job: $merge_state $merge_exit $merge_reason"
# A cancelled merge (failed array task, --kill-on-invalid-dep) also shows ExitCode=0:0: check the state.
[[ "$merge_state" == JobState=COMPLETED ]] || fail "merge job $merge_id ended $merge_state ($merge_reason)"
[[ "$merge_exit" == ExitCode=0:0 ]] || fail "merge job $merge_id exit code $merge_exit, expected 0:0"

# 5. Merged results.
results=$tmp/out2/results.csv
[[ -f "$results" ]] || fail "$results missing"
check=$(python3 - "$results" "$npoints" <<'EOF'
import csv, sys
path, want = sys.argv[1], int(sys.argv[2])
with open(path, newline="") as f:
    rows = list(csv.reader(f))
if not rows:
    sys.exit(f"{path} is empty")
header, data = rows[0], [r for r in rows[1:] if r]
if "status" not in header:
    sys.exit(f"{path} has no 'status' column (header: {','.join(header)})")
if len(data) != want:
    sys.exit(f"{path} has {len(data)} data rows, expected {want}")
col = header.index("status")
bad = [r for r in data if len(r) <= col or r[col] != "ok"]
if bad:
    sys.exit(f"{path}: {len(bad)} rows whose status is not ok, first: {','.join(bad[0])}")
print(f"{len(data)} rows, all status ok")
EOF
) || fail "results.csv check failed: $check"
step "results.csv: $check"

# 6. memcarlo status.
out=$("$memcarlo" status "$tmp/out2" 2>&1)
rc=$?
indent "$out"
[[ $rc -eq 0 ]] || fail "memcarlo status exited $rc"
echo "$out" | grep -qF "$npoints/$npoints" || fail "memcarlo status did not print $npoints/$npoints"
step "memcarlo status ok"

# 7. Queued jobs run from the snapshot taken at submission: submit held, then edit the scenario (broken) and its
#    preset (broken), then release: the jobs still run the sweep as submitted, with the same results as step 2.
mkdir -p "$tmp/edit/devices" || fail "cannot create $tmp/edit"
sed 's/preset: hfo2_1t1r/preset: local/' "$scenario" >"$tmp/edit/s.yaml"
cp "$root/configs/devices/hfo2_1t1r.yaml" "$tmp/edit/devices/local.yaml"
step "snapshot: memcarlo submit $tmp/edit/s.yaml (preset beside it) --sbatch=--hold, then both files broken, then released"
out=$("$memcarlo" submit "$tmp/edit/s.yaml" --slurm --tasks "$ntasks" --time 00:05:00 --out "$tmp/out3" --sbatch=--hold 2>&1)
rc=$?
indent "$out"
[[ $rc -eq 0 ]] || fail "memcarlo submit --sbatch=--hold exited $rc"
held_id=$(echo "$out" | sed -nE 's/^array job ([0-9]+).*/\1/p' | head -n 1)
held_merge=$(echo "$out" | sed -nE 's/^merge job ([0-9]+).*/\1/p' | head -n 1)
[[ -n "$held_id" && -n "$held_merge" ]] || fail "no job ids printed"
grep -q "/slurm/scenario-[0-9a-f]*/s.yaml" "$tmp/out3/slurm/array.sbatch" || fail "array.sbatch does not run the snapshot"
[[ -f $(ls -d "$tmp"/out3/slurm/scenario-*/devices/local.yaml) ]] || fail "the preset was not snapshotted"
echo "workload: nonsense" >"$tmp/edit/s.yaml"
echo "lrs: [" >"$tmp/edit/devices/local.yaml"
for j in "$held_id" "$held_merge"; do scontrol release "$j" >/dev/null 2>&1 || fail "scontrol release $j failed"; done
deadline=$(($(date +%s) + poll_timeout))
while :; do
  q=$(squeue -h -j "$held_id,$held_merge" -o '%i %T %r' 2>&1) || fail "squeue failed: $q"
  [[ -z "$q" ]] && break
  (($(date +%s) < deadline)) || fail "jobs still in the queue after ${poll_timeout} s:"$'\n'"$q"
  sleep 0.5
done
merge_state=$(scontrol -o show job "$held_merge" 2>&1 | grep -oE 'JobState=[A-Z_]+' | head -n 1)
[[ "$merge_state" == JobState=COMPLETED ]] || fail "merge job $held_merge of the edited scenario ended $merge_state"
same=$(python3 - "$tmp/out2/results.csv" "$tmp/out3/results.csv" <<'EOF2'
import csv, sys
def rows(p):
    with open(p, newline="") as f:
        r = list(csv.reader(f))
    drop = {i for i, h in enumerate(r[0]) if h == "wall_s"}
    return [[c for i, c in enumerate(row) if i not in drop] for row in r if row]
a, b = rows(sys.argv[1]), rows(sys.argv[2])
sys.exit(0 if a == b else "results differ:\n%s\n%s" % (a[:2], b[:2]))
EOF2
) || fail "the released jobs did not run the submitted sweep: $same"
step "snapshot ok: edits after submission did not change the queued jobs (results equal to step 2)"

status=0
exit 0
