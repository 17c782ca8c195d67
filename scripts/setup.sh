#!/usr/bin/env bash
# Creates .venv and installs tacgen (editable) with CPU PyTorch, CTranslate2 and the
# server (FastAPI + uvicorn); "dev" adds Ray (parallel proof search), lean-interact (proof
# search in real Lean through the REPL) and the test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
extras="ct2,serve"; [ "${1:-}" = "dev" ] && extras="ct2,serve,ray,report,lean,ann,lora,dev"
.venv/bin/python -m pip install -q --disable-pip-version-check torch==2.13.0 -e ".[${extras}]"
