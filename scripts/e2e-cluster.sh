#!/usr/bin/env bash
# End-to-end check of sharded runs on real engines, on one machine:
#
#   1. validate deploy/kubernetes/*.yaml offline against the API schema
#      (kubernetes-validate, Kubernetes 1.29 — the first with
#      backoffLimitPerIndex on by default — and the latest it knows);
#   2. start an S3 server on loopback (moto) and a one-node Slurm cluster on
#      localhost (Debian slurmctld/slurmd/munge started directly: no systemd),
#      all on 127.0.0.1;
#   3. put a corpus in s3://, `policyscan plan` it into s3:// (4 shards),
#      `sbatch --array=0-3 --wait deploy/slurm/scan.sbatch`, requeue one task
#      mid-run (`scontrol requeue`: Slurm kills it, then runs it again, and it
#      resumes from its scratch), then deploy/slurm/merge.sbatch afterok;
#   4. read the merged dataset back with polars straight from s3:// and
#      compare it, row for row, with a single-machine `policyscan scan`.
#
# Needs root (apt-get, daemons). When a component cannot be installed or
# started the script says so and exits 0 (SKIP); a wrong result exits 1.
# Usage: scripts/e2e-cluster.sh   (POLICYSCAN_BIN=… to test another binary;
# E2E_KEEP=1 keeps the work folder)
set -euo pipefail

t0=$(date +%s)
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/policyscan-e2e.XXXXXX)"
venv="${E2E_VENV:-/tmp/policyscan-e2e-venv}"
started=()      # pids of the daemons this script started, stopped on exit
munge_pidfile=""

