#!/usr/bin/env bash
# Fresh machine -> whole test suite: install everything, then the check command.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
exec bash scripts/check.sh "$@"
