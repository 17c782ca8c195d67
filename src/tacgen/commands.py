"""Implementations of the non-Lightning ``tacgen`` commands (see ``tacgen.cli``)."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from tacgen.data.formatting import remove_marks
from tacgen.data.paths import resolve_data_path
from tacgen.data.records import as_position


def _device(name: str) -> str:
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


def _read_requests(path: Path) -> list[dict[str, Any]]:
    """Generation requests from JSON Lines; each needs a ``state``."""
    if not path.is_file():
        raise FileNotFoundError(f"input file not found: {path}")
    requests = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: invalid JSON: {exc}") from None
            if not isinstance(row, dict) or not isinstance(row.get("state"), str):
                raise ValueError(f"{path}:{number}: each line needs a string field 'state'")
            row["position"] = as_position(row.get("position", [0, 0]), f"{path}:{number}: position")
            requests.append(row)
    return requests


def run_generate(args: argparse.Namespace) -> int:
    """``tacgen generate``: ranked tactics for one state or a JSON Lines file of states."""
    if (args.state is None) == (args.input is None):
        raise ValueError("give exactly one of --state TEXT or --input FILE.jsonl")
    if args.num_samples < 1 or args.batch_size < 1:
        raise ValueError("--num-samples and --batch-size must be at least 1")
    if (args.retriever_index or args.retriever_corpus) and not args.retriever_ckpt:
        raise ValueError("--retriever-index and --retriever-corpus need --retriever-ckpt")
    from tacgen.model.generator import RetrievalAugmentedGenerator
    from tacgen.model.interface import generate_by_length

    device = _device(args.device)
    generator = RetrievalAugmentedGenerator.load(args.ckpt, device=device)
    if args.retriever_ckpt:
        from tacgen.retrieval import load_retriever

        generator.retriever = load_retriever(
            args.retriever_ckpt,
            corpus=args.retriever_corpus,
            index=args.retriever_index,
            device=device,
            progress=True,
        )
    if args.state is not None:
        requests = [{"state": args.state, "file_path": "", "full_name": "", "position": (0, 0)}]
    else:
        requests = _read_requests(args.input)
    results = generate_by_length(
        generator,
        [r["state"] for r in requests],
        [r.get("file_path", "") for r in requests],
        [r.get("full_name", "") for r in requests],
        [r["position"] for r in requests],
        args.num_samples,
        args.batch_size,
        progress=True,
    )
    _write_results(args, requests, results)
    return 0


def _write_results(
    args: argparse.Namespace, requests: list[dict[str, Any]], results: list[list[tuple[str, float]]]
) -> None:
    out: TextIO = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    try:
        if args.json or args.input is not None:
            for request, ranked in zip(requests, results):
                row = {**request, "position": list(request["position"])}
                row["tactics"] = [{"tactic": t, "score": s} for t, s in ranked]
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            out.write(f"{'rank':>4}  {'log-prob':>9}  tactic\n")
            for rank, (tactic, score) in enumerate(results[0], start=1):
                out.write(f"{rank:>4}  {score:9.4f}  {tactic}\n")
    finally:
        if out is not sys.stdout:
            out.close()


def run_export(args: argparse.Namespace) -> int:
    """``tacgen export``: a transformers directory (model + tokenizer) from a checkpoint."""
    from tacgen.model.generator import RetrievalAugmentedGenerator

    generator = RetrievalAugmentedGenerator.load(args.ckpt)
    out = generator.export(args.out, overwrite=args.overwrite)
    print(f"exported {args.ckpt} to {out} (T5ForConditionalGeneration + ByT5 tokenizer)")
    return 0


def _percentiles(lengths: np.ndarray) -> str:
    if len(lengths) == 0:
        return "n/a"
    p50, p90, p99 = np.percentile(lengths, [50, 90, 99]).astype(int).tolist()
    return f"median {p50}, p90 {p90}, p99 {p99}, max {int(lengths.max())}"


def run_summary(args: argparse.Namespace) -> int:
    """``tacgen summary``: examples, lengths and frequent tactics of each split file."""
    from tacgen.data.dataset import GeneratorDataset

    path = resolve_data_path(args.data_path)
    files = [path] if path.is_file() else sorted(path.glob("*.json"))
    files = [f for f in files if f.name != "metadata.json"]
    if not files:
        raise FileNotFoundError(f"no split files (*.json) in {path}")
    for file in files:
        ds = GeneratorDataset(
            file, max_input_length=args.max_input_length, max_output_length=args.max_output_length
        )
        states = ds.examples.states.byte_lengths()
        tactics = ds.examples.tactics.byte_lengths()
        print(f"== {file}")
        print(
            f"theorems {ds.stats.theorems} ({ds.stats.theorems_without_tactics} without "
            f"traced tactics), examples {ds.stats.examples}"
        )
        print(
            f"state bytes:  {_percentiles(states)}; over {args.max_input_length}: "
            f"{int((states > args.max_input_length).sum())}"
        )
        print(
            f"tactic bytes: {_percentiles(tactics)}; over {args.max_output_length}: "
            f"{int((tactics > args.max_output_length).sum())}"
        )
        counts = Counter(remove_marks(t) for t in ds.examples.tactics)
        print(f"most frequent tactics (of {len(counts)} distinct):")
        for tactic, count in counts.most_common(args.top):
            print(f"  {count:6d}  {tactic}")
    return 0
