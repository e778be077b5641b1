#!/usr/bin/env bash
# Run plan → scan (Indexed Job) → merge in the current kubectl namespace.
# Kubernetes has no job dependencies, so this script waits between steps.
# Usage: deploy/kubernetes/run.sh   (edit config.yaml first)
set -euo pipefail
cd "$(dirname "$0")"
kubectl apply -f config.yaml
kubectl apply -f plan-job.yaml
kubectl wait --for=condition=complete --timeout=2h job/policyscan-plan
kubectl apply -f scan-job.yaml
# Complete, or Failed once more than maxFailedIndexes shards gave up.
while true; do
  if kubectl wait --for=condition=complete --timeout=60s job/policyscan-scan 2>/dev/null; then
    break
  fi
  if kubectl get job/policyscan-scan -o jsonpath='{.status.conditions[?(@.type=="Failed")].status}' | grep -q True; then
    echo "policyscan-scan failed; failed shards: $(kubectl get job/policyscan-scan -o jsonpath='{.status.failedIndexes}')" >&2
    break
  fi
done
kubectl apply -f merge-job.yaml
kubectl wait --for=condition=complete --timeout=1h job/policyscan-merge
kubectl logs job/policyscan-merge
