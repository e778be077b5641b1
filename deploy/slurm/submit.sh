#!/usr/bin/env bash
# Plan, submit the scan array(s), then the merge after them.
#
#   RUN_URI=s3://bucket/runs/r1 SHARDS=200 PARALLEL=40 deploy/slurm/submit.sh s3://bucket/corpus/
#
# RUN_URI   where plan, parts and markers go (a shared folder or s3://…), one per run
# SHARDS    number of shards (array tasks)
# PARALLEL  tasks running at once (the %P of --array), default 20
# Other sbatch settings (partition, account…) go in SBATCH_* variables, which
# sbatch reads itself. Arguments are the inputs, as for `policyscan plan`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${RUN_URI:?set RUN_URI}" "${SHARDS:?set SHARDS}"
PARALLEL="${PARALLEL:-20}"
POLICYSCAN="${POLICYSCAN:-policyscan}"
export RUN_URI POLICYSCAN

"$POLICYSCAN" plan "$@" --shards "$SHARDS" --out "$RUN_URI"

# Arrays are limited to MaxArraySize task ids (default 1001): submit several
# arrays over 0..max-1, each with its SHARD_OFFSET.
max=$(scontrol show config | awk '$1 == "MaxArraySize" {print $3}')
max="${max:-1001}"
per=$(( max < SHARDS ? max : SHARDS ))
jobs=()
for (( offset = 0; offset < SHARDS; offset += per )); do
  n=$(( SHARDS - offset < per ? SHARDS - offset : per ))
  jobs+=("$(SHARD_OFFSET=$offset sbatch --parsable --export=ALL,SHARD_OFFSET=$offset \
            --array="0-$((n - 1))%${PARALLEL}" "$here/scan.sbatch")")
done
deps=$(IFS=:; echo "${jobs[*]}")
merge=$(sbatch --parsable --export=ALL --dependency="afterok:${deps}" "$here/merge.sbatch")
echo "submitted scan array job(s) ${jobs[*]} and merge job ${merge} for ${RUN_URI}"
echo "watch: squeue -j ${deps//:/,},${merge}; if a task fails for good, resubmit it with"
echo "  sbatch --array=<task ids> $here/scan.sbatch   then   sbatch $here/merge.sbatch"
