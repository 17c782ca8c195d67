"""The ``tacgen`` command line: one table of commands, one error policy.

Every command is a row of :data:`COMMANDS`; its handler takes the arguments after the
command name and returns the exit status. Errors caused by input (:class:`TacgenError`,
and ``OSError`` about a file) are printed as one line, ``tacgen: error: ...``, exit 2;
``TACGEN_TRACEBACK=1`` shows their traceback too. Anything else is a bug and propagates
with its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from tacgen.core.errors import TacgenError, one_line


@dataclass(frozen=True)
class Command:
    """One ``tacgen`` command."""

    name: str
    """What the user types after ``tacgen``."""
    help: str
    """One line for ``tacgen --help``."""
    handler: str
    """``module:function`` of ``tacgen.cli``, taking ``(name, args)``, returning the exit
    status."""

    def load(self) -> Callable[[str, list[str]], int]:
        """The handler function (its module is imported only now)."""
        module, function = self.handler.split(":")
        imported = importlib.import_module(f"tacgen.cli.{module}")
        handler: Callable[[str, list[str]], int] = getattr(imported, function)
        return handler


COMMANDS: tuple[Command, ...] = (
    Command("fit", "train the tactic generator (LightningCLI)", "lightning:generator"),
    Command("validate", "loss and top-k accuracy on the val split", "lightning:generator"),
    Command("test", "loss and top-k accuracy on the test split", "lightning:generator"),
    Command("predict", "ranked tactics for every state of a split", "lightning:generator"),
    Command("generate", "ranked tactics for proof states", "generate:generate"),
    Command("export", "write a transformers or CTranslate2 directory", "generate:export"),
    Command("info", "what a checkpoint is: architecture, training data, steps", "info:info"),
    Command("summary", "summarise a LeanDojo split folder or file", "summary:summary"),
    Command("download", "download a LeanDojo Benchmark, checked and resumable", "download:run"),
    Command("retriever", "premise retriever: fit|validate|test|predict", "retrieval:retriever"),
    Command("index", "encode a corpus' premises into an embeddings file", "retrieval:index"),
    Command("retrieve", "the best accessible premises of one proof state", "retrieval:retrieve"),
    Command("serve", "serve a generator over HTTP (Lean Copilot's API)", "serve:serve"),
    Command("prove", "best-first proof search over a split; Pass@1", "prove:prove"),
    Command("check", "check the proofs of a results file again in Lean (REPL)", "check:check"),
    Command("report", "an HTML report of proof-search results", "report:report"),
)
"""Every command, in the order ``tacgen --help`` lists them."""


def usage() -> str:
    """``tacgen --help``: the command table."""
    width = max(len(c.name) for c in COMMANDS)
    rows = "\n".join(f"  {c.name:<{width}}  {c.help}" for c in COMMANDS)
    return (
        "usage: tacgen COMMAND [options]   (tacgen COMMAND --help for its options)\n\n"
        "Retrieval-augmented tactic generation for Lean 4.\n\n"
        f"commands:\n{rows}\n"
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
    # Batches are frozen dataclasses: the modules move them to the device themselves.
    warnings.filterwarnings("ignore", message=".*overridden `transfer_batch_to_device`.*")


class CommandParser(argparse.ArgumentParser):
    """argparse, with a bad argument reported in one line (not the whole usage block)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse ``type``: an integer no smaller than ``minimum``.

    Args:
        minimum: the smallest value accepted.

    Returns:
        The parser of one command-line value (its error is argparse's one line).
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def setup_torch() -> None:
    """Process-wide torch settings, for the commands that run a model."""
    import torch

    if torch.cuda.is_available():
        torch.set_float32_matmul_precision("high")


def _one_line(error: BaseException) -> str:
    if isinstance(error, KeyError) and error.args:
        return str(error.args[0])  # KeyError's str() would quote its message
    return one_line(error)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line.

    Args:
        argv: the arguments after ``tacgen``; ``sys.argv[1:]`` when None.

    Returns:
        The exit status.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    _setup_process()
    if not args or args[0] in ("-h", "--help"):
        print(usage(), end="", file=sys.stdout if args else sys.stderr)
        return 0 if args else 2
    table = {command.name: command for command in COMMANDS}
    command = table.get(args[0])
    if command is None:
        print(usage(), end="", file=sys.stderr)
        print(f"tacgen: error: unknown command {args[0]!r}", file=sys.stderr)
        return 2
    try:
        return command.load()(command.name, args[1:])
    except KeyboardInterrupt:
        print("tacgen: interrupted", file=sys.stderr)
        return 130
    except (TacgenError, OSError) as error:
        print(f"tacgen: error: {_one_line(error)}", file=sys.stderr)
        if os.environ.get("TACGEN_TRACEBACK"):
            raise
        return 2
