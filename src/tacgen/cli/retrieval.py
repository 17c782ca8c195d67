"""The retrieval commands of ``tacgen``.

- ``tacgen retriever fit|validate|test --config FILE.yaml [overrides]``: LightningCLI over
  ``PremiseRetriever`` and ``RetrievalDataModule`` (see :mod:`tacgen.cli.lightning`).
- ``tacgen retriever predict --ckpt CKPT --out preds.jsonl [--config FILE.yaml]``: the
  predictions file (``data.preds_path`` of the generator) for train, val and test.
- ``tacgen index --ckpt CKPT --corpus corpus.jsonl --out index.safetensors``: the corpus'
  premise embeddings, and their ANN index beside them (``index.ann``; ``--no-ann`` skips it),
  its ``nprobe`` calibrated to ``--target-recall`` on proxy queries unless ``--nprobe``.
- ``tacgen retrieve --ckpt CKPT --state ... --file-path ... --position LINE COL``: the best
  accessible premises of one state.

With ``--index``, ``predict`` and ``retrieve`` search through the ANN index beside it when
there is one; ``--exact`` searches the float32 embeddings exactly instead.

``--bm25`` replaces ``--ckpt`` in ``predict`` and ``retrieve`` for the BM25 baseline.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from tacgen.cli import CommandParser, int_at_least
from tacgen.core.errors import UsageError
from tacgen.retrieval.predict import DEFAULT_SPLITS

RETRIEVER_COMMANDS = ("fit", "validate", "test")
"""LightningCLI subcommands of ``tacgen retriever``."""

_EXACT_HELP = "search the float32 embeddings exactly, not through the ANN index beside --index"

_RETRIEVER_USAGE = (
    "usage: tacgen retriever {fit,validate,test} --config FILE.yaml [--section.key value]\n"
    "       tacgen retriever predict --ckpt CKPT --out preds.jsonl [--config FILE.yaml]\n"
    "(see 'tacgen retriever fit --help' and 'tacgen retriever predict --help')"
)


def retriever(name: str, argv: list[str]) -> int:
    """``tacgen retriever ...``: LightningCLI (fit, validate, test) or ``predict``.

    Args:
        name: ``"retriever"``.
        argv: the arguments after it.

    Returns:
        The exit status.
    """
    if argv and argv[0] in RETRIEVER_COMMANDS:
        from tacgen.cli.lightning import retriever_lightning

        return retriever_lightning(argv[0], argv[1:])
    if argv and argv[0] == "predict":
        return predict(argv[1:])
    if argv and argv[0] in ("-h", "--help"):
        print(_RETRIEVER_USAGE)
        return 0
    print(_RETRIEVER_USAGE, file=sys.stderr)
    shown = repr(argv[0]) if argv else "none"
    print(f"tacgen retriever: error: unknown subcommand {shown}", file=sys.stderr)
    return 2


def _predict_parser() -> argparse.ArgumentParser:
    p = CommandParser(
        prog="tacgen retriever predict",
        description="Write retrieved premises for every state of train/val/test (JSON Lines, "
        "the generator's data.preds_path). Settings not given come from --config.",
    )
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--ckpt", "--ckpt_path", dest="ckpt", help="a retriever checkpoint")
    source.add_argument("--bm25", action="store_true", help="use BM25 instead of a checkpoint")
    p.add_argument("--config", type=Path, help="a retriever config (data path, corpus, k, batch)")
    p.add_argument("--data-path", help="split folder (default: the config's data.data_path)")
    p.add_argument("--corpus", help="corpus.jsonl (default: the config's or the checkpoint's)")
    p.add_argument("--index", help="an embeddings file from 'tacgen index' (else encode now)")
    p.add_argument("--exact", action="store_true", help=_EXACT_HELP)
    p.add_argument("--out", required=True, type=Path, help="the predictions file to write")
    p.add_argument(
        "-k", type=int_at_least(1), help="premises per state (default: model.num_retrieved, 100)"
    )
    p.add_argument(
        "--batch-size", type=int_at_least(1), help="states per batch (default: eval batch, 64)"
    )
    p.add_argument(
        "--splits", nargs="+", default=list(DEFAULT_SPLITS),
        help="split files of the split folder to retrieve for (default: all three)",
    )  # fmt: skip
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:1, ... or auto")
    return p


def _config_values(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    from tacgen.cli.lightning import parse_retriever_config

    config = parse_retriever_config(path)
    return {
        "data_path": config.data.data_path,
        "corpus": config.data.corpus_path,
        "k": config.model.num_retrieved,
        "batch_size": config.data.eval_batch_size,
    }


def _make_retriever(args: argparse.Namespace, corpus: str | None) -> Any:
    """The dense retriever of ``--ckpt`` (indexed), or BM25 over ``corpus``."""
    from tacgen.nn.device import resolve_device
    from tacgen.retrieval.loading import load_retriever

    if not args.bm25:
        device = resolve_device(args.device)
        return load_retriever(
            args.ckpt, corpus, args.index, device=device, progress=True, exact=args.exact
        )
    if corpus is None:
        raise UsageError("--bm25 needs a corpus: give --corpus FILE (or --config)")
    if args.index is not None or args.exact:
        raise UsageError("--index and --exact are a dense retriever's: give them with --ckpt")
    from tacgen.core.paths import resolve_data_path
    from tacgen.data.corpus import Corpus
    from tacgen.retrieval.bm25 import BM25Retriever

    return BM25Retriever(Corpus(resolve_data_path(corpus)))


def predict(argv: list[str]) -> int:
    """``tacgen retriever predict``: the predictions file of a split folder.

    Args:
        argv: the arguments after ``predict``.

    Returns:
        The exit status.
    """
    from tacgen.retrieval.predict import write_retrieval_predictions

    args = _predict_parser().parse_args(argv)
    defaults = _config_values(args.config)
    data_path = args.data_path or defaults.get("data_path")
    if data_path is None:
        raise UsageError("give --data-path DIR (or --config with data.data_path)")
    retriever = _make_retriever(args, args.corpus or defaults.get("corpus"))
    k = args.k or defaults.get("k") or 100
    batch_size = args.batch_size or defaults.get("batch_size") or 64
    start = time.perf_counter()
    stats = write_retrieval_predictions(
        retriever, data_path, args.out, k, batch_size, args.splits, progress=True
    )
    print(
        f"wrote {stats.queries} predictions ({stats.examples} examples, k={k}) to {args.out} "
        f"in {time.perf_counter() - start:.1f}s"
    )
    if getattr(retriever, "uses_ann", False):
        searched = retriever.search_stats
        print(
            f"ANN index: {searched.queries} queries, {searched.fallbacks} fell back to exact "
            f"({searched.fallback_rate:.2%}), {searched.direct} searched exactly at once "
            "(few accessible premises)"
        )
    return 0


def _index_parser() -> argparse.ArgumentParser:
    p = CommandParser(
        prog="tacgen index", description="Encode a corpus' premises into an embeddings file."
    )
    p.add_argument(
        "--ckpt", "--ckpt_path", dest="ckpt", required=True, help="a retriever checkpoint"
    )
    p.add_argument("--corpus", help="corpus.jsonl (default: the checkpoint's)")
    p.add_argument("--out", required=True, type=Path, help="the file to write (.safetensors)")
    p.add_argument("--batch-size", type=int_at_least(1), help="premises per forward pass")
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:1, ... or auto")
    p.add_argument(
        "--no-ann", dest="ann", action="store_false",
        help="do not build the ANN index beside the embeddings (OUT with suffix .ann)",
    )  # fmt: skip
    p.add_argument(
        "--nlist", type=int_at_least(1),
        help="ANN inverted lists (default: min(1024, premises // 39))",
    )  # fmt: skip
    p.add_argument(
        "--nprobe", type=int_at_least(1),
        help="ANN lists scanned per query, stored in the index (default: the smallest "
        "reaching --target-recall on proxy queries)",
    )  # fmt: skip
    p.add_argument(
        "--target-recall", type=_fraction, default=0.99,
        help="the Recall@10 the calibration of nprobe aims at (default: 0.99)",
    )  # fmt: skip
    p.add_argument(
        "--calibration-queries", type=int_at_least(1), default=500,
        help="proxy queries the calibration estimates recall on (default: 500)",
    )  # fmt: skip
    return p


def _retrieve_parser() -> argparse.ArgumentParser:
    r = CommandParser(
        prog="tacgen retrieve", description="The best accessible premises of one proof state."
    )
    source = r.add_mutually_exclusive_group(required=True)
    source.add_argument("--ckpt", "--ckpt_path", dest="ckpt", help="a retriever checkpoint")
    source.add_argument("--bm25", action="store_true", help="use BM25 instead of a checkpoint")
    r.add_argument("--corpus", help="corpus.jsonl (default: the checkpoint's)")
    r.add_argument("--index", help="an embeddings file from 'tacgen index' (else encode now)")
    r.add_argument("--exact", action="store_true", help=_EXACT_HELP)
    r.add_argument("--state", required=True, help="the proof state ($'...' for newlines)")
    r.add_argument("--file-path", required=True, help="the theorem's Lean file")
    r.add_argument("--theorem", default="", help="the theorem's full name")
    r.add_argument(
        "--position", nargs=2, type=int, required=True, metavar=("LINE", "COL"),
        help="the theorem's start (line, column, as in the split files); later premises "
        "of its own file are not accessible",
    )  # fmt: skip
    r.add_argument("-k", type=int, default=10, help="how many premises")
    r.add_argument("--device", default="auto", help="cpu, cuda, cuda:1, ... or auto")
    r.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return r


def index(name: str, argv: list[str]) -> int:
    """``tacgen index``: encodes the corpus and writes the embeddings file."""
    from tacgen.nn.device import resolve_device
    from tacgen.retrieval.ann import AnnSettings, ann_path, read_calibration
    from tacgen.retrieval.calibrate import CalibrationSettings
    from tacgen.retrieval.loading import load_retriever

    args = _index_parser().parse_args(argv)
    settings = AnnSettings(nlist=args.nlist or 0) if args.ann else None
    calibration = CalibrationSettings(
        args.target_recall, args.calibration_queries, nprobe=args.nprobe
    )
    start = time.perf_counter()
    device = resolve_device(args.device)
    retriever = load_retriever(args.ckpt, args.corpus, None, device, args.batch_size, True)
    out = retriever.save_index(args.out, ann=settings, calibration=calibration)
    if settings is None:
        ann_path(out).unlink(missing_ok=True)  # an index of earlier embeddings
    also = f" and its ANN index {ann_path(out)}" if settings else ""
    print(
        f"indexed {len(retriever.corpus)} premises (dim {retriever.embedding_dim}) of "
        f"{retriever.corpus.path} into {out}{also} in {time.perf_counter() - start:.1f}s"
    )
    if settings is not None:
        chosen = read_calibration(ann_path(out), retriever.ann_stamp())
        assert chosen is not None  # written just now
        print(chosen.summary(settings.lists(len(retriever.corpus))))
        warning = chosen.warning(settings.lists(len(retriever.corpus)))
        if warning:
            print(warning, file=sys.stderr)
    return 0


def _fraction(text: str) -> float:
    # A recall target: a number in (0, 1].
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text!r}")
    return value


def retrieve(name: str, argv: list[str]) -> int:
    """``tacgen retrieve``: prints the best accessible premises of one state."""
    args = _retrieve_parser().parse_args(argv)
    if args.k < 1:
        raise UsageError("-k must be at least 1")
    retriever = _make_retriever(args, args.corpus)
    position = (args.position[0], args.position[1])
    results = retriever.retrieve(args.state, args.file_path, args.theorem, position, args.k)
    if args.json:
        rows = [
            {
                "full_name": p.full_name,
                "path": p.path,
                "start": list(p.start),
                "end": list(p.end),
                "code": p.code,
                "score": score,
            }
            for p, score in results
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    print(f"{'rank':>4}  {'score':>8}  premise")
    for rank, (premise, score) in enumerate(results, start=1):
        where = f"{premise.path}:{premise.start[0]}"
        print(f"{rank:>4}  {score:8.4f}  {premise.full_name}  ({where})")
    return 0
