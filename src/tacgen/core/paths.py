"""Where data lives: user paths, and the demo dataset bundled in the package."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from tacgen.core.errors import ConfigError

DEMO_PREFIX = "tacgen:demo"
"""``tacgen:demo/random`` names the bundled demo's ``random`` split folder."""


def demo_data_dir() -> Path:
    """The bundled demo dataset (LeanDojo format; see its README)."""
    return Path(str(importlib.resources.files("tacgen") / "demo_data"))


def resolve_data_path(path: str | Path) -> Path:
    """Expands ``~`` and the ``tacgen:demo`` prefix.

    Args:
        path: a filesystem path, or ``tacgen:demo[/...]`` for the bundled demo data.

    Returns:
        The filesystem path.
    """
    text = str(path)
    if text == DEMO_PREFIX or text.startswith(DEMO_PREFIX + "/"):
        return demo_data_dir() / text[len(DEMO_PREFIX) :].lstrip("/")
    return Path(text).expanduser()


def resolve_split_folder(path: str | Path) -> Path:
    """:func:`resolve_data_path` for a data module's ``data_path``, which is a folder.

    Args:
        path: the split folder (``leandojo_benchmark_4/random``, ``tacgen:demo/random``).

    Returns:
        The filesystem path.

    Raises:
        ConfigError: when it names a file (a split file is given as ``train_file`` etc.).
    """
    folder = resolve_data_path(path)
    if folder.is_file():
        raise ConfigError(
            f"data_path is a split folder (train.json, val.json, ...), got a file: {folder}"
        )
    return folder
