"""Batch generation on real states: tacgen's length-sorted batches vs plain ``generate``.

Usage::

    python benchmarks/bench_generation.py [--states 128] [--batch-size 8] [--num-samples 8]
                                          [--ckpt runs/demo/checkpoints/last.ckpt]

Takes the first ``--states`` states of ``minif2f-mathlib4-traced/random/test.json`` and
generates ``--num-samples`` tactics for each with beam search, two ways in one process:

- ``plain generate``: batches in file order, ByT5Tokenizer, ``model.generate(num_beams=n,
  num_return_sequences=n)``, decoded with the tokenizer (the straightforward way);
- ``tacgen``: what ``tacgen generate --input`` runs (``generate_by_length``): batches of
  similar length (longest first), ``ByteTokenizer``, ``generate_queries`` (scores, marks
  removed, deduplicated).

Without ``--ckpt`` the model is the ``tiny`` architecture with random weights: it decodes
every beam to ``--max-output-length``, so both ways do the same decoding work and differ
only in padding and overheads. Prints states per second and how often both ways rank the
same tactic first.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("TACGEN_DATA_DIR", REPO.parent / "shared" / "data"))


def plain_generate(model, states: list[str], args: argparse.Namespace) -> list[str]:
    """File-order batches through ByT5Tokenizer and ``generate``; the best beam of each."""
    from transformers import ByT5Tokenizer

    tokenizer = ByT5Tokenizer()
    best = []
    for lo in range(0, len(states), args.batch_size):
        inputs = tokenizer(
            states[lo : lo + args.batch_size],
            padding="longest",
            truncation=True,
            max_length=args.max_input_length,
            return_tensors="pt",
        )
        out = model.generate(
            **inputs,
            num_beams=args.num_samples,
            num_return_sequences=args.num_samples,
            max_new_tokens=args.max_output_length,
            length_penalty=0.0,
            do_sample=False,
        )
        texts = tokenizer.batch_decode(out, skip_special_tokens=True)
        best += texts[:: args.num_samples]
    return best


def tacgen_generate(generator, states: list[str], args: argparse.Namespace) -> list[str]:
    """``generate_by_length`` (what ``tacgen generate --input`` runs); the best of each."""
    from tacgen.core.records import Query
    from tacgen.generator.interface import generate_by_length

    queries = [Query(state) for state in states]
    ranked = generate_by_length(generator, queries, args.num_samples, args.batch_size)
    return [candidates[0][0] if candidates else "" for candidates in ranked]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--states", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--num-samples", type=int, default=8)
    parser.add_argument("--max-input-length", type=int, default=2300)
    parser.add_argument("--max-output-length", type=int, default=32)
    parser.add_argument("--ckpt", help="a trained generator (.ckpt or directory)")
    args = parser.parse_args()

    from tacgen.data.formatting import format_state
    from tacgen.generator.inference import load_generator
    from tacgen.generator.module import RetrievalAugmentedGenerator

    theorems = json.loads((DATA_DIR / "minif2f-mathlib4-traced/random/test.json").read_bytes())
    states = [format_state(t["state_before"]) for th in theorems for t in th["traced_tactics"]]
    states = states[: args.states]
    lengths = {"max_input_length": args.max_input_length}
    lengths["max_output_length"] = args.max_output_length
    if args.ckpt:
        generator = load_generator(args.ckpt, device="cpu", **lengths)
    else:
        torch.manual_seed(0)
        generator = RetrievalAugmentedGenerator("tiny", **lengths).eval().inference_generator()
    model = generator.backend.model  # type: ignore[attr-defined]
    print(
        f"command : python benchmarks/bench_generation.py --states {args.states} --batch-size "
        f"{args.batch_size} --num-samples {args.num_samples} --max-output-length "
        f"{args.max_output_length}" + (f" --ckpt {args.ckpt}" if args.ckpt else "")
    )
    print(
        f"machine : {platform.platform()} | {os.cpu_count()} CPUs | torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads"
    )
    lengths = sorted(len(s.encode()) for s in states)
    print(f"states  : {len(states)}, median {lengths[len(lengths) // 2]} bytes, max {lengths[-1]}")
    with torch.inference_mode():
        plain_generate(model, states[: args.batch_size], args)  # warm-up
        timings = {}
        start = time.perf_counter()
        plain = plain_generate(model, states, args)
        timings["plain generate"] = time.perf_counter() - start
        start = time.perf_counter()
        ours = tacgen_generate(generator, states, args)
        timings["tacgen"] = time.perf_counter() - start
    print(f"{'method':<16} {'seconds':>8} {'states/s':>9}")
    for name, seconds in timings.items():
        print(f"{name:<16} {seconds:8.2f} {len(states) / seconds:9.2f}")
    print(f"speed-up: {timings['plain generate'] / timings['tacgen']:.2f}x")
    same = sum(a.strip() == b.strip() for a, b in zip(plain, ours))
    print(f"same first tactic: {same} of {len(states)}")


if __name__ == "__main__":
    main()
