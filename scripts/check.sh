#!/usr/bin/env bash
# The one check command: lint, format check, types, tests. CI runs exactly this
# (through scripts/test.sh). Extra arguments go to pytest, e.g. scripts/check.sh -m slow
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
echo "== ruff check";  "$PY" -m ruff check src tests benchmarks scripts
echo "== ruff format"; "$PY" -m ruff format --check src tests benchmarks scripts
echo "== mypy";        "$PY" -m mypy
echo "== pytest";      "$PY" -m pytest "$@"
