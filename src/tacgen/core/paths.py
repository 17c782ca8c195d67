"""Where data lives: user paths, and the demo dataset bundled in the package."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

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
