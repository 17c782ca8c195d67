#!/usr/bin/env bash
# Creates .venv and installs tacgen (editable) with CPU PyTorch; "dev" adds test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
extra=""; [ "${1:-}" = "dev" ] && extra="[dev]"
.venv/bin/python -m pip install -q --disable-pip-version-check torch==2.13.0 -e ".${extra}"
