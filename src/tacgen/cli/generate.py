"""``tacgen generate`` (ranked tactics for proof states) and ``tacgen export``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from tacgen.cli import setup_torch
from tacgen.core.errors import UsageError
from tacgen.core.records import Query, as_position
from tacgen.data.jsonl import read_json_lines
from tacgen.generator.ct2 import QUANTIZATIONS
from tacgen.generator.decoding import Candidates
from tacgen.generator.inference import BACKENDS
from tacgen.generator.options import MAX_NUM_SAMPLES, GenerationOptions


def _generate_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tacgen generate",
        description="Ranked tactics (log-probability scores) for one proof state or a JSON "
        "Lines file of states.",
    )
    add_ckpt_argument(p, "a .ckpt from tacgen fit, or an exported/ReProver-layout directory")
    p.add_argument("--state", help="one proof state (use $'...' in bash for newlines)")
    p.add_argument(
        "--input", type=Path, help="JSON Lines of {state, file_path?, full_name?, position?}"
    )
    p.add_argument("--output", type=Path, help="where to write JSON Lines results (default stdout)")
    p.add_argument(
        "--num-samples", type=int, default=8,
        help=f"beams or samples per state (at most {MAX_NUM_SAMPLES})",
    )  # fmt: skip
    p.add_argument("--batch-size", type=int, default=8, help="states per decoding batch")
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:1, ... or auto")
    p.add_argument("--backend", choices=BACKENDS, default="torch", help="decoding backend")
    p.add_argument(
        "--compute-type", help="ct2: int8 (CPU default), int8_float32, int8_float16 (CUDA "
        "default), bfloat16, float32",
    )  # fmt: skip
    add_decoding_arguments(p)
    p.add_argument("--retriever-ckpt", help="a premise retriever checkpoint (retrieval on)")
    p.add_argument(
        "--retriever-index", help="its embeddings file from `tacgen index` (else re-encoded)"
    )
    p.add_argument(
        "--retriever-corpus", help="the corpus.jsonl to retrieve from (default: the retriever's)"
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return p


def add_decoding_arguments(parser: argparse.ArgumentParser) -> None:
    """The :class:`GenerationOptions` flags (mode, sampling, prefix, filters)."""
    group = parser.add_argument_group("decoding")
    group.add_argument("--mode", choices=("beam", "sample"), default="beam")
    group.add_argument("--temperature", type=float, default=1.0, help="sampling temperature")
    group.add_argument("--top-k", type=int, default=0, help="sample among the k best (0: all)")
    group.add_argument("--top-p", type=float, default=1.0, help="nucleus sampling mass")
    group.add_argument("--seed", type=int, help="sampling seed (same seed, same samples)")
    group.add_argument("--prefix", default="", help="every tactic starts with this text")
    group.add_argument(
        "--ban", action="append", default=[], metavar="TACTIC",
        help="remove candidates using this tactic (repeatable), e.g. --ban aesop",
    )  # fmt: skip
    group.add_argument(
        "--exclude-theorem-name", action="store_true",
        help="remove candidates that mention the theorem's own name",
    )  # fmt: skip


def options_from(args: argparse.Namespace) -> GenerationOptions:
    """The :class:`GenerationOptions` of parsed :func:`add_decoding_arguments` flags."""
    return GenerationOptions(
        mode=args.mode,
        temperature=args.temperature,
        top_k=args.top_k,
        top_p=args.top_p,
        seed=args.seed,
        prefix=args.prefix,
        banned_tactics=frozenset(args.ban),
        exclude_theorem_name=args.exclude_theorem_name,
    )


def add_ckpt_argument(parser: argparse.ArgumentParser, help: str) -> None:
    """``--ckpt`` (alias ``--ckpt_path``, LightningCLI's name), required."""
    parser.add_argument("--ckpt", "--ckpt_path", dest="ckpt", required=True, help=help)


def read_queries(path: Path) -> list[Query]:
    """Generation requests from JSON Lines; each needs a string ``state``.

    Args:
        path: the file.

    Returns:
        One query per non-blank line.

    Raises:
        UsageError: naming the line, when one is not such an object.
    """
    if not path.is_file():
        raise FileNotFoundError(f"input file not found: {path}")
    queries = []
    for where, row in read_json_lines(path, UsageError):
        if not isinstance(row, dict) or not isinstance(row.get("state"), str):
            raise UsageError(f"{where}: each line needs a string field 'state'")
        position = as_position(row.get("position", [0, 0]), f"{where}: position")
        file_path, full_name = str(row.get("file_path", "")), str(row.get("full_name", ""))
        queries.append(Query(row["state"], file_path, full_name, position))
    return queries


def generate(name: str, argv: list[str]) -> int:
    """``tacgen generate``: ranked tactics for one state or a JSON Lines file of states."""
    args = _generate_parser().parse_args(argv)
    if (args.state is None) == (args.input is None):
        raise UsageError("give exactly one of --state TEXT or --input FILE.jsonl")
    if not 1 <= args.num_samples <= MAX_NUM_SAMPLES:
        raise UsageError(f"--num-samples must be in [1, {MAX_NUM_SAMPLES}], got {args.num_samples}")
    if args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    options = options_from(args)
    if (args.retriever_index or args.retriever_corpus) and not args.retriever_ckpt:
        raise UsageError("--retriever-index and --retriever-corpus need --retriever-ckpt")
    from tacgen.generator.inference import load_generator
    from tacgen.generator.interface import generate_by_length

    setup_torch()
    generator = load_generator(
        args.ckpt,
        device=args.device,
        backend=args.backend,
        compute_type=args.compute_type,
        retriever_ckpt=args.retriever_ckpt,
        retriever_corpus=args.retriever_corpus,
        retriever_index=args.retriever_index,
    )
    queries = [Query(args.state)] if args.state is not None else read_queries(args.input)
    results = generate_by_length(
        generator, queries, args.num_samples, args.batch_size, progress=True, options=options
    )
    _write_results(args, queries, results)
    return 0


def _write_results(
    args: argparse.Namespace, queries: list[Query], results: list[Candidates]
) -> None:
    out: TextIO = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    try:
        if args.json or args.input is not None:
            for query, ranked in zip(queries, results):
                row = {
                    "state": query.state,
                    "file_path": query.file_path,
                    "full_name": query.full_name,
                    "position": list(query.position),
                    "tactics": [{"tactic": t, "score": s} for t, s in ranked],
                }
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            out.write(f"{'rank':>4}  {'log-prob':>9}  tactic\n")
            for rank, (tactic, score) in enumerate(results[0], start=1):
                out.write(f"{rank:>4}  {score:9.4f}  {tactic}\n")
    finally:
        if out is not sys.stdout:
            out.close()


def export(name: str, argv: list[str]) -> int:
    """``tacgen export``: a transformers directory (model + tokenizer) from a checkpoint."""
    p = argparse.ArgumentParser(
        prog="tacgen export",
        description="Write a transformers directory (--format hf: T5ForConditionalGeneration + "
        "ByT5 tokenizer) or a CTranslate2 directory that Lean Copilot loads as a native model "
        "(--format ct2: model.bin, config.json, shared_vocabulary.json).",
    )
    add_ckpt_argument(p, "a .ckpt written by tacgen fit, or a transformers directory")
    p.add_argument("--out", required=True, type=Path, help="the directory to create")
    p.add_argument("--format", choices=("hf", "ct2"), default="hf", help="what to write")
    p.add_argument(
        "--quantization", choices=QUANTIZATIONS,
        help="ct2 weight type (default float32; int8 is about 4x smaller)",
    )  # fmt: skip
    p.add_argument("--overwrite", action="store_true", help="replace an existing directory")
    args = p.parse_args(argv)
    if args.quantization and args.format != "ct2":
        raise UsageError("--quantization is for --format ct2")
    from tacgen.generator.inference import read_generator_source
    from tacgen.nn.checkpoint import export_pretrained

    model, settings = read_generator_source(Path(args.ckpt).expanduser())
    if args.format == "ct2":
        from tacgen.generator.ct2 import convert_to_ct2

        out = convert_to_ct2(model, args.out, args.quantization, settings, args.overwrite)
        what = f"CTranslate2, {args.quantization or 'float32'}"
    else:
        out = export_pretrained(model, args.out, overwrite=args.overwrite)
        what = "T5ForConditionalGeneration + ByT5 tokenizer"
    print(f"exported {args.ckpt} to {out} ({what})")
    return 0
