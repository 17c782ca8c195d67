"""``tacgen generate`` (ranked tactics for proof states) and ``tacgen export``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from tacgen.cli import CommandParser, int_at_least
from tacgen.cli.common import (
    add_ckpt_argument,
    add_decoding_arguments,
    add_model_arguments,
    load_from_args,
    options_from,
)
from tacgen.core.errors import UsageError
from tacgen.core.records import Query, as_position
from tacgen.data.jsonl import read_json_lines
from tacgen.generator.options import MAX_NUM_SAMPLES, QUANTIZATIONS, Candidates, check_num_samples


def _generate_parser() -> argparse.ArgumentParser:
    p = CommandParser(
        prog="tacgen generate",
        description="Ranked tactics (log-probability scores) for one proof state or a JSON "
        "Lines file of states.",
    )
    add_model_arguments(p, "a .ckpt from tacgen fit, or an exported/ReProver-layout directory")
    p.add_argument("--state", help="one proof state (use $'...' in bash for newlines)")
    p.add_argument(
        "--input", type=Path, help="JSON Lines of {state, file_path?, full_name?, position?}"
    )
    p.add_argument("--output", type=Path, help="where to write JSON Lines results (default stdout)")
    p.add_argument(
        "--num-samples", type=int, default=8,
        help=f"beams or samples per state (at most {MAX_NUM_SAMPLES})",
    )  # fmt: skip
    p.add_argument(
        "--batch-size", type=int_at_least(1), default=8, help="states per decoding batch"
    )
    add_decoding_arguments(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return p


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
    check_num_samples(args.num_samples, "--num-samples")
    options = options_from(args)
    queries = [Query(args.state)] if args.state is not None else read_queries(args.input)
    from tacgen.generator.interface import generate_by_length

    generator = load_from_args(args)  # after every check: loading takes seconds
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
    p = CommandParser(
        prog="tacgen export",
        description="Write a transformers directory (--format hf: T5ForConditionalGeneration + "
        "ByT5 tokenizer) or a CTranslate2 directory that Lean Copilot loads as a native model "
        "(--format ct2: model.bin, config.json, shared_vocabulary.json). A causal model "
        "exports as a causal LM with its tokenizer and prompt template (tacgen_causal.json), "
        "a LoRA adapter merged; --format ct2 converts it for CTranslate2's Generator.",
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
    from tacgen.generator.causal_io import is_causal_source

    source = Path(args.ckpt).expanduser()
    if is_causal_source(source):
        out, what = _export_causal(source, args)
        print(f"exported {args.ckpt} to {out} ({what})")
        return 0
    from tacgen.generator.inference import read_generator_source
    from tacgen.nn.checkpoint import export_pretrained

    model, settings = read_generator_source(source)
    if args.format == "ct2":
        from tacgen.generator.ct2 import convert_to_ct2

        out = convert_to_ct2(model, args.out, args.quantization, settings, args.overwrite)
        what = f"CTranslate2, {args.quantization or 'float32'}"
    else:
        out = export_pretrained(model, args.out, overwrite=args.overwrite)
        what = "T5ForConditionalGeneration + ByT5 tokenizer"
    print(f"exported {args.ckpt} to {out} ({what})")
    return 0


def _export_causal(source: Path, args: argparse.Namespace) -> tuple[Path, str]:
    """A causal checkpoint or directory as a transformers directory (adapter merged, with
    tokenizer and template), or converted from one to CTranslate2."""
    import tempfile

    from tacgen.generator.causal_io import export_causal
    from tacgen.generator.causal_loading import read_causal_source

    if args.format == "ct2" and source.is_dir():  # converted as it is (tacgen_*.json kept)
        from tacgen.generator.ct2_causal import convert_causal_to_ct2

        out = convert_causal_to_ct2(source, args.out, args.quantization, args.overwrite)
        return out, f"CTranslate2 Generator, {args.quantization or 'float32'}"
    loaded = read_causal_source(source, None, False)
    settings = loaded.settings
    if args.format == "hf":
        out = export_causal(
            loaded.model, loaded.tokenizer, loaded.template, settings, args.out, args.overwrite
        )
        return out, f"transformers causal LM + tokenizer, template {loaded.template.name!r}"
    from tacgen.generator.ct2_causal import convert_causal_to_ct2

    with tempfile.TemporaryDirectory() as folder:
        hf = export_causal(
            loaded.model, loaded.tokenizer, loaded.template, settings, Path(folder) / "hf"
        )
        out = convert_causal_to_ct2(hf, args.out, args.quantization, args.overwrite)
    return out, f"CTranslate2 Generator, {args.quantization or 'float32'}"
