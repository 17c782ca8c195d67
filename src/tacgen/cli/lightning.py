"""The LightningCLI commands: ``tacgen fit|validate|test|predict`` (the generator) and
``tacgen retriever fit|validate|test`` (the dense retriever).

Arguments that must agree between model and data module are set once and linked:
the generator's ``model.max_input_length`` / ``model.max_output_length`` go to the data
module, the data module's ``keep_marks`` to the model; the retriever's
``model.max_input_length`` goes to its data module, its ``data.corpus_path`` to the model.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tacgen.cli import setup_torch
from tacgen.core.errors import ConfigError, TacgenError, UsageError, one_line
from tacgen.core.paths import DEMO_PREFIX

_NO_CHECKPOINT_VALUES = ("last", "best", "hpc", "registry", "null")
_ARGS_WARNING = ".*LightningCLI's args parameter is intended"
"""Lightning's warning when ``args`` differs from ``sys.argv`` (tacgen's never match)."""


def _check_ckpt_path_argument(argv: Sequence[str], model: Any) -> None:
    """Refuses a ``--ckpt_path`` that is not a readable checkpoint of ``model``'s class, in
    one line (Lightning would dump its parser's usage and a traceback)."""
    from tacgen.nn.checkpoint import check_checkpoint_file, check_checkpoint_kind

    if any(arg.startswith(("--print_config", "--help", "-h")) for arg in argv):
        return  # nothing is loaded
    for i, arg in enumerate(argv):
        value = None
        if arg == "--ckpt_path" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--ckpt_path="):
            value = arg.split("=", 1)[1]
        if value and value not in _NO_CHECKPOINT_VALUES:
            check_checkpoint_file(Path(value))
            check_checkpoint_kind(Path(value), model.spec.config_key, model.spec.noun)


def _check_config_files(argv: Sequence[str]) -> None:
    """Refuses a ``--config`` file that is missing or not YAML, in one line naming the place
    (jsonargparse would print its usage and a parser dump naming ``<unicode string>``)."""
    import yaml

    for i, arg in enumerate(argv):
        value = argv[i + 1] if arg in ("--config", "-c") and i + 1 < len(argv) else None
        if arg.startswith("--config="):
            value = arg.split("=", 1)[1]
        if value is None:
            continue
        path = Path(value)
        if not path.is_file():
            raise FileNotFoundError(f"config file not found: {path}")
        try:
            content = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
            problem = getattr(error, "problem", None) or "not valid YAML"
            raise ConfigError(f"{where}: invalid YAML: {problem}") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{path}: not a text file (invalid UTF-8)") from None
        if not isinstance(content, dict):
            what = "empty" if content is None else f"a YAML {type(content).__name__}"
            raise ConfigError(f"{path}: a config is a YAML mapping (key: value), this is {what}")


def _absolute_corpus(path: str | None) -> str | None:
    # Checkpoints store the corpus path: make it independent of the working directory.
    if path is None or str(path).startswith(DEMO_PREFIX):
        return path
    return str(Path(path).expanduser().resolve())


def _prefer_alias(value: int, alias: int | None) -> int:
    return value if alias is None else alias


_ALIASES = {
    "generator": {"eval_num_retrieved": "num_retrieved"},
    "retriever": {"max_seq_len": "max_input_length"},
}
"""Deprecated model keys of older configs, and the names that replaced them."""


def _apply_aliases(cli: Any, which: str) -> None:
    """Moves a deprecated model key's value to its new name before instantiation, so that
    checkpoints store the new name only."""
    config = cli.config.get(str(cli.subcommand), cli.config) if cli.subcommand else cli.config
    for old, new in _ALIASES[which].items():
        if config.model.get(old) is not None:
            warnings.warn(f"model.{old} is deprecated: use model.{new}", stacklevel=1)
            config.model[new] = config.model[old]
            config.model[old] = None


def _atomic_cli() -> type:
    """LightningCLI whose trainer writes checkpoints atomically (unless a config names
    ``trainer.plugins``)."""
    from lightning.pytorch.cli import LightningCLI

    from tacgen.nn.checkpointing import AtomicCheckpointIO

    class AtomicCLI(LightningCLI):
        strict_provenance = False
        """``--strict-provenance``: refuse to evaluate on theorems trained on."""

        def _apply_strictness(self) -> None:
            self.model.strict_provenance = self.strict_provenance

        before_validate = before_test = before_predict = _apply_strictness

        def instantiate_trainer(self, **kwargs: Any) -> Any:
            if self._get(self.config_init, "trainer", default={}).get("plugins") is None:
                kwargs.setdefault("plugins", [AtomicCheckpointIO()])
            return super().instantiate_trainer(**kwargs)

    return AtomicCLI


def _generator_cli_class(subclass: bool = False) -> type:
    """The generator's LightningCLI; ``subclass``: the config names the model's class
    (``model.class_path``), and model arguments live under ``model.init_args``."""
    from lightning.pytorch.cli import LightningArgumentParser

    from tacgen.generator.callbacks import TacticPredictionWriter

    model = "model.init_args" if subclass else "model"

    class GeneratorCLI(_atomic_cli()):  # type: ignore[misc]
        def add_arguments_to_parser(self, parser: LightningArgumentParser) -> None:
            parser.link_arguments(f"{model}.max_input_length", "data.max_input_length")
            parser.link_arguments(f"{model}.max_output_length", "data.max_output_length")
            parser.link_arguments("data.keep_marks", f"{model}.keep_marks")
            # Inert outside predict: --predictions.output_path chooses predict's file.
            parser.add_lightning_class_args(TacticPredictionWriter, "predictions")

        def before_instantiate_classes(self) -> None:
            _apply_aliases(self, "generator")

    return GeneratorCLI


def _retriever_cli_class() -> type:
    from lightning.pytorch.cli import LightningArgumentParser

    class RetrieverCLI(_atomic_cli()):  # type: ignore[misc]
        def add_arguments_to_parser(self, parser: LightningArgumentParser) -> None:
            parser.link_arguments(
                ("model.max_input_length", "model.max_seq_len"),
                "data.max_input_length",
                _prefer_alias,
            )
            parser.link_arguments("data.corpus_path", "model.corpus_path", _absolute_corpus)

        def before_instantiate_classes(self) -> None:
            _apply_aliases(self, "retriever")

    return RetrieverCLI


def _run(
    cli_class: type,
    model: type,
    data: type,
    argv: list[str],
    prog: str,
    subclass: type | None = None,
) -> None:
    """Runs a LightningCLI; ``subclass``: the model class a config's ``model.class_path``
    names (``model`` is then its base, and the config chooses)."""
    from lightning.fabric.utilities.exceptions import MisconfigurationException

    _check_config_files(argv)
    _check_ckpt_path_argument(argv, subclass or model)
    if "--strict-provenance" in argv:
        argv = [arg for arg in argv if arg != "--strict-provenance"]
        cli_class = type(cli_class.__name__, (cli_class,), {"strict_provenance": True})
    setup_torch()
    _drop_lightning_tips()
    # tacgen's own argv is not LightningCLI's (it lacks "tacgen" and any group name).
    warnings.filterwarnings("ignore", message=_ARGS_WARNING)
    # Parser errors raise instead of printing the whole usage: they become one line.
    quiet = {"exit_on_error": False}
    subcommands = {name: quiet for name in ("fit", "validate", "test", "predict")}
    try:
        cli_class(
            model,
            data,
            args=argv,
            seed_everything_default=3407,
            subclass_mode_model=subclass is not None,
            save_config_kwargs={"overwrite": True},
            parser_kwargs={"prog": prog, **quiet, **subcommands},
        )
    except MisconfigurationException as error:  # a Trainer setting that cannot work here
        raise UsageError(str(error)) from error
    except argparse.ArgumentError as error:
        raise UsageError(f"{error} (see {prog} {argv[0]} --help)") from None
    except Exception as error:
        # jsonargparse wraps what a constructor raised (a callback's ConfigError) in a
        # multi-line ValueError: the TacgenError inside is the one line to show.
        cause = _tacgen_cause(error)
        if cause is None:
            raise
        raise cause from None


def _drop_lightning_tips() -> None:
    """Drops Lightning's advertising tips (litlogger, litmodels) from its rank-zero log, and
    nothing else: its other messages, and the user's own, still show."""
    import logging

    log = logging.getLogger("lightning.pytorch.utilities.rank_zero")
    if not any(isinstance(f, _TipFilter) for f in log.filters):
        log.addFilter(_TipFilter())


class _TipFilter:
    def filter(self, record: object) -> bool:
        return not str(getattr(record, "msg", "")).startswith("💡 Tip:")


def _tacgen_cause(error: BaseException) -> TacgenError | None:
    """The TacgenError that ``error`` was raised from (``raise ... from``), if any.

    Only explicit causes count: an error raised while a TacgenError was being handled is a
    different failure and keeps its traceback.
    """
    seen: set[int] = set()
    current: BaseException | None = error.__cause__
    while current is not None and id(current) not in seen:
        if isinstance(current, TacgenError):
            return current
        seen.add(id(current))
        current = current.__cause__
    return None


def generator(name: str, args: list[str]) -> int:
    """``tacgen fit|validate|test|predict``: LightningCLI over the generator classes.

    Args:
        name: the Lightning subcommand.
        args: the arguments after it.

    Returns:
        The exit status.
    """
    from tacgen.generator.datamodule import GeneratorDataModule
    from tacgen.generator.module import RetrievalAugmentedGenerator
    from tacgen.nn.module import T5Module

    argv = [name, *args]
    _check_config_files(argv)  # one line for a missing or bad file, before reading it here
    chosen = _configured_model_class(argv)
    if chosen is None:
        classes = (RetrievalAugmentedGenerator, GeneratorDataModule)
        _run(_generator_cli_class(), *classes, argv, "tacgen")
    else:
        cli_class = _generator_cli_class(subclass=True)
        _run(cli_class, T5Module, GeneratorDataModule, argv, "tacgen", subclass=chosen)
    return 0


def _configured_model_class(argv: Sequence[str]) -> type | None:
    """The generator class that the config files' (or ``--model.class_path``'s) last
    ``model.class_path`` names, or None when none does (the T5 generator, flat keys).

    Raises:
        UsageError: when it does not name a tacgen tactic generator module.
    """
    import importlib

    import yaml

    from tacgen.generator.interface import TacticGenerator
    from tacgen.nn.module import T5Module

    found = None
    for i, arg in enumerate(argv):
        if arg in ("--config", "-c") and i + 1 < len(argv):
            content = yaml.safe_load(Path(argv[i + 1]).read_text(encoding="utf-8"))
            model = content.get("model") if isinstance(content, dict) else None
            if isinstance(model, dict) and model.get("class_path"):
                found = str(model["class_path"])
        elif arg == "--model.class_path" and i + 1 < len(argv):
            found = argv[i + 1]
        elif arg.startswith("--model.class_path="):
            found = arg.split("=", 1)[1]
    if found is None:
        return None
    module_name, _, class_name = found.rpartition(".")
    try:
        chosen = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError):
        raise UsageError(f"model.class_path {found!r}: no such class") from None
    if not (isinstance(chosen, type) and issubclass(chosen, T5Module)) or not issubclass(
        chosen, TacticGenerator
    ):
        raise UsageError(f"model.class_path {found!r} is not a tacgen generator module")
    return chosen


