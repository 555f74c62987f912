#!/bin/bash
# Runs examples/slurm/liverplan-batch-array.sbatch on a real single-node Slurm cluster started on
# localhost by this script (munged + slurmctld + slurmd, all state under WORKDIR), and checks that
# the merged summary of the 3 shards equals a plain local batch run (timing columns excepted).
#
#   run_slurm_test.sh LIVERPLAN_BINARY WORKDIR
#
# Exit codes: 0 pass, 1 fail, 77 skipped (not root, or slurm-wlm / munge not installed).
# Needs Debian's slurm-wlm and munge (scripts/bootstrap installs them). The daemons it starts
# are stopped on exit; nothing is written outside WORKDIR.
set -uo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 LIVERPLAN_BINARY WORKDIR" >&2
  exit 2
fi
LIVERPLAN=$(realpath "$1")
mkdir -p "$2"
W=$(realpath "$2")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SBATCH_SCRIPT=$(realpath "$HERE/../../examples/slurm/liverplan-batch-array.sbatch")
NSHARDS=3
PLAN_ARGS="--plan right-hemihepatectomy --auto-segments"
START=$SECONDS

log() { echo "slurm_test [$((SECONDS - START))s]: $*"; }
skip() {
  echo "slurm_test: SKIPPED: $*"
  exit 77
}

[ "$(id -u)" -eq 0 ] || skip "needs root (slurmd runs jobs as their user; this test runs them as root)"
for b in munged munge unmunge slurmctld slurmd sbatch sinfo squeue scontrol scancel; do
  command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] ||
    skip "$b not found; install Debian's slurm-wlm and munge (scripts/bootstrap)"
done
PATH=$PATH:/usr/sbin
[ -x "$LIVERPLAN" ] || {
  echo "slurm_test: $LIVERPLAN is not executable" >&2
  exit 1
}
[ -f "$SBATCH_SCRIPT" ] || {
  echo "slurm_test: $SBATCH_SCRIPT missing" >&2
  exit 1
}