say() { echo "e2e-cluster: $*"; }
skip() {
  say "SKIP: $*"
  exit 0
}
fail() {
  say "FAIL: $*"
  for f in "$work"/slurm/log/*.log "$work"/logs/*.log; do
    [[ -f $f ]] && { echo "--- $f"; tail -n 30 "$f"; }
  done
  exit 1
}
cleanup() {
  set +e
  [[ -n ${job:-} ]] && scancel "$job" 2>/dev/null
  for p in "${started[@]}"; do
    kill "$p" 2>/dev/null
  done
  if [[ -n $munge_pidfile && -f $munge_pidfile ]]; then
    kill "$(cat "$munge_pidfile")" 2>/dev/null
  fi
  sleep 1
  for p in "${started[@]}"; do
    kill -9 "$p" 2>/dev/null
  done
  [[ -n ${E2E_KEEP:-} ]] && say "work folder kept: $work" || rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

[[ $(id -u) -eq 0 ]] || skip "needs root (apt-get, munge and the Slurm daemons)"
command -v python3 >/dev/null || skip "no python3"

# --- the binary -------------------------------------------------------------
bin="${POLICYSCAN_BIN:-$repo/target/release/policyscan}"
if [[ ! -x $bin ]]; then
  say "building policyscan"
  (cd "$repo" && cargo build --release -p policyscan-cli) || fail "cargo build failed"
fi
# One copy for the whole check, so a rebuild meanwhile cannot mix binaries.
cp "$bin" "$work/policyscan"
bin="$work/policyscan"

# --- components ---------------------------------------------------------------
if [[ ! -x $venv/bin/moto_server || ! -x $venv/bin/kubernetes-validate ]] ||
  ! "$venv/bin/python" -c 'import polars, boto3' 2>/dev/null; then
  say "installing moto[server], polars, kubernetes-validate into $venv"
  { python3 -m venv "$venv" && "$venv/bin/pip" install -q 'moto[server]' polars kubernetes-validate; } ||
    skip "cannot install moto[server]/polars/kubernetes-validate from PyPI"
fi
py="$venv/bin/python"

# --- 1. Kubernetes manifests, offline -------------------------------------------
for v in 1.29.0 ""; do
  "$venv/bin/kubernetes-validate" --strict --quiet ${v:+-k "$v"} "$repo"/deploy/kubernetes/*.yaml ||
    fail "deploy/kubernetes does not validate${v:+ against Kubernetes $v}"
done
say "deploy/kubernetes/*.yaml valid (strict) for Kubernetes 1.29 and latest"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurmctld slurmd munge (apt)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    slurmctld slurmd slurm-client munge >/dev/null; } || skip "cannot install Slurm and munge with apt-get"
fi

# --- 2a. S3 on loopback ------------------------------------------------------------
s3port=$(free_port)
"$venv/bin/moto_server" -H 127.0.0.1 -p "$s3port" >"$work/moto.log" 2>&1 &
started+=($!)
export AWS_ACCESS_KEY_ID=e2e AWS_SECRET_ACCESS_KEY=e2e AWS_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$s3port" AWS_ALLOW_HTTP=true
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_REGION
for _ in $(seq 50); do
  "$py" -c "import urllib.request; urllib.request.urlopen('$AWS_ENDPOINT_URL/')" 2>/dev/null && break
  sleep 0.2
done || true
"$py" -c "import boto3; boto3.client('s3').create_bucket(Bucket='e2e')" ||
  skip "moto_server did not start on 127.0.0.1:$s3port"
say "S3 (moto) on 127.0.0.1:$s3port"

# --- 2b. munge and a one-node Slurm on localhost ---------------------------------------
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  [[ -s /etc/munge/munge.key ]] || { mungekey --create 2>/dev/null ||
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1k count=1 2>/dev/null; }
  mkdir -p /run/munge /var/lib/munge /var/log/munge
  chown munge:munge /etc/munge/munge.key /run/munge /var/lib/munge /var/log/munge
  chmod 0400 /etc/munge/munge.key
  chmod 0755 /run/munge
  munge_pidfile="/run/munge/policyscan-e2e.pid"   # munged runs as munge: not in $work
  runuser -u munge -- munged --pid-file="$munge_pidfile" || skip "munged does not start"
  for _ in $(seq 25); do
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
    sleep 0.2
  done
fi
munge -n | unmunge >/dev/null 2>&1 || skip "munge does not work here"

host=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/MemTotal/ {print int($2 / 1024) - 512}' /proc/meminfo)
mkdir -p "$work"/slurm/{state,spool,log} "$work"/logs "$work"/scratch
export SLURM_CONF="$work/slurm/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=e2e
SlurmctldHost=${host}(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# A requeued job waits for its old credential to expire (120 s by default).
AuthInfo=cred_expire=5
CryptoType=crypto/munge
StateSaveLocation=$work/slurm/state
SlurmdSpoolDir=$work/slurm/spool
SlurmctldPidFile=$work/slurm/slurmctld.pid
SlurmdPidFile=$work/slurm/slurmd.pid
SlurmctldLogFile=$work/slurm/log/slurmctld.log
SlurmdLogFile=$work/slurm/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
JobRequeue=1
# Small, so that submit.sh must split its shards over two arrays.
MaxArraySize=4
MinJobAge=600
KillWait=2
InactiveLimit=0
NodeName=e2e NodeHostname=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=e2e Nodes=e2e Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -f "$SLURM_CONF" >"$work/slurm/log/slurmctld.out" 2>&1 &
started+=($!)
slurmd -D -f "$SLURM_CONF" -N e2e >"$work/slurm/log/slurmd.out" 2>&1 &
started+=($!)
for _ in $(seq 100); do
  state=$(sinfo -h -n e2e -o %T 2>/dev/null || true)
  [[ $state == idle* ]] && break
  sleep 0.2
done
[[ ${state:-} == idle* ]] || skip "the Slurm daemons did not come up (node state '${state:-none}'; logs in $work/slurm/log)"
say "Slurm: node e2e ($cpus CPUs) idle, controller on 127.0.0.1"

# --- 3. corpus, single-machine reference, plan into s3:// -------------------------------
corpus="$work/corpus"
mkdir -p "$corpus/apps"
shared="$repo/../shared/corpus/ca4p/texts"
if [[ -d $shared ]]; then
  find "$shared" -maxdepth 1 -name '*.txt' | sort | sed -n '1,40p' | xargs -I{} cp {} "$corpus/"
else
  for i in $(seq -w 1 13); do
    for f in "$repo"/data/samples/*; do cp "$f" "$corpus/$i-$(basename "$f")"; done
  done
fi
for f in $(find "$corpus" -maxdepth 1 -type f | sort | sed -n '1,8p'); do mv "$f" "$corpus/apps/"; done
printf 'not a policy' >"$corpus/apps/readme.pdf"
: >"$corpus/empty.txt"
n_files=$(find "$corpus" -type f | wc -l)
"$py" - "$corpus" <<'EOF'
import os, sys, boto3
s3, root = boto3.client("s3"), sys.argv[1]
for d, _, fs in os.walk(root):
    for f in fs:
        p = os.path.join(d, f)
        s3.upload_file(p, "e2e", "corpus/" + os.path.relpath(p, root))
EOF
"$bin" scan "$corpus" --out "$work/single" --chunk 1 2>"$work/logs/single.log" || fail "single-machine scan failed"
say "corpus: $n_files files in s3://e2e/corpus/; single-machine scan done"

run="s3://e2e/runs/r1"
"$bin" plan s3://e2e/corpus/ --shards 4 --chunk 1 --out "$run" 2>"$work/logs/plan.log" || fail "plan failed"
say "$(head -n 1 "$work/logs/plan.log")"

# --- 3b. the array, one task requeued mid-run ---------------------------------------------
cd "$work/logs"
export RUN_URI="$run" POLICYSCAN="$bin" SCRATCH_DIR="$work/scratch"
sbatch --parsable --wait --array=0-3 --cpus-per-task=1 --mem=1G \
  "$repo/deploy/slurm/scan.sbatch" >"$work/array.out" 2>"$work/array.err" &
waiter=$!
for _ in $(seq 100); do
  job=$(head -n 1 "$work/array.out" 2>/dev/null | cut -d';' -f1)
  [[ -n $job ]] && break
  sleep 0.1
done
[[ -n $job ]] || fail "sbatch did not submit: $(cat "$work/array.err")"
# Requeue task 2 once it has committed a batch and before it is done.
manifest="$work/scratch/policyscan-$job-2/out/.policyscan-parts/manifest.jsonl"
requeued=""
for _ in $(seq 600); do
  if [[ -f $manifest && $(wc -l <"$manifest") -ge 2 ]]; then
    scontrol requeue "${job}_2" && requeued=yes
    break
  fi
  sleep 0.1
done
[[ -n $requeued ]] || fail "task ${job}_2 never got to its second batch to be requeued"
say "array job $job: task 2 requeued after $(($(wc -l <"$manifest") - 1)) committed batches"
wait "$waiter" || fail "the array job failed: $(cat "$work/array.err")"
log2="$work/logs/policyscan-scan-${job}_2.log"
grep -q "restart 1" "$log2" || fail "task 2 was not run again after the requeue"
grep -q "batches resumed" "$log2" || fail "task 2 did not resume from its scratch: $(cat "$log2")"
say "array done; task 2 killed, rerun and resumed: $(grep 'shard 2 of 4' "$log2" | tail -n 1)"

# A task run again after its shard is done is a no-op.
"$bin" scan --plan "$run" --shard 1 2>"$work/logs/again.log"
grep -q "already done" "$work/logs/again.log" || fail "a finished shard ran again"

sbatch --parsable --wait --dependency="afterok:$job" "$repo/deploy/slurm/merge.sbatch" >"$work/merge.out" ||
  fail "the merge job failed: $(cat "$work"/logs/policyscan-merge-*.log)"
say "$(tail -n 1 "$work"/logs/policyscan-merge-*.log)"

# --- 3c. deploy/slurm/submit.sh: plan, arrays past MaxArraySize, afterok merge --------------
sub=$(RUN_URI="s3://e2e/runs/r2" SHARDS=6 PARALLEL=2 SBATCH_MEM_PER_NODE=1G \
  "$repo/deploy/slurm/submit.sh" "$corpus" --chunk 8 2>"$work/logs/submit.err") ||
  fail "submit.sh failed: $(cat "$work/logs/submit.err")"
merge2=$(sed -n 's/.* and merge job \([0-9]*\) .*/\1/p' <<<"$sub")
arrays=$(sed -n 's/submitted scan array job(s) \(.*\) and merge.*/\1/p' <<<"$sub")
[[ $(wc -w <<<"$arrays") -eq 2 ]] || fail "submit.sh should split 6 shards into two arrays: $sub"
for _ in $(seq 600); do
  [[ -n $(squeue -h -j "$merge2" 2>/dev/null) ]] || break
  sleep 0.2
done
grep -q "is complete: 6 shards" "$work/logs/policyscan-merge-$merge2.log" ||
  fail "submit.sh's merge: $(cat "$work/logs/policyscan-merge-$merge2.log" 2>/dev/null)"
say "submit.sh: arrays $arrays (offsets 0 and 4), merge job $merge2 afterok: complete"

# --- 4. read back with polars from s3:// and compare ---------------------------------------
"$py" - "$work/single" "$corpus" "$run" <<'EOF' || fail "the merged dataset differs from the single-machine scan"
import os, sys
import polars as pl

single, corpus, run = sys.argv[1:]
opts = {
    "aws_endpoint_url": os.environ["AWS_ENDPOINT_URL"],
    "aws_access_key_id": os.environ["AWS_ACCESS_KEY_ID"],
    "aws_secret_access_key": os.environ["AWS_SECRET_ACCESS_KEY"],
    "aws_region": os.environ["AWS_REGION"],
    "aws_allow_http": "true",
}
bad = 0
for t in ["segments", "entities", "policies", "checklist", "errors"]:
    merged = pl.read_parquet(f"{run}/{t}/*.parquet", storage_options=opts)
    ref = pl.read_parquet(f"{single}/{t}.parquet")
    if "path" in ref.columns:
        # The same files, read from s3:// instead of the local folder.
        ref = ref.with_columns(pl.col("path").str.replace(corpus + "/", "s3://e2e/corpus/", literal=True))
    if t == "errors":
        merged, ref = merged.sort("path"), ref.sort("path")
    same = merged.equals(ref)
    print(f"e2e-cluster: {t}: {merged.height} rows merged, {ref.height} single-machine, {'identical' if same else 'DIFFERENT'}")
    bad += not same
sys.exit(1 if bad else 0)
EOF

say "PASS in $(($(date +%s) - t0)) s"