def retriever_lightning(name: str, args: list[str]) -> int:
    """``tacgen retriever fit|validate|test``: as :func:`generator`, for the retriever."""
    from tacgen.retrieval.datamodule import RetrievalDataModule
    from tacgen.retrieval.dense import PremiseRetriever

    classes = (PremiseRetriever, RetrievalDataModule)
    _run(_retriever_cli_class(), *classes, [name, *args], "tacgen retriever")
    return 0


def parse_retriever_config(path: str | Path, overrides: Sequence[str] = ()) -> Any:
    """Parses a retriever config as ``tacgen retriever fit`` would, instantiating nothing.

    Args:
        path: the YAML config.
        overrides: extra command-line style arguments (``--data.batch_size=4``).

    Returns:
        The parsed ``jsonargparse.Namespace`` (``model``, ``data``, ``trainer``, ...).
    """
    from tacgen.retrieval.datamodule import RetrievalDataModule
    from tacgen.retrieval.dense import PremiseRetriever

    class ParseOnly(_retriever_cli_class()):  # type: ignore[misc]
        def _set_seed(self) -> None:
            pass

        def _add_instantiators(self) -> None:
            pass

        def instantiate_classes(self) -> None:
            pass

    argv = ["--config", str(path), *overrides]
    _check_config_files(argv)  # one line, as for tacgen retriever fit
    try:
        with warnings.catch_warnings():  # tacgen's argv is not LightningCLI's (see _run)
            warnings.filterwarnings("ignore", message=_ARGS_WARNING)
            cli = ParseOnly(
                PremiseRetriever,
                RetrievalDataModule,
                args=argv,
                run=False,
                parser_kwargs={"exit_on_error": False},
            )
    except argparse.ArgumentError as error:  # one line, then exit 2, as argparse does
        print(f"tacgen: error: {path}: {one_line(error)}", file=sys.stderr)
        raise SystemExit(2) from None
    return cli.config
