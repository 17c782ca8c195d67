"""Proof search under replay: Pass@1 (replay) of a trained generator beside a baseline.

Usage::

    python benchmarks/bench_prove.py --ckpt runs/demo/checkpoints/last.ckpt \\
        --data tacgen:demo/random/test.json --train tacgen:demo/random/train.json
        [--num-sampled-tactics 64] [--timeout 60] [--backend torch|ct2]

    # retrieval-augmented: a generator trained with retrieval (configs/demo-rag.yaml),
    # searched with and without its retriever, beside one trained without (demo.yaml)
    python benchmarks/bench_prove.py --ckpt runs/demo-rag/checkpoints/last.ckpt \\
        --retriever-ckpt runs/retriever-demo/checkpoints/last.ckpt \\
        --retriever-index index.safetensors [--compare-ckpt runs/demo/checkpoints/last.ckpt]

Proves every theorem of ``--data`` under the replay environment, in one process, with:

- the generator of ``--ckpt``, with ``--expansion-batch`` 1 and 8 and ``--workers`` 1 and 2;
- a baseline that proposes the ``--num-sampled-tactics`` most frequent tactics of
  ``--train`` for every state (scores: log frequency).

With ``--retriever-ckpt``, the generator of ``--ckpt`` is searched without and with the
retriever (built by ``build_generator``, as ``tacgen prove --retriever-ckpt`` builds it),
at the same budget, and ``--compare-ckpt`` (a generator trained without retrieval) beside.

Prints Pass@1 (replay) = proved / attempted for each run, theorems per minute, and where
the time goes (seconds in the generator and in the environment, summed over theorems; with
retrieval, the seconds in the retriever, which are part of the generator's, and their
share of them).
Replay accepts only the traced tactics, so these are lower bounds of Pass@1 in Lean.

``--library-variants`` runs, at the same budget (``--num-sampled-tactics`` tactics tried per
expanded node), the model beside its tactic library (the ``--train`` split's 64 most
frequent tactics, scored by the model): model alone, model + library, and the variants of
issue 18 (per-token scores, half the budget to beams, the library alone but scored by the
model, slots kept for the library, a frequency prior, the library renamed to each state's
local names) instead of the batch and worker variants, after two oracle ``ceiling:`` lines
(``--skip-ceiling`` leaves them out: they decode every traced step). ``--only WORD...``
runs the variants whose name contains one of the words.
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

from machine import cpu_model
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

    config = SearchConfig(
        args.num_sampled_tactics, args.timeout, args.max_expansions, expansion_batch, **search
    )
    inputs = getattr(generator, "inputs", None)
    stats = getattr(inputs, "stats", None)
    if inputs is not None:
        inputs.forget()  # each run retrieves for its own queries, not from the last run's
    before = (stats.seconds, stats.calls, stats.queries) if stats else (0.0, 0, 0)
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
    line = (
        f"{name:<34} {summary.counts.get('proved', 0):>3}/{summary.attempted:<3} "
        f"{summary.pass_at_1:6.3f} {len(rows) / seconds * 60:8.1f} {seconds:8.1f} "
        f"{gen:8.1f} {env:6.2f}"
    )
    if stats is not None and stats.calls > before[1]:
        retrieval = stats.seconds - before[0]
        calls, queries = stats.calls - before[1], stats.queries - before[2]
        share = retrieval / gen if gen else 0.0
        line += f" {retrieval:7.2f} {share:7.1%}  ({calls} calls, {queries} queries)"
    print(line)


def load(args, path, retriever: bool):
    """A generator through ``build_generator`` (``tacgen prove``'s builder)."""
    from tacgen.prover.generators import GeneratorSpec, build_generator

    spec = GeneratorSpec(
        path=path,
        device="cpu",
        backend=args.backend,
        retriever_ckpt=args.retriever_ckpt if retriever else None,
        retriever_index=args.retriever_index if retriever else None,
        retriever_exact=args.retriever_exact and retriever,
    )
    generator = build_generator(spec)
    if not retriever and getattr(generator, "retriever", None) is not None:
        generator.inputs.attach(None)  # the retriever that the checkpoint's config names
    return generator


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
    parser.add_argument("--max-expansions", type=int, help="expanded nodes per theorem at most")
    parser.add_argument("--skip-variants", action="store_true", help="only batch 1, 1 worker")
    parser.add_argument(
        "--library-variants", action="store_true", help="model vs model + tactic library"
    )
    parser.add_argument(
        "--skip-ceiling", action="store_true", help="no oracle ceiling (it decodes every step)"
    )
    parser.add_argument(
        "--only", nargs="+", metavar="WORD", help="library variants whose name has a WORD"
    )
    parser.add_argument("--retriever-ckpt", help="search --ckpt without and with this retriever")
    parser.add_argument("--retriever-index", help="its embeddings (+ ANN index) from tacgen index")
    parser.add_argument("--retriever-exact", action="store_true", help="exact search, no ANN")
    parser.add_argument("--compare-ckpt", help="a generator trained without retrieval, beside")
    args = parser.parse_args()

    import torch

    from tacgen.prover.theorems import load_theorems

    theorems = load_theorems(args.data, limit=args.limit)
    train = load_theorems(args.train)
    print(f"command : python benchmarks/bench_prove.py {' '.join(sys.argv[1:])}")
    print(
        f"machine : {platform.platform()} | {os.cpu_count()} CPUs | torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads"
    )
    print(f"cpu     : {cpu_model()} | load average {os.getloadavg()[0]:.2f} at start")
    print(f"theorems: {len(theorems)} of {args.data}; baseline from {len(train)} of {args.train}")
    generator = load(args, args.ckpt, retriever=False)
    header = f"{'run':<34} {'proved':>7} {'Pass@1':>6} {'thm/min':>8} {'seconds':>8}"
    header += f" {'gen s':>8} {'env s':>6}"
    if args.retriever_ckpt:
        header += f" {'ret s':>7} {'ret/gen':>7}"
    print(header + "   (Pass@1 (replay))")
    baseline = FrequencyGenerator([s.tactic for t in train for s in t.traced])
    run("most frequent tactics (baseline)", theorems, baseline, args)
    if args.compare_ckpt:
        run("trained without retrieval", theorems, load(args, args.compare_ckpt, False), args)
    label = args.backend if not args.retriever_ckpt else f"{args.backend}, no retrieval"
    run(f"{label}, batch 1, 1 worker", theorems, generator, args)
    variants = [(1, 1)] if args.retriever_ckpt else []
    if not args.skip_variants:
        variants += [(8, 1), (1, 2)]
    if args.retriever_ckpt:
        generator = load(args, args.ckpt, retriever=True)
        label = f"{args.backend}, retrieval"
    if args.library_variants:
        library_variants(theorems, generator, train, args)
        variants = [v for v in variants if args.retriever_ckpt and v == (1, 1)]
    for batch, workers in variants:
        name = f"{label}, batch {batch}, {workers} worker{'s' if workers > 1 else ''}"
        run(name, theorems, generator, args, expansion_batch=batch, workers=workers)
    retriever = getattr(generator, "retriever", None)
    if retriever is not None:
        stats = retriever.search_stats
        print(
            f"retriever: {len(retriever.corpus)} premises, ANN {retriever.uses_ann}; exact "
            f"fallbacks {stats.fallbacks} of {stats.queries} queries"
        )
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    print(json.dumps({"note": "replay accepts traced tactics only: lower bounds"}))


def oracle(theorems, generator, library, n, renamings=0) -> int:
    """Theorems whose every traced step's tactic is among the model's n beams on that
    state or in the library (and, with ``renamings``, the library renamed to the state's
    local names): under replay, no merge of these lists proves more."""
    from tacgen.prover.renamings import instances
    from tacgen.prover.replay import replay_key

    keys = {replay_key(t) for t in library}
    reachable = 0
    for t in theorems:
        steps = []
        for s in t.traced:
            beams = generator.generate(s.state_before, t.file_path, t.full_name, t.start, n)
            found = keys | {replay_key(x) for x, _ in beams}
            found |= {replay_key(x) for x, _ in instances(library, s.state_before, renamings)}
            steps.append(replay_key(s.tactic) in found)
        reachable += all(steps)
    return reachable


def library_variants(theorems, generator, train, args) -> None:
    """Model + tactic library, and its variants, at the same per-node budget."""
    from tacgen.data.provenance import frequent_tactics

    library = tuple(frequent_tactics(s.tactic for t in train for s in t.traced))
    n = args.num_sampled_tactics
    if not args.skip_ceiling:
        ceiling = oracle(theorems, generator, library, n)
        print(
            f"ceiling: {ceiling}/{len(theorems)} theorems have every step in the beams or library"
        )
        ceiling = oracle(theorems, generator, library, n, renamings=512)
        print(f"ceiling: {ceiling}/{len(theorems)} with the library's renamings (512 per state)")
    half, quarter = n // 2, n // 4
    variants = {
        "model + library (sum)": {},
        "model + library (mean-token)": {"score": "mean-token"},
        "model, mean-token": {"library": (), "score": "mean-token"},
        f"{half} beams + library": {"num_beams": max(1, half)},
        "library scored by the model, 1 beam": {"num_beams": 1},
        f"model + library, {quarter} slots kept": {"library_slots": quarter},
        f"model + library, {half} slots kept": {"library_slots": half},
        f"{half} slots kept, prior 1": {"library_slots": half, "library_prior": 1.0},
        f"{half} slots kept, prior 10": {"library_slots": half, "library_prior": 10.0},
        f"{quarter} slots kept, prior 10": {"library_slots": quarter, "library_prior": 10.0},
        "model + library, prior 1": {"library_prior": 1.0},
        f"+ renamings, {half} slots kept": {"library_slots": half, "library_renamings": 512},
        f"+ renamings, {half} slots, prior 1": {
            "library_slots": half,
            "library_renamings": 512,
            "library_prior": 1.0,
        },
        f"+ renamings, {3 * quarter} slots kept": {
            "library_slots": 3 * quarter,
            "library_renamings": 512,
        },
        f"+ renamings, {3 * quarter} slots, prior 1": {
            "library_slots": 3 * quarter,
            "library_renamings": 512,
            "library_prior": 1.0,
        },
        f"+ renamings, {n - n // 8} slots kept": {
            "library_slots": n - n // 8,
            "library_renamings": 512,
        },
        f"+ renamings, {quarter} slots, prior 1": {
            "library_slots": quarter,
            "library_renamings": 512,
            "library_prior": 1.0,
        },
    }
    for name, search in variants.items():
        if args.only and not any(word in name for word in args.only):
            continue
        run(name, theorems, generator, args, **{"library": library, **search})


if __name__ == "__main__":
    main()
