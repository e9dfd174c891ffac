#!/bin/bash
# Trains the shipped checkpoints one after another (log per model in runs/).
cd "$(dirname "$0")/.." && mkdir -p runs
export AELAB_DATA_DIR="${AELAB_DATA_DIR:-../shared/data}"
for cmd in "ae2d --epochs 30 --augment standard" "vae2d --epochs 30 --augment mild" "dae --epochs 30 --schedule cosine --augment standard" "colorizer --epochs 10 --schedule cosine --lr 2e-3" "colorizer_mse --epochs 10 --schedule cosine"; do
  m=${cmd%% *}
  "${PYTHON:-.venv/bin/python}" -m aelab.train $cmd > "runs/$m.log" 2>&1
done
echo done > runs/ALL_DONE
