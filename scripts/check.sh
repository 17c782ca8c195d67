#!/usr/bin/env bash
# The one check command: lint, format check, types, tests. CI runs exactly this (through
# scripts/test.sh), then the slow tier (scripts/check.sh --slow). Extra arguments go to
# pytest, e.g. scripts/check.sh tests/test_cli.py, or scripts/check.sh -m gpu.
#   scripts/check.sh          ruff, mypy, then the fast tier on every core (pytest-xdist)
#   scripts/check.sh --slow   the slow tier only (DDP, kill -9 resume, load, Ray), no lint
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# --dist loadfile: a module's fixtures (a trained model, a server) are built on one worker.
PYTEST=("$PY" -m pytest -n auto --dist loadfile --durations=25)
if [ "${1:-}" = "--slow" ]; then
  shift
  echo "== pytest (slow tier)"
  # Each slow test starts processes of its own (DDP ranks, Ray, killed runs): one at a time.
  exec "$PY" -m pytest -m slow --durations=25 "$@"
fi
echo "== ruff check";  "$PY" -m ruff check src tests benchmarks scripts
echo "== ruff format"; "$PY" -m ruff format --check src tests benchmarks scripts
echo "== mypy";        "$PY" -m mypy
echo "== pytest";      "${PYTEST[@]}" "$@"
echo "Changed a module users rely on? Check that its tests can fail: scripts/mutation.sh MODULE (CONTRIBUTING.md)"
