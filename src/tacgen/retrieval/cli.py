"""The retrieval commands of ``tacgen``.

- ``tacgen retriever fit|validate|test --config FILE.yaml [overrides]``: LightningCLI over
  ``PremiseRetriever`` and ``RetrievalDataModule`` (``model.max_seq_len`` is linked to the
  data module's, ``data.corpus_path`` to the model's).
- ``tacgen retriever predict --ckpt CKPT --out preds.jsonl [--config FILE.yaml]``: the
  predictions file (``data.preds_path`` of the generator) for train, val and test.
- ``tacgen index --ckpt CKPT --corpus corpus.jsonl --out index.safetensors``: the corpus'
  premise embeddings.
- ``tacgen retrieve --ckpt CKPT --state ... --file-path ... --position LINE COL``: the best
  accessible premises of one state.

``--bm25`` replaces ``--ckpt`` in ``predict`` and ``retrieve`` for the BM25 baseline.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

RETRIEVER_COMMANDS = ("fit", "validate", "test")
"""LightningCLI subcommands of ``tacgen retriever``."""


def _device(name: str) -> str:
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


def _absolute_corpus(path: str) -> str:
    # Checkpoints store the corpus path: make it independent of the working directory.
    from tacgen.data.paths import DEMO_PREFIX

    if path is None or str(path).startswith(DEMO_PREFIX):
        return path
    return str(Path(path).expanduser().resolve())


def _cli_class() -> type:
    from lightning.pytorch.cli import LightningArgumentParser, LightningCLI

    class RetrieverCLI(LightningCLI):
        def add_arguments_to_parser(self, parser: LightningArgumentParser) -> None:
            parser.link_arguments("model.max_seq_len", "data.max_seq_len")
            parser.link_arguments("data.corpus_path", "model.corpus_path", _absolute_corpus)

    return RetrieverCLI


def run_lightning(argv: Sequence[str]) -> None:
    """``tacgen retriever fit|validate|test``: LightningCLI with the retriever classes.

    Args:
        argv: the arguments after ``retriever``.
    """
    from tacgen.retrieval.datamodule import RetrievalDataModule
    from tacgen.retrieval.dense import PremiseRetriever

    # sys.argv holds "retriever" before these arguments, which LightningCLI warns about.
    warnings.filterwarnings("ignore", message=".*LightningCLI's args parameter is intended")
    _cli_class()(
        PremiseRetriever,
        RetrievalDataModule,
        args=list(argv),
        seed_everything_default=3407,
        save_config_kwargs={"overwrite": True},
        parser_kwargs={"prog": "tacgen retriever"},
    )


def parse_config(path: str | Path, overrides: Sequence[str] = ()) -> Any:
    """Parses a retriever config as ``tacgen retriever fit`` would, instantiating nothing.

    Args:
        path: the YAML config.
        overrides: extra command-line style arguments (``--data.batch_size=4``).

    Returns:
        The parsed ``jsonargparse.Namespace`` (``model``, ``data``, ``trainer``, ...).
    """
    from tacgen.retrieval.datamodule import RetrievalDataModule
    from tacgen.retrieval.dense import PremiseRetriever

    class ParseOnly(_cli_class()):  # type: ignore[misc]
        def _set_seed(self) -> None:
            pass

        def _add_instantiators(self) -> None:
            pass

        def instantiate_classes(self) -> None:
            pass

    cli = ParseOnly(
        PremiseRetriever, RetrievalDataModule, args=["--config", str(path), *overrides], run=False
    )
    return cli.config


def _predict_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
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
    p.add_argument("--out", required=True, type=Path, help="the predictions file to write")
    p.add_argument("-k", type=int, help="premises per state (default: model.num_retrieved, 100)")
    p.add_argument("--batch-size", type=int, help="states per batch (default: eval batch, 64)")
    p.add_argument("--splits", nargs="+", default=["train.json", "val.json", "test.json"])
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:1, ... or auto")
    return p


def _config_values(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    config = parse_config(path)
    return {
        "data_path": config.data.data_path,
        "corpus": config.data.corpus_path,
        "k": config.model.num_retrieved,
        "batch_size": config.data.eval_batch_size,
    }


def _make_retriever(args: argparse.Namespace, corpus: str | None) -> Any:
    """The dense retriever of ``--ckpt`` (indexed), or BM25 over ``corpus``."""
    from tacgen.retrieval.base import load_retriever

    if not args.bm25:
        device = _device(args.device)
        return load_retriever(args.ckpt, corpus, args.index, device=device, progress=True)
    if corpus is None:
        raise ValueError("--bm25 needs a corpus: give --corpus FILE (or --config)")
    from tacgen.data.paths import resolve_data_path
    from tacgen.retrieval.bm25 import BM25Retriever
    from tacgen.retrieval.corpus import Corpus

    return BM25Retriever(Corpus(resolve_data_path(corpus)))


def run_predict(argv: Sequence[str]) -> int:
    """``tacgen retriever predict``: the predictions file of a split folder.

    Args:
        argv: the arguments after ``predict``.

    Returns:
        The exit status.
    """
    from tacgen.retrieval.predict import write_retrieval_predictions

    args = _predict_parser().parse_args(list(argv))
    defaults = _config_values(args.config)
    data_path = args.data_path or defaults.get("data_path")
    if data_path is None:
        raise ValueError("give --data-path DIR (or --config with data.data_path)")
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
    return 0


def run_retriever(argv: Sequence[str]) -> int:
    """``tacgen retriever ...``: dispatches to LightningCLI or ``predict``.

    Args:
        argv: the arguments after ``retriever``.

    Returns:
        The exit status.
    """
    argv = list(argv)
    if argv and argv[0] in RETRIEVER_COMMANDS:
        run_lightning(argv)
        return 0
    if argv and argv[0] == "predict":
        return run_predict(argv[1:])
    usage = (
        "usage: tacgen retriever {fit,validate,test} --config FILE.yaml [--section.key value]\n"
        "       tacgen retriever predict --ckpt CKPT --out preds.jsonl [--config FILE.yaml]\n"
        "(see 'tacgen retriever fit --help' and 'tacgen retriever predict --help')"
    )
    if argv and argv[0] in ("-h", "--help"):
        print(usage)
        return 0
    print(usage, file=sys.stderr)
    shown = repr(argv[0]) if argv else "none"
    print(f"tacgen retriever: error: unknown subcommand {shown}", file=sys.stderr)
    return 2


def add_parsers(sub: Any) -> None:
    """Adds ``retriever`` (listed only: dispatched before parsing), ``index``, ``retrieve``.

    Args:
        sub: the ``tacgen`` parser's subparsers.
    """
    sub.add_parser("retriever", help="premise retriever: fit|validate|test|predict (--help)")
    p = sub.add_parser("index", help="encode a corpus' premises into an embeddings file")
    p.add_argument("--ckpt", required=True, help="a retriever checkpoint")
    p.add_argument("--corpus", help="corpus.jsonl (default: the checkpoint's)")
    p.add_argument("--out", required=True, type=Path, help="the file to write (.safetensors)")
    p.add_argument("--batch-size", type=int, help="premises per forward pass")
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:1, ... or auto")
    p.set_defaults(handler=run_index)
    r = sub.add_parser("retrieve", help="the best accessible premises of one proof state")
    source = r.add_mutually_exclusive_group(required=True)
    source.add_argument("--ckpt", help="a retriever checkpoint")
    source.add_argument("--bm25", action="store_true", help="use BM25 instead of a checkpoint")
    r.add_argument("--corpus", help="corpus.jsonl (default: the checkpoint's)")
    r.add_argument("--index", help="an embeddings file from 'tacgen index' (else encode now)")
    r.add_argument("--state", required=True, help="the proof state ($'...' for newlines)")
    r.add_argument("--file-path", required=True, help="the theorem's Lean file")
    r.add_argument("--theorem", default="", help="the theorem's full name")
    r.add_argument("--position", nargs=2, type=int, required=True, metavar=("LINE", "COL"))
    r.add_argument("-k", type=int, default=10, help="how many premises")
    r.add_argument("--device", default="auto", help="cpu, cuda, cuda:1, ... or auto")
    r.add_argument("--json", action="store_true", help="print JSON instead of a table")
    r.set_defaults(handler=run_retrieve)


def run_index(args: argparse.Namespace) -> int:
    """``tacgen index``: encodes the corpus and writes the embeddings file."""
    from tacgen.retrieval.base import load_retriever

    start = time.perf_counter()
    device = _device(args.device)
    retriever = load_retriever(args.ckpt, args.corpus, None, device, args.batch_size, True)
    out = retriever.save_index(args.out)
    print(
        f"indexed {len(retriever.corpus)} premises (dim {retriever.embedding_dim}) of "
        f"{retriever.corpus.path} into {out} in {time.perf_counter() - start:.1f}s"
    )
    return 0


def run_retrieve(args: argparse.Namespace) -> int:
    """``tacgen retrieve``: prints the best accessible premises of one state."""
    if args.k < 1:
        raise ValueError("-k must be at least 1")
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
