"""Measures how far CTranslate2's scores move from torch's under the current CPU settings.

For a few seeds, trains the test suite's minuscule T5 (``tests/model_fixtures.py``), loads it
with torch and with CTranslate2 (int8 and float32), and prints one JSON line: for each
compute type, the largest deviation of a top-1 score from torch's teacher-forced score (in
total and per scored token), whether the top-1 tactic agrees with torch's, torch's margin
between its first two candidates where it does not, and the largest deviation of an int8
score from int8's own teacher-forced score (``score_batch``).

The tolerances in ``tests/test_backends.py`` are derived from these numbers, taken under
every setting of ``scripts/isa_matrix.sh`` (BENCHMARKS.md, "CTranslate2 across CPU
instruction sets"). Run it through that script, or alone:

    CT2_FORCE_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2 .venv/bin/python scripts/ct2_spread.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from model_fixtures import PAIRS, ct2_teacher_forced, teacher_forced_log_prob, train_checkpoint
from tacgen.generator.inference import load_generator
from tacgen.nn.tokenizer import ByteTokenizer

STATES = [state for state, _ in PAIRS]
TOKENIZER = ByteTokenizer()
SETTINGS = (
    "CT2_FORCE_CPU_ISA",
    "MKL_ENABLE_INSTRUCTIONS",
    "ATEN_CPU_CAPABILITY",
    "ONEDNN_MAX_CPU_ISA",
    "OMP_NUM_THREADS",
)


def teacher_forced(model: torch.nn.Module, state: str, tactic: str) -> float:
    """Sum of the log-probabilities of ``tactic`` + eos given ``state`` under torch."""
    ids, mask = TOKENIZER.batch_encode([state], 2300)
    return teacher_forced_log_prob(model, ids, mask, TOKENIZER.encode(tactic))


def measure(ckpt: Path) -> dict[str, dict[str, object]]:
    """Deviation statistics of both compute types for one checkpoint."""
    reference = load_generator(ckpt, device="cpu")
    model = reference.backend.model  # type: ignore[attr-defined]
    out: dict[str, dict[str, object]] = {}
    for compute_type in ("int8", "float32"):
        ct2 = load_generator(ckpt, device="cpu", backend="ct2", compute_type=compute_type)
        worst, per_token, self_gap, flips = 0.0, 0.0, 0.0, []
        for state in STATES:
            ours = reference.generate(state, "", "", (0, 0), 4)
            best, score = ct2.generate(state, "", "", (0, 0), 4)[0]
            gap = abs(score - teacher_forced(model, state, best))
            worst = max(worst, gap)
            per_token = max(per_token, gap / (len(best.encode()) + 1))
            self_gap = max(self_gap, abs(score - ct2_teacher_forced(ct2, state, best)))
            if best != ours[0][0]:
                flips.append(round(ours[0][1] - ours[1][1], 3))
        out[compute_type] = {
            "max_gap": round(worst, 4),
            "max_gap_per_token": round(per_token, 4),
            "max_self_gap": round(self_gap, 5),
            "top1_flip_margins": flips,
        }
    return out


def main() -> None:
    seeds = [int(s) for s in sys.argv[1:]] or [0, 1, 2]
    settings = {name: os.environ.get(name, "") for name in SETTINGS}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TACGEN_CACHE_DIR"] = tmp
        for seed in seeds:
            ckpt = train_checkpoint(Path(tmp) / f"seed{seed}.ckpt", seed=seed)
            print(json.dumps({"seed": seed, **settings, **measure(ckpt)}), flush=True)


if __name__ == "__main__":
    main()
