#!/bin/bash
# Trains the shipped checkpoints one after another (log per model in runs/), each with the command the
# registry gives for it (aelab/models/registry.py, `rebuild`): the commands are written there only.
cd "$(dirname "$0")/.." && mkdir -p runs
export AELAB_DATA_DIR="${AELAB_DATA_DIR:-../shared/data}"
PY="${PYTHON:-.venv/bin/python}"
"$PY" -c 'from aelab.models import registry
for k in registry.KINDS.values():
    if k.cli:
        print(k.name, k.rebuild.removeprefix("python "))' | while read -r m args; do
  "$PY" $args > "runs/$m.log" 2>&1 < /dev/null
done
echo done > runs/ALL_DONE
