#!/usr/bin/env bash
# Private single-node Slurm cluster (munged + slurmctld + slurmd on loopback) for testing memcarlo's
# cluster path against a real Slurm. Every file it makes lives under DIR; see docs in
# /work/shared/notes/slurm.md for the facts this follows.
#
#   tools/slurm_local.sh start DIR   start a cluster under DIR; waits until the node is idle (30 s)
#   tools/slurm_local.sh env DIR     print `export SLURM_CONF=...` (use: eval "$(tools/slurm_local.sh env DIR)")
#   tools/slurm_local.sh stop DIR    stop slurmd, slurmctld and munged by the PIDs in DIR/pids (TERM, 15 s, KILL)
#
# Needs root and the Debian packages slurmctld slurmd slurm-client munge. munged runs as user munge on a
# private socket under DIR (so several clusters can run side by side); ports are picked free at start.
set -euo pipefail

usage() { echo "usage: $0 start|stop|env DIR" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
cmd=$1
dir=$2
[[ -n "$dir" ]] || usage
# Absolute path: everything in slurm.conf must be absolute.
case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
dir=${dir%/}

log() { echo "slurm_local: $*" >&2; }
die() { log "error: $*"; exit 1; }

conf="$dir/slurm.conf"
piddir="$dir/pids"
# The order in which stop takes the daemons down.
daemons=(slurmd slurmctld munged)

proc_state() {  # PID -> one-letter state from /proc/PID/stat (field after the parenthesised name)
  local st
  { read -r st <"/proc/$1/stat"; } 2>/dev/null || return 0
  st=${st##*) }
  echo "${st%% *}"
}

pid_alive() {  # NAME -> prints the PID if DIR/pids/NAME.pid names a live process of that program
  local name=$1 f="$piddir/$1.pid" pid comm
  [[ -s "$f" ]] || return 1
  read -r pid <"$f" || [[ -n "$pid" ]] || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  { read -r comm <"/proc/$pid/comm"; } 2>/dev/null || return 1
  # A recycled PID belongs to some other program: never signal it. (munged's PID is setsid's, then setpriv's, until it execs.)
  [[ "$comm" == "$name" || ("$name" == munged && ("$comm" == setpriv || "$comm" == setsid)) ]] || return 1
  # A zombie (left unreaped where PID 1 does not reap) is already gone.
  [[ "$(proc_state "$pid")" != Z ]] || return 1
  echo "$pid"
}

gone() {  # PID: true once the process has exited (a zombie counts as gone)
  [[ ! -d /proc/$1 || "$(proc_state "$1")" == Z ]]
}

stop_pid() {  # NAME PID: TERM, wait up to 15 s, then KILL
  local name=$1 pid=$2 i
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 150; i++)); do
    gone "$pid" && return 0
    sleep 0.1
  done
  log "$name (pid $pid) still running after 15 s: KILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 30; i++)); do
    gone "$pid" && return 0
    sleep 0.1
  done
}

our_stepds() {  # PIDs of live slurmstepd processes holding a file under DIR (steps of this cluster's jobs)
  local pid comm
  for pid in $(find /proc/[0-9]*/fd -maxdepth 1 -lname "$dir/*" 2>/dev/null | cut -d/ -f3 | sort -u); do
    { read -r comm <"/proc/$pid/comm"; } 2>/dev/null || continue
    [[ "$comm" == slurmstepd ]] && ! gone "$pid" && echo "$pid"
  done
  return 0
}

