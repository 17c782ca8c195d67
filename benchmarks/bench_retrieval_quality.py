"""Does the dense retriever beat BM25? Recall@1, Recall@10 and MRR on held-out tactics.

Usage::

    python benchmarks/bench_retrieval_quality.py                  # trains, then evaluates
    python benchmarks/bench_retrieval_quality.py --ckpt last.ckpt  # evaluates a checkpoint

Without ``--ckpt``, trains the tiny dense retriever of ``configs/retriever-demo.yaml``
(``tacgen retriever fit``, in a temporary folder) on the bundled demo's train split, and
evaluates its last checkpoint (so validation picks nothing). Then evaluates it and the
BM25 baseline on the same held-out tactics (by default the demo's val and test splits):
every tactic with at least one premise located in the corpus is a query, its positives
are those premises, and both retrievers rank the premises accessible to its theorem. The
metrics are those of validation (``ranking_metrics``).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def train(work: Path, max_steps: int) -> Path:
    """Trains the demo retriever with the command line; returns its last checkpoint."""
    command = [sys.executable, "-m", "tacgen.cli", "retriever", "fit"]
    command += ["--config", str(REPO / "configs" / "retriever-demo.yaml")]
    command += [f"--trainer.max_steps={max_steps}", "--trainer.enable_progress_bar=false"]
    print("training:", " ".join(command[2:]), flush=True)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=work, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"training failed:\n{done.stderr[-4000:]}")
    print(f"training: {time.perf_counter() - start:.0f} s", flush=True)
    return work / "runs" / "retriever-demo" / "checkpoints" / "last.ckpt"


def evaluate(name: str, retriever, contexts, corpus, k: int = 100) -> np.ndarray:
    """Mean (Recall@1, Recall@10, MRR) of ``retriever`` over ``contexts``."""
    from tacgen.retrieval.training import ranking_metrics

    index = {id(premise): i for i, premise in enumerate(corpus.premises)}
    rows = []
    for lo in range(0, len(contexts), 64):
        batch = contexts[lo : lo + 64]
        rows += retriever.batch_retrieve(
            [c.state for c in batch],
            [c.file_path for c in batch],
            [c.full_name for c in batch],
            [c.theorem_pos for c in batch],
            k,
        )
    retrieved = np.full((len(rows), k), -1, dtype=np.int64)  # (queries, k)
    for q, row in enumerate(rows):
        retrieved[q, : len(row)] = [index[id(premise)] for premise, _ in row]
    metrics = ranking_metrics(retrieved, [c.positives for c in contexts]).mean(0)
    print(f"{name:<28} {metrics[0]:9.3f} {metrics[1]:10.3f} {metrics[2]:7.3f}")
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ckpt", type=Path, help="a trained retriever; trains one if absent")
    parser.add_argument("--max-steps", type=int, default=400, help="training steps")
    parser.add_argument("--data", default="tacgen:demo/random", help="split folder")
    parser.add_argument("--corpus", default="tacgen:demo/corpus.jsonl")
    parser.add_argument(
        "--splits", nargs="+", default=["val", "test"], help="held-out splits to evaluate on"
    )
    args = parser.parse_args()

    from tacgen.core.paths import resolve_data_path
    from tacgen.data.contexts import load_contexts
    from tacgen.data.corpus import Corpus
    from tacgen.retrieval.bm25 import BM25Retriever
    from tacgen.retrieval.loading import load_retriever

    print(f"command : python benchmarks/bench_retrieval_quality.py {' '.join(sys.argv[1:])}")
    print(f"machine : {platform.platform()} | {os.cpu_count()} CPUs")
    corpus = Corpus(resolve_data_path(args.corpus))
    queries, tactics = [], 0
    for split in args.splits:
        contexts, _ = load_contexts(resolve_data_path(args.data) / f"{split}.json", corpus)
        queries += [c for c in contexts if c.positives]
        tactics += len(contexts)
    print(
        f"queries : {len(queries)} of the {tactics} tactics of {args.data}/"
        f"{{{','.join(args.splits)}}}.json have premises in the corpus "
        f"({len(corpus.premises)} premises)"
    )
    with tempfile.TemporaryDirectory() as work:
        ckpt = args.ckpt or train(Path(work), args.max_steps)
        dense = load_retriever(str(ckpt), corpus)
        print(f"{'retriever':<28} {'Recall@1':>9} {'Recall@10':>10} {'MRR':>7}")
        bm25 = evaluate("BM25", BM25Retriever(corpus), queries, corpus)
        ours = evaluate(f"dense ({dense.hparams['model_name']})", dense, queries, corpus)
    verdict = "beats" if ours[1] > bm25[1] else "does not beat"
    print(f"dense {verdict} BM25 on Recall@10: {ours[1]:.3f} vs {bm25[1]:.3f}")


if __name__ == "__main__":
    main()
