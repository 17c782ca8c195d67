#!/usr/bin/env bash
# Runs the tests that compare floats across backends once per CPU instruction set this CPU
# has (GENERIC, AVX, AVX2, AVX512) and per thread count (OMP_NUM_THREADS 1 and 2), so that
# an assertion that holds on one machine and fails on another is caught where it is written.
#   bash scripts/isa_matrix.sh            # the backend tests under each setting
#   bash scripts/isa_matrix.sh spread     # scripts/ct2_spread.py under each setting instead
# Each setting caps every library that dispatches on the CPU: CTranslate2's own kernels
# (CT2_FORCE_CPU_ISA), MKL's int8 GEMM that CTranslate2 calls (MKL_ENABLE_INSTRUCTIONS:
# AVX2's int8 multiply-add saturates, AVX-512 VNNI's does not), and torch's (ATen, oneDNN),
# which trains the tiny models the tests compare.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
isas=(GENERIC)
[[ " $flags " == *" avx "* ]] && isas+=(AVX)
[[ " $flags " == *" avx2 "* ]] && isas+=(AVX2)
[[ " $flags " == *" avx512f "* && " $flags " == *" avx512bw "* ]] && isas+=(AVX512)
declare -A MKL=([GENERIC]=SSE4_2 [AVX]=AVX [AVX2]=AVX2 [AVX512]=AVX512)
declare -A ATEN=([GENERIC]=default [AVX]=default [AVX2]=avx2 [AVX512]=avx512)
declare -A ONEDNN=([GENERIC]=SSE41 [AVX]=AVX [AVX2]=AVX2 [AVX512]=AVX512_CORE)
failed=()
for isa in "${isas[@]}"; do
  for threads in 1 2; do
    echo "== CT2_FORCE_CPU_ISA=$isa OMP_NUM_THREADS=$threads"
    run=(env CT2_FORCE_CPU_ISA="$isa" MKL_ENABLE_INSTRUCTIONS="${MKL[$isa]}"
         ATEN_CPU_CAPABILITY="${ATEN[$isa]}" ONEDNN_MAX_CPU_ISA="${ONEDNN[$isa]}"
         OMP_NUM_THREADS="$threads")
    if [ "${1:-}" = spread ]; then
      "${run[@]}" "$PY" scripts/ct2_spread.py 2>/dev/null || failed+=("$isa/$threads")
    else
      "${run[@]}" "$PY" -m pytest -q -p no:cacheprovider -n 0 tests/test_backends.py \
        tests/test_regression.py || failed+=("$isa/$threads")
    fi
  done
done
if [ ${#failed[@]} -gt 0 ]; then echo "failed under: ${failed[*]}"; exit 1; fi
echo "passed under every setting: ${isas[*]} x OMP_NUM_THREADS 1, 2"
