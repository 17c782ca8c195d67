"""The ``tacgen`` command line.

- ``tacgen fit|validate|test|predict --config FILE.yaml [overrides]``: LightningCLI over
  ``RetrievalAugmentedGenerator`` and ``GeneratorDataModule`` (sequence lengths linked).
- ``tacgen generate --ckpt PATH --state TEXT`` or ``--input states.jsonl``: ranked tactics.
- ``tacgen export --ckpt PATH --out DIR``: a transformers directory.
- ``tacgen summary --data-path DIR``: what a split folder holds.
- ``tacgen retriever ...``, ``tacgen index ...``, ``tacgen retrieve ...``: the premise
  retriever (see ``tacgen.retrieval.cli``).

Errors are reported as one line (``tacgen: error: ...``), never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import pickle
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

LIGHTNING_COMMANDS = ("fit", "validate", "test", "predict")
_USER_ERRORS = (
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    ValueError,
    KeyError,
    EOFError,  # a truncated checkpoint
    pickle.UnpicklingError,  # a corrupt checkpoint given to --ckpt_path
)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is now (it may be replaced between calls)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def _setup_process() -> None:
    # Side effects belong here, in the entry point, not at import time of the library.
    package_logger = logging.getLogger("tacgen")
    # Marked by an attribute, not a class check: ``python -m tacgen.cli`` loads this module
    # twice (as __main__ and as tacgen.cli), giving two _StderrHandler classes.
    if not any(getattr(h, "tacgen_stderr", False) for h in package_logger.handlers):
        handler = _StderrHandler()
        handler.tacgen_stderr = True  # type: ignore[attr-defined]
        handler.setFormatter(logging.Formatter("%(message)s"))
        package_logger.addHandler(handler)
    package_logger.setLevel(logging.INFO)
    package_logger.propagate = False
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")
    warnings.filterwarnings("ignore", message=".*LeafSpec.*")
    # Batch is a frozen dataclass: the module moves it to the device itself, on purpose.
    warnings.filterwarnings("ignore", message=".*overridden `transfer_batch_to_device`.*")
    import torch

    if torch.cuda.is_available():
        torch.set_float32_matmul_precision("high")


def _check_ckpt_path_argument(argv: Sequence[str]) -> None:
    """Refuses a ``--ckpt_path`` that is not a readable checkpoint, in one line."""
    from tacgen.model.loading import check_checkpoint_file

    if any(arg.startswith(("--print_config", "--help", "-h")) for arg in argv):
        return  # nothing is loaded
    for i, arg in enumerate(argv):
        value = None
        if arg == "--ckpt_path" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--ckpt_path="):
            value = arg.split("=", 1)[1]
        if value and value not in ("last", "best", "hpc", "registry", "null"):
            check_checkpoint_file(Path(value))


def _run_lightning(argv: Sequence[str] | None) -> None:
    from lightning.pytorch.cli import LightningArgumentParser, LightningCLI

    from tacgen.data.datamodule import GeneratorDataModule
    from tacgen.model.generator import RetrievalAugmentedGenerator

    class GeneratorCLI(LightningCLI):
        def add_arguments_to_parser(self, parser: LightningArgumentParser) -> None:
            # The data module's budgets must be the model's: set them once, on the model.
            parser.link_arguments("model.max_input_length", "data.max_input_length")
            parser.link_arguments("model.max_output_length", "data.max_output_length")

    GeneratorCLI(
        RetrievalAugmentedGenerator,
        GeneratorDataModule,
        args=None if argv is None else list(argv),  # None: LightningCLI reads sys.argv
        seed_everything_default=3407,
        save_config_kwargs={"overwrite": True},
        parser_kwargs={"prog": "tacgen"},
    )


def _generate_parser(sub: Any) -> None:
    p = sub.add_parser("generate", help="suggest tactics for proof states")
    p.add_argument("--ckpt", required=True, help="a .ckpt or an exported/hub model directory")
    p.add_argument("--state", help="one proof state (use $'...' in bash for newlines)")
    p.add_argument(
        "--input", type=Path, help="JSON Lines of {state, file_path?, full_name?, position?}"
    )
    p.add_argument("--output", type=Path, help="where to write JSON Lines results (default stdout)")
    p.add_argument("--num-samples", type=int, default=8, help="beams and candidates per state")
    p.add_argument("--batch-size", type=int, default=8, help="states per beam search batch")
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:1, ... or auto")
    p.add_argument("--retriever-ckpt", help="a premise retriever checkpoint (retrieval on)")
    p.add_argument(
        "--retriever-index", help="its embeddings file from `tacgen index` (else re-encoded)"
    )
    p.add_argument(
        "--retriever-corpus", help="the corpus.jsonl to retrieve from (default: the retriever's)"
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _export_parser(sub: Any) -> None:
    p = sub.add_parser("export", help="write a transformers directory from a checkpoint")
    p.add_argument("--ckpt", required=True, help="a Lightning .ckpt written by tacgen fit")
    p.add_argument("--out", required=True, type=Path, help="the directory to create")
    p.add_argument("--overwrite", action="store_true", help="replace an existing directory")


def _summary_parser(sub: Any) -> None:
    p = sub.add_parser("summary", help="summarise a LeanDojo split folder or file")
    p.add_argument(
        "--data-path", required=True, help="split folder, split file or tacgen:demo/random"
    )
    p.add_argument("--max-input-length", type=int, default=2300)
    p.add_argument("--max-output-length", type=int, default=512)
    p.add_argument("--top", type=int, default=10, help="most frequent tactics to show")


def build_parser() -> argparse.ArgumentParser:
    """The parser of the commands that are not LightningCLI's."""
    parser = argparse.ArgumentParser(
        prog="tacgen",
        description="Retrieval-augmented tactic generation for Lean 4. "
        f"Training commands: {', '.join(LIGHTNING_COMMANDS)} (see 'tacgen fit --help').",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in LIGHTNING_COMMANDS:
        sub.add_parser(command, help=f"LightningCLI {command} (tacgen {command} --help)")
    _generate_parser(sub)
    _export_parser(sub)
    _summary_parser(sub)
    from tacgen.retrieval.cli import add_parsers

    add_parsers(sub)  # retriever, index, retrieve
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    # LightningCLI warns when given args while a real command line exists: pass them only
    # when main() was called with an explicit argv (tests, scripts).
    lightning_args = None if argv is None else list(argv)
    argv = list(sys.argv[1:] if argv is None else argv)
    _setup_process()
    try:
        if argv and argv[0] in LIGHTNING_COMMANDS:
            _check_ckpt_path_argument(argv)
            _run_lightning(lightning_args)
            return 0
        if argv and argv[0] == "retriever":
            from tacgen.retrieval.cli import run_retriever

            return run_retriever(argv[1:])
        args = build_parser().parse_args(argv)
        if hasattr(args, "handler"):  # commands defined in tacgen.retrieval.cli
            return int(args.handler(args) or 0)
        from tacgen import commands

        return int(getattr(commands, f"run_{args.command}")(args) or 0)
    except KeyboardInterrupt:
        print("tacgen: interrupted", file=sys.stderr)
        return 130
    except _USER_ERRORS as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"tacgen: error: {message}", file=sys.stderr)
        if os.environ.get("TACGEN_TRACEBACK"):
            raise
        return 2


if __name__ == "__main__":
    sys.exit(main())
