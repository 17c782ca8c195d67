"""Proof search under replay: Pass@1 (replay) of a trained generator beside a baseline.

Usage::

    python benchmarks/bench_prove.py --ckpt runs/demo/checkpoints/last.ckpt \\
        --data tacgen:demo/random/test.json --train tacgen:demo/random/train.json
        [--num-sampled-tactics 64] [--timeout 60] [--backend torch|ct2]

Proves every theorem of ``--data`` under the replay environment, in one process, with:

- the generator of ``--ckpt``, with ``--expansion-batch`` 1 and 8 and ``--workers`` 1 and 2;
- a baseline that proposes the ``--num-sampled-tactics`` most frequent tactics of
  ``--train`` for every state (scores: log frequency).

Prints Pass@1 (replay) = proved / attempted for each run, theorems per minute, and where
the time goes (seconds in the generator and in the environment, summed over theorems).
Replay accepts only the traced tactics, so these are lower bounds of Pass@1 in Lean.

``--library-variants`` runs, at the same budget (``--num-sampled-tactics`` tactics tried per
expanded node), the model beside its tactic library (the ``--train`` split's 64 most
frequent tactics, scored by the model): model alone, model + library, and the variants of
issue 18 (per-token scores, half the budget to beams, the library alone but scored by the
model) instead of the batch and worker variants.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from tacgen.core.records import Query
from tacgen.generator.interface import TacticGenerator
from tacgen.generator.options import Candidates, GenerationOptions


class FrequencyGenerator(TacticGenerator):
    """The k most frequent training tactics, whatever the state."""

    def __init__(self, tactics: Sequence[str]) -> None:
        counts = Counter(tactics)
        total = sum(counts.values())
        self.ranked = [(t, math.log(n / total)) for t, n in counts.most_common()]

    def generate_queries(
        self, queries: Sequence[Query], num_samples: int, options: GenerationOptions | None = None
    ) -> list[Candidates]:
        return [self.ranked[:num_samples] for _ in queries]


def run(name, theorems, generator, args, expansion_batch=1, workers=1, **search) -> None:
    from tacgen.prover.environments import make_environment
    from tacgen.prover.results import ResultsWriter, read_results, summarize
    from tacgen.prover.runner import prove_theorems
    from tacgen.prover.search import SearchConfig

    config = SearchConfig(args.num_sampled_tactics, args.timeout, None, expansion_batch, **search)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results.jsonl"
        writer = ResultsWriter(out, "replay")
        start = time.perf_counter()
        prove_theorems(
            theorems, lambda: make_environment("replay"), generator, config, writer, workers
        )
        seconds = time.perf_counter() - start
        writer.close()
        rows = read_results(out)
    summary = summarize(rows)
    gen = sum(r["generator_seconds"] for r in rows)
    env = sum(r["env_seconds"] for r in rows)
    print(
        f"{name:<34} {summary.counts.get('proved', 0):>3}/{summary.attempted:<3} "
        f"{summary.pass_at_1:6.3f} {len(rows) / seconds * 60:8.1f} {seconds:8.1f} "
        f"{gen:8.1f} {env:6.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ckpt", required=True)
    parser.add_argument("--data", default="tacgen:demo/random/test.json")
    parser.add_argument("--train", default="tacgen:demo/random/train.json")
    parser.add_argument("--backend", default="torch", choices=("torch", "ct2"))
    parser.add_argument("--num-sampled-tactics", type=int, default=64)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--skip-variants", action="store_true", help="only batch 1, 1 worker")
    parser.add_argument(
        "--library-variants", action="store_true", help="model vs model + tactic library"
    )
    args = parser.parse_args()

    import torch

    from tacgen.generator.inference import load_generator
    from tacgen.prover.theorems import load_theorems

    theorems = load_theorems(args.data, limit=args.limit)
    train = load_theorems(args.train)
    print(f"command : python benchmarks/bench_prove.py {' '.join(sys.argv[1:])}")
    print(
        f"machine : {platform.platform()} | {os.cpu_count()} CPUs | torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads"
    )
    print(f"theorems: {len(theorems)} of {args.data}; baseline from {len(train)} of {args.train}")
    generator = load_generator(args.ckpt, device="cpu", backend=args.backend)
    header = f"{'run':<34} {'proved':>7} {'Pass@1':>6} {'thm/min':>8} {'seconds':>8}"
    print(header + f" {'gen s':>8} {'env s':>6}   (Pass@1 (replay))")
    baseline = FrequencyGenerator([s.tactic for t in train for s in t.traced])
    run("most frequent tactics (baseline)", theorems, baseline, args)
    run(f"{args.backend}, batch 1, 1 worker", theorems, generator, args)
    if args.library_variants:
        library_variants(theorems, generator, train, args)
    elif not args.skip_variants:
        run(f"{args.backend}, batch 8, 1 worker", theorems, generator, args, expansion_batch=8)
        run(f"{args.backend}, batch 1, 2 workers", theorems, generator, args, workers=2)
    print(json.dumps({"note": "replay accepts traced tactics only: lower bounds"}))


def oracle(theorems, generator, library, n) -> int:
    """Theorems whose every traced step's tactic is among the model's n beams on that
    state or in the library: under replay, no merge of the two lists proves more."""
    reachable = 0
    for t in theorems:
        steps = [
            s.tactic in library
            or s.tactic in [x for x, _ in generator.generate(s.state_before, t.file_path,
                                                             t.full_name, t.start, n)]
            for s in t.traced
        ]  # fmt: skip
        reachable += all(steps)
    return reachable


def library_variants(theorems, generator, train, args) -> None:
    """Model + tactic library, and its variants, at the same per-node budget."""
    from tacgen.data.provenance import frequent_tactics

    library = tuple(frequent_tactics(s.tactic for t in train for s in t.traced))
    n = args.num_sampled_tactics
    ceiling = oracle(theorems, generator, set(library), n)
    print(f"ceiling: {ceiling}/{len(theorems)} theorems have every step in the beams or library")
    run("model + library (sum)", theorems, generator, args, library=library)
    run("model + library (mean-token)", theorems, generator, args, library=library,
        score="mean-token")  # fmt: skip
    run("model, mean-token", theorems, generator, args, score="mean-token")
    run(f"{n // 2} beams + library", theorems, generator, args, library=library,
        num_beams=max(1, n // 2))  # fmt: skip
    run("library scored by the model, 1 beam", theorems, generator, args, library=library,
        num_beams=1)  # fmt: skip
    for slots in (n // 4, n // 2):
        run(f"model + library, {slots} slots kept", theorems, generator, args,
            library=library, library_slots=slots)  # fmt: skip


if __name__ == "__main__":
    main()