descendants() {  # PID...: all live descendants of these processes
  local -A kids=()
  local p st pid ppid
  for p in /proc/[0-9]*; do
    { read -r st <"$p/stat"; } 2>/dev/null || continue
    pid=${p#/proc/}
    st=${st##*) }
    st=${st#* }
    ppid=${st%% *}
    kids[$ppid]+=" $pid"
  done
  local -a todo=("$@")
  while ((${#todo[@]})); do
    p=${todo[0]}
    todo=("${todo[@]:1}")
    for pid in ${kids[$p]:-}; do
      echo "$pid"
      todo+=("$pid")
    done
  done
}

do_stop() {
  [[ -d "$dir" ]] || { log "nothing to stop: $dir does not exist"; return 0; }
  local name pid i
  # Cancel what is still queued or running so job steps end cleanly (KillWait=2) before slurmd goes.
  if pid_alive slurmctld >/dev/null && [[ -f "$conf" ]]; then
    local jobs
    jobs=$(SLURM_CONF="$conf" timeout 5 squeue -h -o %A 2>/dev/null | tr '\n' ' ') || true
    if [[ -n "${jobs// /}" ]]; then
      log "cancelling jobs: $jobs"
      # shellcheck disable=SC2086
      SLURM_CONF="$conf" timeout 5 scancel $jobs 2>/dev/null || true
      for ((i = 0; i < 100; i++)); do
        [[ -z "$(our_stepds)" ]] && break
        sleep 0.1
      done
    fi
  fi
  for name in "${daemons[@]}"; do
    if pid=$(pid_alive "$name"); then stop_pid "$name" "$pid"; fi
    rm -f "$piddir/$name.pid"
  done
  # Job steps left behind (slurmstepd outlives slurmd and ignores TERM once slurmd is gone): those holding
  # files under DIR, with the job processes under them: TERM the job processes, then KILL what is left.
  local -a stepds tree
  mapfile -t stepds < <(our_stepds)
  if ((${#stepds[@]})); then
    mapfile -t tree < <(descendants "${stepds[@]}")
    log "killing leftover job steps: slurmstepd ${stepds[*]}, job processes ${tree[*]:-none}"
    if ((${#tree[@]})); then kill -TERM "${tree[@]}" 2>/dev/null || true; fi
    for ((i = 0; i < 30; i++)); do
      local left=0
      for pid in "${tree[@]}"; do gone "$pid" || left=1; done
      ((left)) || break
      sleep 0.1
    done
    kill -KILL "${tree[@]}" "${stepds[@]}" 2>/dev/null || true
    for pid in "${tree[@]}" "${stepds[@]}"; do
      for ((i = 0; i < 30; i++)); do gone "$pid" && break; sleep 0.1; done
    done
  fi
  log "stopped cluster in $dir"
}

port_in_use() {  # PORT: true if something on loopback accepts connections there
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_ports() {  # sets ctld_port and slurmd_port: two free ports below the ephemeral range
  local try base
  for ((try = 0; try < 100; try++)); do
    base=$((20000 + ((($$ * 131) + RANDOM + try * 97) % 5000) * 2))
    if ! port_in_use "$base" && ! port_in_use $((base + 1)); then
      ctld_port=$base
      slurmd_port=$((base + 1))
      return 0
    fi
  done
  die "no free pair of ports found"
}

print_logs() {
  local f
  for f in "$dir"/log/*.log; do
    [[ -f "$f" ]] || continue
    echo "----- $f (last 40 lines) -----" >&2
    tail -n 40 "$f" >&2
  done
}

do_start() {
  [[ $EUID -eq 0 ]] || die "must run as root (slurmd and munged need it)"
  local name
  for name in munged slurmctld slurmd; do
    command -v "$name" >/dev/null || [[ -x /usr/sbin/$name ]] ||
      die "$name not installed (apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge)"
  done
  command -v sinfo >/dev/null || die "sinfo not installed (slurm-client)"
  id munge >/dev/null 2>&1 || die "user munge missing (install the munge package)"
  [[ -r /etc/munge/munge.key ]] || die "/etc/munge/munge.key missing"

  if [[ -d "$piddir" ]]; then
    for name in "${daemons[@]}"; do
      if pid=$(pid_alive "$name"); then
        die "$dir already has a running cluster ($name pid $pid); run: $0 stop $dir"
      fi
    done
  fi

  mkdir -p "$dir"
  chmod 0755 "$dir"
  rm -rf "${dir:?}/state" "${dir:?}/spool" "${dir:?}/log" "${piddir:?}" "${dir:?}/munge" "${dir:?}/dev"
  mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$piddir" "$dir/dev"

  # munged: as user munge, in the foreground (so $! is its PID), on a socket under DIR.
  install -d -o munge -g munge -m 0755 /var/run/munge
  install -d -o munge -g munge -m 0755 "$dir/munge"
  if ! setpriv --reuid=munge --regid=munge --init-groups test -w "$dir/munge"; then
    die "user munge cannot reach $dir (a parent folder is not searchable by others; chmod a+x it)"
  fi
  local sock="$dir/munge/munge.socket"
  # setsid: a Ctrl-C to the caller's process group must not take munged down before stop has used it.
  setsid setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged --foreground \
    --socket="$sock" --pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/munged.seed" \
    --log-file="$dir/munge/munged.log" </dev/null >"$dir/log/munged.out" 2>&1 &
  local mpid=$! i
  echo "$mpid" >"$piddir/munged.pid"
  for ((i = 0; i < 100; i++)); do
    [[ -S "$sock" ]] && break
    # (Not pid_alive: for a moment the child is still this script's fork, before it execs setpriv.)
    [[ -d /proc/$mpid && "$(proc_state "$mpid")" != Z ]] || break
    sleep 0.05
  done
  # munged's own pid file names the same process; it is the one to trust should setsid have had to fork.
  if [[ -S "$sock" && -s "$dir/munge/munged.pid" ]]; then
    local own
    read -r own <"$dir/munge/munged.pid" || true
    if [[ "$own" =~ ^[0-9]+$ && "$own" != "$mpid" ]]; then echo "$own" >"$piddir/munged.pid"; fi
  fi
  if [[ ! -S "$sock" ]]; then
    log "munged did not start"
    cat "$dir/log/munged.out" "$dir/munge/munged.log" >&2 2>/dev/null || true
    do_stop
    exit 1
  fi

  # Fake GPUs: two character devices (copies of /dev/null) that gres.conf hands out as gpu.
  mknod "$dir/dev/gpu0" c 1 3
  mknod "$dir/dev/gpu1" c 1 3

  local cpus mem_mb
  cpus=$(nproc)
  mem_mb=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)
  # Leave a margin: slurmd drains the node if RealMemory is above what it measures.
  mem_mb=$((mem_mb > 2048 ? mem_mb - 1024 : mem_mb / 2))
  pick_ports

  cat >"$dir/gres.conf" <<EOF
NodeName=localhost Name=gpu File=$dir/dev/gpu[0-1]
EOF
  cat >"$conf" <<EOF
# Private single-node cluster made by tools/slurm_local.sh; everything lives under $dir.
ClusterName=memcarlo-test
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$piddir/slurmctld.pid
SlurmdPidFile=$piddir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SchedulerParameters=sched_min_interval=100000,batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
MinJobAge=600
KillWait=2
GresTypes=gpu
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb Gres=gpu:2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF

  # Both daemonize and write their pid files; -c: start from a clean state.
  if ! slurmctld -c -f "$conf" >"$dir/log/slurmctld.out" 2>&1; then
    log "slurmctld failed to start"; cat "$dir/log/slurmctld.out" >&2; print_logs; do_stop; exit 1
  fi
  if ! slurmd -f "$conf" -N localhost >"$dir/log/slurmd.out" 2>&1; then
    log "slurmd failed to start"; cat "$dir/log/slurmd.out" >&2; print_logs; do_stop; exit 1
  fi

  local state=""
  for ((i = 0; i < 300; i++)); do
    state=$(SLURM_CONF="$conf" timeout 5 sinfo -h -n localhost -o %t 2>/dev/null | head -n 1) || state=""
    [[ "$state" == idle ]] && break
    sleep 0.1
  done
  if [[ "$state" != idle ]]; then
    log "node not idle after 30 s (state: '${state:-none}')"
    print_logs
    do_stop
    exit 1
  fi
  log "cluster up in $dir (slurmctld port $ctld_port, slurmd port $slurmd_port, $cpus CPUs, ${mem_mb} MB, gpu:2)"
}

case "$cmd" in
  start) do_start ;;
  stop) do_stop ;;
  env) echo "export SLURM_CONF=$(printf '%q' "$conf")" ;;
  *) usage ;;
esac
