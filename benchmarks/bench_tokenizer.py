"""Collation speed: transformers' ByT5Tokenizer vs tacgen's vectorised ByteTokenizer.

Loads every traced tactic's ``state_before`` from a LeanDojo split file, then, in one process,
collates them in consecutive batches (8 and 64 by default, ``max_length`` 2300) with

* ``ByT5Tokenizer()(batch, padding="longest", truncation=True, max_length=2300,
  return_tensors="pt")`` and
* ``ByteTokenizer().batch_encode(batch, max_length=2300)``,

checks that ids and attention masks are equal, and prints the best of a few timed passes.

Usage::

    .venv/bin/python benchmarks/bench_tokenizer.py [--data PATH] [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import torch
import transformers

from tacgen.nn.tokenizer import ByteTokenizer

REPO_ROOT = Path(__file__).resolve().parent.parent
Batch = tuple[torch.Tensor, torch.Tensor]


def default_data() -> Path:
    data_dir = Path(os.environ.get("TACGEN_DATA_DIR", REPO_ROOT.parent / "shared" / "data"))
    return data_dir / "minif2f-mathlib4-traced" / "random" / "val.json"


def load_states(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as f:
        theorems = json.load(f)
    return [t["state_before"] for thm in theorems for t in thm["traced_tactics"]]


def time_collate(
    fn: Callable[[list[str]], Batch], batches: Sequence[list[str]], repeats: int
) -> tuple[float, list[Batch]]:
    """Best wall time over ``repeats`` passes through all batches, and the last pass's output."""
    best = float("inf")
    out: list[Batch] = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = [fn(b) for b in batches]
        best = min(best, time.perf_counter() - start)
    return best, out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=default_data(), help="LeanDojo split JSON")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[8, 64])
    parser.add_argument("--max-length", type=int, default=2300)
    parser.add_argument("--repeats", type=int, default=3, help="timed passes; the best is kept")
    args = parser.parse_args(argv)

    states = load_states(args.data)
    n_bytes = sum(len(s.encode("utf-8")) for s in states)
    print("command :", shlex.join(["python", *sys.argv]))
    print("machine :", platform.platform(), "|", platform.processor() or platform.machine())
    print("cpus    :", os.cpu_count(), "| torch threads:", torch.get_num_threads())
    print(
        "versions: python",
        platform.python_version(),
        "| torch",
        torch.__version__,
        "| numpy",
        np.__version__,
        "| transformers",
        transformers.__version__,
    )
    print(f"data    : {args.data} ({len(states)} states, {n_bytes / 1e6:.2f} MB UTF-8)")
    print(f"timing  : best of {args.repeats} passes over all states, max_length={args.max_length}")
    print()

    byt5 = transformers.ByT5Tokenizer()
    ours = ByteTokenizer()
    max_length = args.max_length

    def hf(batch: list[str]) -> Batch:
        enc = byt5(
            batch, padding="longest", truncation=True, max_length=max_length, return_tensors="pt"
        )
        return enc["input_ids"], enc["attention_mask"]

    def fast(batch: list[str]) -> Batch:
        return ours.batch_encode(batch, max_length=max_length)

    header = f"{'batch':>5} {'batches':>7} {'ByT5Tokenizer s':>15} {'ByteTokenizer s':>15}"
    header += f" {'us/batch ByT5':>13} {'us/batch ours':>13} {'speed-up':>9}  equal"
    print(header)
    print("-" * len(header))
    for size in args.batch_sizes:
        batches = [states[i : i + size] for i in range(0, len(states), size)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_hf, out_hf = time_collate(hf, batches, args.repeats)
        t_ours, out_ours = time_collate(fast, batches, args.repeats)
        equal = all(
            torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) for a, b in zip(out_hf, out_ours)
        )
        print(
            f"{size:>5} {len(batches):>7} {t_hf:>15.3f} {t_ours:>15.4f}"
            f" {1e6 * t_hf / len(batches):>13.0f} {1e6 * t_ours / len(batches):>13.0f}"
            f" {t_hf / t_ours:>8.1f}x  {equal}"
        )
        if not equal:
            raise SystemExit(f"ids differ for batch size {size}")


if __name__ == "__main__":
    main()