# ---------------------------------------------------------------- start and stop
export SLURM_CONF="$W/slurm.conf"
stop_pid() { # pid: TERM, wait up to 10 s, then KILL
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null
  return 0
}
stop_cluster() { # slurmctld-pid slurmd-pid munged-pid (each may be empty)
  if [ -n "$1" ] && kill -0 "$1" 2>/dev/null && [ -f "$SLURM_CONF" ]; then
    # Jobs first, so that no slurmstepd (or liverplan) outlives slurmd.
    scancel --quiet --user=root 2>/dev/null
    for _ in $(seq 40); do
      [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
  local pid
  for pid in "$2" "$1" "$3"; do
    [ -n "$pid" ] && stop_pid "$pid"
  done
  for pid in "$2" "$1" "$3"; do # reap our own children
    [ -n "$pid" ] && wait "$pid" 2>/dev/null
  done
  return 0
}

# Daemons of a run that was killed (e.g. by a ctest timeout) are found by their pid files and
# stopped only if their command line names this WORKDIR.
leftover() { # name -> its pid if it is still running on this WORKDIR
  local pid
  pid=$(cat "$W/run/$1.pid" 2>/dev/null) || return 0
  [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$W/" && echo "$pid"
  return 0
}
old=("$(leftover slurmctld)" "$(leftover slurmd)" "$(leftover munged)")
if [ -n "${old[0]}${old[1]}${old[2]}" ]; then
  echo "slurm_test: stopping daemons left by an earlier run: ${old[*]}"
  stop_cluster "${old[@]}"
fi
rm -rf "$W/run" "$W/state" "$W/spool" "$W/logs" "$W/tree" "$W/local" "$W/out" \
  "$W/slurm.conf" "$W/plugstack.conf" "$W/local.csv" "$W/merged.csv"
mkdir -p "$W/munge" "$W/run" "$W/state" "$W/spool" "$W/logs"
chmod 0700 "$W/munge"
chmod 0755 "$W/run" # munged wants the socket's folder searchable by all

MUNGED_PID="" CTLD_PID="" SLURMD_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_cluster "$CTLD_PID" "$SLURMD_PID" "$MUNGED_PID"
  log "daemons stopped; exit $rc"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

show_logs() {
  for f in "$W"/logs/*.log "$W"/logs/*.out; do # (*.stderr repeat the daemons' *.log)
    [ -f "$f" ] || continue
    echo "----- $f (last 30 lines)"
    tail -n 30 "$f"
  done
}
fail() {
  echo "slurm_test: FAILED: $*" >&2
  show_logs >&2
  exit 1
}

# ---------------------------------------------------------------- munge
KEY="$W/munge/munge.key"
SOCK="$W/run/munge.socket"
if [ ! -s "$KEY" ]; then
  if command -v mungekey >/dev/null 2>&1; then
    mungekey --create --keyfile="$KEY" || fail "mungekey could not create $KEY"
  else
    dd if=/dev/urandom of="$KEY" bs=1024 count=1 status=none
  fi
fi
chmod 0600 "$KEY"
munged --foreground --force --socket="$SOCK" --key-file="$KEY" --log-file="$W/logs/munged.log" \
  --pid-file="$W/run/munged.pid" --seed-file="$W/munge/munged.seed" >"$W/logs/munged.stderr" 2>&1 &
MUNGED_PID=$!
for _ in $(seq 50); do
  [ -S "$SOCK" ] && break
  kill -0 "$MUNGED_PID" 2>/dev/null || fail "munged exited"
  sleep 0.1
done
munge -n -S "$SOCK" | unmunge -S "$SOCK" >/dev/null || fail "munge credential round trip"
log "munged up (pid $MUNGED_PID)"

# ---------------------------------------------------------------- slurm.conf
port_free() { ! ss -Htan "sport = :$1" 2>/dev/null | grep -q .; }
pick_port() { # a free local TCP port in 20000-59999 not in the arguments
  local p
  while :; do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    case " $* " in *" $p "*) continue ;; esac
    port_free "$p" && {
      echo "$p"
      return
    }
  done
}
CTLD_PORT=$(pick_port)
SLURMD_PORT=$(pick_port "$CTLD_PORT")
NODE=$(hostname -s)
CPUS=2
MEM_MB=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 / 2))
[ "$MEM_MB" -gt 8192 ] && MEM_MB=8192
: >"$W/plugstack.conf" # no site SPANK plugins
cat >"$SLURM_CONF" <<EOF
# Single-node test cluster written by tests/slurm/run_slurm_test.sh
ClusterName=liverplan-test
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$SOCK
CredType=cred/munge
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/run/slurmctld.pid
SlurmdPidFile=$W/run/slurmd.pid
SlurmctldLogFile=$W/logs/slurmctld.log
SlurmdLogFile=$W/logs/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$W/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
SlurmdParameters=config_overrides
ReturnToService=2
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
MinJobAge=300
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=test Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF

# ---------------------------------------------------------------- slurmctld + slurmd
slurmctld -D -i -f "$SLURM_CONF" >"$W/logs/slurmctld.stderr" 2>&1 &
CTLD_PID=$!
for _ in $(seq 100); do
  scontrol ping 2>/dev/null | grep -q 'is UP' && break
  kill -0 "$CTLD_PID" 2>/dev/null || fail "slurmctld exited"
  sleep 0.2
done
scontrol ping 2>/dev/null | grep -q 'is UP' || fail "slurmctld does not answer"
slurmd -D -f "$SLURM_CONF" -N "$NODE" >"$W/logs/slurmd.stderr" 2>&1 &
SLURMD_PID=$!
state=""
for _ in $(seq 150); do
  state=$(sinfo -h -n "$NODE" -o %t 2>/dev/null)
  [ "$state" = idle ] && break
  kill -0 "$SLURMD_PID" 2>/dev/null || fail "slurmd exited"
  sleep 0.2
done
[ "$state" = idle ] || fail "node $NODE is '$state', not idle: $(scontrol show node "$NODE" | grep -i reason)"
log "slurmctld (pid $CTLD_PID, port $CTLD_PORT) and slurmd (pid $SLURMD_PID, port $SLURMD_PORT) up; $NODE idle"

# ---------------------------------------------------------------- local reference run
"$LIVERPLAN" phantom --study-tree 6 --out "$W/tree" >"$W/logs/phantom.log" 2>&1 ||
  fail "liverplan phantom failed"
rc=0
# shellcheck disable=SC2086 # PLAN_ARGS is a list of options
"$LIVERPLAN" batch "$W/tree" --out "$W/local" -j 2 $PLAN_ARGS >"$W/logs/local-batch.log" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || fail "local batch exited $rc"
log "local batch done (exit $rc; 3 = some phantom studies are faulty on purpose)"

# ---------------------------------------------------------------- the job array + merge on Slurm
export LIVERPLAN ROOT="$W/tree" OUT="$W/out" PLAN_ARGS JOBS=1
unset SHARDS
# (timeout: a job that never starts, e.g. on a drained node, fails the test instead of hanging it)
jid=$(timeout 300 sbatch --parsable --wait --array=0-$((NSHARDS - 1)) --chdir="$W" \
  --output="$W/logs/shard-%A_%a.out" --error="$W/logs/shard-%A_%a.out" \
  --cpus-per-task=1 --mem=512M --time=10 "$SBATCH_SCRIPT")
rc=$?
jid=${jid%%;*}
[ "$rc" -eq 0 ] || fail "job array $jid exited $rc"
for i in $(seq 0 $((NSHARDS - 1))); do
  [ -f "$OUT/shard-$i/summary.csv" ] || fail "shard $i wrote no summary.csv"
done
log "job array $jid ($NSHARDS shards) done"
# The merge as the README shows it: a job that depends on the array.
mjid=$(timeout 120 sbatch --parsable --wait --dependency=afterok:"$jid" --job-name=liverplan-merge --chdir="$W" \
  --output="$W/logs/merge-%j.out" --cpus-per-task=1 --mem=128M --time=5 \
  --wrap='"${LIVERPLAN:-liverplan}" merge "$OUT"/shard-* --out "$OUT/merged"')
rc=$?
[ "$rc" -eq 0 ] || fail "merge job ${mjid%%;*} exited $rc"
log "merge job ${mjid%%;*} done"

# ---------------------------------------------------------------- compare
# Drop the last two fields (seconds, peakRssMiB: plain numbers) of every CSV record; a record may
# span lines inside a quoted field, so lines are joined until the quotes balance.
strip_timing() {
  awk '{
    rec = (pending == "" ? $0 : pending "\n" $0)
    n = gsub(/"/, "\"", rec)
    if (n % 2) { pending = rec; next }
    pending = ""
    sub(/,[^,"]*,[^,"]*$/, "", rec)
    print rec
  } END { if (pending != "") print pending }' "$1"
}
strip_timing "$W/local/summary.csv" >"$W/local.csv"
strip_timing "$OUT/merged/summary.csv" >"$W/merged.csv"
rows=$(($(wc -l <"$W/local.csv") - 1))
[ "$rows" -ge 6 ] || fail "local summary has $rows rows, expected 6"
if ! cmp -s "$W/local.csv" "$W/merged.csv"; then
  echo "----- local summary.csv (timings removed)"
  cat "$W/local.csv"
  echo "----- merged shard summary.csv (timings removed)"
  cat "$W/merged.csv"
  echo "----- diff"
  diff "$W/local.csv" "$W/merged.csv"
  fail "the merged Slurm shards differ from the local run"
fi
log "PASS: merged summary of $NSHARDS Slurm shards equals the local run ($rows studies)"
exit 0
