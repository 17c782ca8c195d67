"""Decoding backends on real states: plain ``generate``, tacgen torch, tacgen ct2 (f32, int8).

Usage::

    python benchmarks/bench_backends.py --model byt5-small [--states 16] [--num-samples 8]
                                        [--max-output-length 32] [--batch-size 8]
    python benchmarks/bench_backends.py --ckpt runs/demo/checkpoints/last.ckpt --states 64

Takes the first ``--states`` states of ``minif2f-mathlib4-traced/random/test.json`` (or
``--data FILE``), sorts them by length once, and decodes ``--num-samples`` beams for each
four ways in one process, in batches of ``--batch-size``:

- ``plain generate``: ByT5Tokenizer and ``model.generate(num_beams=n, num_return_sequences=n)``
  (the straightforward way);
- ``tacgen torch``: ``load_generator(..., backend="torch")`` through ``generate_by_length``;
- ``tacgen ct2 float32`` and ``tacgen ct2 int8``: ``load_generator(..., backend="ct2")``.

Without ``--ckpt`` the model has random weights of the named architecture (``byt5-small``
is ReProver's shape): it decodes every beam to ``--max-output-length``, so all ways do the
same decoding work. Prints seconds, states/s, the speed-up over plain ``generate``, how often
each way ranks torch float32's best tactic first, and how far the int8 scores of those
shared best tactics are from float32's. Conversion to CTranslate2 is timed apart (it happens
once per checkpoint and is then cached).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

from bench_generation import plain_generate  # the same straightforward way

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("TACGEN_DATA_DIR", REPO.parent / "shared" / "data"))


def tacgen_generate(generator, states: list[str], args: argparse.Namespace) -> list[tuple]:
    """What ``tacgen generate --input`` runs; the best (tactic, score) of each state."""
    from tacgen.core.records import Query
    from tacgen.generator.interface import generate_by_length

    queries = [Query(state) for state in states]
    ranked = generate_by_length(generator, queries, args.num_samples, args.batch_size)
    return [candidates[0] if candidates else ("", float("-inf")) for candidates in ranked]


def _model_path(args: argparse.Namespace, work: Path) -> Path:
    if args.ckpt:
        return Path(args.ckpt)
    from tacgen.generator.module import RetrievalAugmentedGenerator

    torch.manual_seed(0)
    return RetrievalAugmentedGenerator(args.model).export(work / "hf")


def _states(args: argparse.Namespace) -> list[str]:
    from tacgen.data.formatting import format_state

    theorems = json.loads(Path(args.data).read_bytes())
    states = [format_state(t["state_before"]) for th in theorems for t in th["traced_tactics"]]
    return sorted(states[: args.states], key=lambda s: -len(s.encode()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="byt5-small", help="architecture with random weights")
    parser.add_argument("--ckpt", help="a trained generator (.ckpt or directory) instead")
    parser.add_argument(
        "--data", default=str(DATA_DIR / "minif2f-mathlib4-traced/random/test.json")
    )
    parser.add_argument("--states", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--num-samples", type=int, default=8)
    parser.add_argument("--max-input-length", type=int, default=2300)
    parser.add_argument("--max-output-length", type=int, default=32)
    args = parser.parse_args()

    from tacgen.generator.inference import load_generator

    states = _states(args)
    lengths = {"max_input_length": args.max_input_length}
    lengths["max_output_length"] = args.max_output_length
    print(f"command : python benchmarks/bench_backends.py {' '.join(sys.argv[1:])}")
    print(
        f"machine : {platform.platform()} | {os.cpu_count()} CPUs | torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads"
    )
    sizes = sorted(len(s.encode()) for s in states)
    print(f"states  : {len(states)}, median {sizes[len(sizes) // 2]} bytes, max {sizes[-1]}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ["TACGEN_CACHE_DIR"] = str(work / "cache")
        source = _model_path(args, work)
        torch_generator = load_generator(source, device="cpu", **lengths)
        start = time.perf_counter()
        ct2_f32 = load_generator(source, "cpu", backend="ct2", compute_type="float32", **lengths)
        print(f"convert : {time.perf_counter() - start:.1f} s to CTranslate2 (once, then cached)")
        ct2_int8 = load_generator(source, "cpu", backend="ct2", compute_type="int8", **lengths)
        model = torch_generator.backend.model
        with torch.inference_mode():
            plain_generate(model, states[: args.batch_size], args)  # warm-up
            timings, best = {}, {}
            start = time.perf_counter()
            best["plain generate"] = [(t, None) for t in plain_generate(model, states, args)]
            timings["plain generate"] = time.perf_counter() - start
            for name, generator in (
                ("tacgen torch", torch_generator),
                ("tacgen ct2 float32", ct2_f32),
                ("tacgen ct2 int8", ct2_int8),
            ):
                tacgen_generate(generator, states[: args.batch_size], args)  # warm-up
                start = time.perf_counter()
                best[name] = tacgen_generate(generator, states, args)
                timings[name] = time.perf_counter() - start
    reference = [t for t, _ in best["tacgen torch"]]
    print(f"{'method':<20} {'seconds':>8} {'states/s':>9} {'speed-up':>9} {'same best':>10}")
    for name, seconds in timings.items():
        same = sum(a.strip() == b.strip() for (a, _), b in zip(best[name], reference))
        print(
            f"{name:<20} {seconds:8.2f} {len(states) / seconds:9.2f} "
            f"{timings['plain generate'] / seconds:8.2f}x {same:>4}/{len(states)}"
        )
    for name in ("tacgen ct2 float32", "tacgen ct2 int8"):
        gaps = [
            abs(s - r)
            for (t, s), (u, r) in zip(best[name], best["tacgen torch"])
            if t == u and s is not None
        ]
        if gaps:
            print(
                f"{name}: |score - torch float32| over {len(gaps)} shared best tactics: "
                f"mean {statistics.mean(gaps):.4f}, max {max(gaps):.4f}"
            )


if __name__ == "__main__":
    main()
