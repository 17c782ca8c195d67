#!/usr/bin/env bash
# Fresh machine -> the main job on the bundled demo: install, train the tiny generator
# on CPU (about 2 minutes on 2 cores, validation top-k accuracy printed), then ask it
# for tactics for a real proof state from the demo's test split. Prints where the time
# went: the set-up (install) and the fit (wall seconds and optimizer steps per second).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
bash scripts/setup.sh
setup_seconds=$((SECONDS - start))
export HF_HUB_OFFLINE=1
.venv/bin/tacgen summary --data-path tacgen:demo/random --top 5
start=$SECONDS
.venv/bin/tacgen fit --config configs/demo.yaml
fit_seconds=$((SECONDS - start))
# A state from the demo's test split (theorem TacgenDemo.Logic.curry'); the
# reference tactic is `intro h hpq`.
STATE=$'p q r : Prop\n⊢ (p → q → r) → p ∧ q → r'
echo "== ranked tactics for the state:"; echo "$STATE"
.venv/bin/tacgen generate --ckpt runs/demo/checkpoints/last.ckpt --num-samples 8 --state "$STATE"
steps=$(sed -n 's/^ *max_steps: *\([0-9]*\).*/\1/p' configs/demo.yaml)
echo "== time: set-up ${setup_seconds} s; fit ${fit_seconds} s wall for ${steps} steps" \
  "($(awk "BEGIN {printf \"%.2f\", $steps / ($fit_seconds > 0 ? $fit_seconds : 1)}") steps/s" \
  "including start-up and validation; tacgen fit's own line above gives the training loop alone)"
