#!/usr/bin/env bash
# Fresh machine -> the main job on the bundled demo: install, train the tiny generator
# on CPU (about 3 minutes on 2 cores, validation top-k accuracy printed), then ask it
# for tactics for a real proof state from the demo's test split.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
.venv/bin/tacgen summary --data-path tacgen:demo/random --top 5
.venv/bin/tacgen fit --config configs/demo.yaml
# A state from the demo's test split (theorem TacgenDemo.Logic.curry'); the
# reference tactic is `intro h hpq`.
STATE=$'p q r : Prop\n⊢ (p → q → r) → p ∧ q → r'
echo "== ranked tactics for the state:"; echo "$STATE"
.venv/bin/tacgen generate --ckpt runs/demo/checkpoints/last.ckpt --num-samples 8 --state "$STATE"
