"""Where a model comes from: a named architecture, a ``config.json``, a directory or a hub name.

Shared by the generator (``tacgen.model.loading``) and the retriever's encoder
(``tacgen.retrieval.encoder``); it imports nothing from tacgen, so both layers may use it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

BYTE_VOCAB = 259
"""256 bytes + pad, eos, unk: the smallest vocabulary a ByT5-style model can have."""


def one_line(error: BaseException) -> str:
    """An exception's message folded onto one line (its type name when empty)."""
    return " ".join(str(error).split()) or type(error).__name__


def read_config_file(path: Path, what: str) -> dict[str, Any]:
    """The JSON object in a ``config.json``; ``ValueError("bad {what} config ...")`` else."""
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"bad {what} config {path}: {error}") from error
    if not isinstance(values, dict):
        raise ValueError(f"bad {what} config {path}: expected a JSON object")
    return values


def _looks_like_path(name: str) -> bool:
    # Hub names are "owner/name"; anything else with a separator, or a file suffix, is a path.
    return name.startswith((".", "/", "~")) or name.endswith(".json") or name.count("/") > 1


def resolve_model_name(
    model_name: str, named: Mapping[str, Mapping[str, Any]], what: str
) -> tuple[str, Any]:
    """Decides how to build ``model_name``.

    Args:
        model_name: a key of ``named``, a ``config.json`` path, a ``save_pretrained``
            directory, or an ``owner/name`` hub name.
        named: the named architectures (config dicts).
        what: "model" or "encoder", for error messages.

    Returns:
        ``("named", config dict)``, ``("file", Path)`` (a config.json, from scratch) or
        ``("pretrained", name or directory)`` (for ``from_pretrained``).

    Raises:
        FileNotFoundError: a path that does not exist, or a directory without config.json.
        ValueError: a name that is none of these.
    """
    if model_name in named:
        return "named", named[model_name]
    path = Path(model_name).expanduser()
    if path.is_file():
        return "file", path
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"{what} directory has no config.json: {path}")
        return "pretrained", str(path)
    if _looks_like_path(model_name):
        raise FileNotFoundError(f"{what} path does not exist: {model_name}")
    if "/" not in model_name:
        names = ", ".join(sorted(named))
        raise ValueError(
            f"unknown {what} {model_name!r}: not one of {names}, a path, or an owner/name hub model"
        )
    return "pretrained", model_name
