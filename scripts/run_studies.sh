#!/bin/bash
# Runs the five studies in full, one after another (log per study in runs/), writing
# studies/<study>.json and .png; `variants` also rebuilds checkpoints/{dense,multilayer,sparse}_ae.
# `compression` runs before `pca`: it trains the conv AEs (runs/study-cache/) that `pca` reuses.
cd "$(dirname "$0")/.." && mkdir -p runs
export AELAB_DATA_DIR="${AELAB_DATA_DIR:-../shared/data}"
for study in variants compression pca optimizers losses; do
  /usr/bin/time -f "$study: %e s" "${PYTHON:-.venv/bin/python}" -m aelab.experiments $study > "runs/study-$study.log" 2>&1
  tail -1 "runs/study-$study.log" >> runs/studies-times.log
done
echo done > runs/STUDIES_DONE
