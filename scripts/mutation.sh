#!/usr/bin/env bash
# Mutation testing of one module with mutmut 3: does a test fail when its behaviour breaks?
#   scripts/mutation.sh MODULE [--max-children N]
#   scripts/mutation.sh prover/results.py        (or tacgen.prover.results, or src/tacgen/...)
#   scripts/mutation.sh --list                   the modules mapped, and their test files
# Each module runs against the test files that guard it (the table below), in a scratch copy
# .mutation/<module>/ (gitignored; mutmut writes its mutants/ and results there). A second
# run resumes: only new or changed functions are tested again. Afterwards, in that folder:
#   mutmut results                 the survivors          mutmut show NAME   one's diff
#   mutmut apply NAME              writes it on the copy, never on your tree
# Record the counts and each survivor (a test that kills it, or why not) in TESTING.md.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"
PY="${PYTHON:-$REPO/.venv/bin/python}"

# module (under src/tacgen) -> the test files that guard it: fast ones, no trained model
# where one can be avoided (a mutant reruns the tests that reach the mutated function).
# mutmut records which tests reach a function in the test process only: a test that
# drives a server or the CLI in a subprocess (test_serving.py) reaches nothing in its eyes,
# so the in-process tests are mapped (test_serving_app.py, test_api_rules.py: a fake generator).
declare -A TESTS=(
  [prover/results.py]="tests/test_results.py"
  [prover/search.py]="tests/test_proof_search.py tests/test_prover.py tests/test_candidates.py tests/test_results.py"
  [prover/replay.py]="tests/test_prover.py"
  [data/download.py]="tests/test_download.py tests/test_bad_input.py"
  [data/provenance.py]="tests/test_provenance.py"
  [data/local_names.py]="tests/test_local_names.py tests/test_renamings.py"
  [core/atomic.py]="tests/test_atomic.py tests/test_bad_input.py"
  [nn/resumable.py]="tests/test_resumable.py tests/test_resume_points.py"
  [generator/options.py]="tests/test_options.py tests/test_candidates.py tests/test_bad_input.py tests/test_prover.py"
  [serving/schemas.py]="tests/test_serving_app.py tests/test_api_rules.py"
  [serving/app.py]="tests/test_serving_app.py tests/test_api_rules.py"
)

if [ "${1:-}" = "--list" ] || [ -z "${1:-}" ]; then
  for module in "${!TESTS[@]}"; do echo "$module: ${TESTS[$module]}"; done | sort
  [ -n "${1:-}" ] || { echo "usage: scripts/mutation.sh MODULE [--max-children N]" >&2; exit 2; }
  exit 0
fi
module="$1"; shift
module="${module#src/}"; module="${module#tacgen/}"
if [[ "$module" == tacgen.* ]]; then module="${module#tacgen.}"; module="${module//.//}.py"; fi
if [ -z "${TESTS[$module]+x}" ]; then
  echo "no test files mapped for $module: add it to TESTS in scripts/mutation.sh" >&2
  echo "(mapped: $(printf '%s ' "${!TESTS[@]}"))" >&2
  exit 2
fi
"$PY" -c "import mutmut" 2>/dev/null || {
  echo "mutmut is not installed: $PY -m pip install -e '.[dev]'" >&2; exit 2
}

work="$REPO/.mutation/${module//\//.}"
mkdir -p "$work"
# The copy mutmut works in: the sources and tests as they are now (mutants/ is kept).
for path in src tests configs scripts docs benchmarks README.md; do
  rm -rf "${work:?}/$path"
  cp -r "$path" "$work/$path"
done
find "$work" -name __pycache__ -prune -exec rm -rf {} +
# pyproject.toml with the repository's [tool.mutmut] narrowed to this module and its tests.
"$PY" - "$module" "${TESTS[$module]}" > "$work/pyproject.toml" <<'EOF'
import json, re, sys
module, tests = sys.argv[1], sys.argv[2].split()
text = open("pyproject.toml", encoding="utf-8").read()
section = re.compile(r"\n\[tool\.mutmut\]\n((?:(?!\n\[).)*)", flags=re.S)
found = section.search(text)
print(section.sub("\n", text).rstrip() + "\n\n[tool.mutmut]")
print(found.group(1).strip() if found else 'source_paths = ["src/"]')
print(f"only_mutate = {json.dumps(['src/tacgen/' + module])}")
print(f"pytest_add_cli_args_test_selection = {json.dumps(tests)}")
EOF
cd "$work"
# Subprocesses a test starts import the mutated copy too, never the tree you work on.
# (It must exist before Python starts: a missing folder on the path is cached as empty.)
mkdir -p "$work/mutants/src"
export PYTHONPATH="$work/mutants/src" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# The real data that conftest.py finds beside the repository (../shared/data).
export TACGEN_DATA_DIR="${TACGEN_DATA_DIR:-$REPO/../shared/data}"
echo "== mutmut on src/tacgen/$module against ${TESTS[$module]} (in $work)"
nice "$PY" -m mutmut run "$@" || status=$?
"$PY" -m mutmut results || true
echo "== counts (all mutants of the module):"
"$PY" - <<'EOF'
import collections, json, pathlib
from mutmut.stats import status_by_exit_code
counts = collections.Counter()
for meta in pathlib.Path("mutants").rglob("*.py.meta"):
    for code in json.loads(meta.read_text())["exit_code_by_key"].values():
        counts[status_by_exit_code[code]] += 1
print(", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "no mutants")
EOF
exit "${status:-0}"
