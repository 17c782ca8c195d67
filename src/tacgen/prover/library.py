"""The tactic library of ``tacgen prove --library``: fixed tactics tried on every state.

``--library FILE`` reads one tactic per line (blank lines and ``#`` comments skipped) or a
JSON list of strings; ``--library auto`` takes the :data:`FREQUENT_TACTICS` most frequent
tactics of the model's training split: from the checkpoint's provenance when it recorded
them (``tacgen fit`` does), else from ``--library-from SPLIT``, or from the training split
file the provenance names when it is still there unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tacgen.core.errors import UsageError
from tacgen.data.provenance import FREQUENT_TACTICS, frequent_tactics


def read_library_file(path: Path) -> tuple[str, ...]:
    """The tactics of a library file (one per line, or a JSON list of strings)."""
    if not path.is_file():
        raise UsageError(f"--library: no file at {path} (give a file, or auto)")
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        try:
            tactics = json.loads(text)
        except json.JSONDecodeError as error:
            raise UsageError(f"{path}: not JSON: {error}") from None
        if not isinstance(tactics, list) or not all(isinstance(t, str) for t in tactics):
            raise UsageError(f"{path}: a JSON library is a list of strings")
    else:
        tactics = [line.strip() for line in text.splitlines()]
        tactics = [t for t in tactics if t and not t.startswith("#")]
    unique = tuple(dict.fromkeys(t for t in tactics if t.strip()))
    if not unique:
        raise UsageError(f"{path}: the library holds no tactic")
    return unique


def split_library(split: str, k: int = FREQUENT_TACTICS) -> tuple[str, ...]:
    """The ``k`` most frequent traced tactics of a LeanDojo split file."""
    from tacgen.prover.theorems import load_theorems

    theorems = load_theorems(split)
    return tuple(frequent_tactics((s.tactic for t in theorems for s in t.traced), k))


def load_library(spec: str, ckpt: str | None, library_from: str | None) -> tuple[str, ...]:
    """The library ``--library spec`` names.

    Args:
        spec: ``auto`` or a file.
        ckpt: the generator checkpoint (for ``auto``), if the search loads one.
        library_from: a training split for ``auto`` (overrides the checkpoint's record).

    Raises:
        UsageError: when ``auto`` has no source, or the file is unusable.
    """
    if spec != "auto":
        if library_from is not None:
            raise UsageError("--library-from goes with --library auto")
        return read_library_file(Path(spec).expanduser())
    if library_from is not None:
        return split_library(library_from)
    record = _provenance(ckpt)
    recorded = record.get("frequent_tactics")
    if isinstance(recorded, list) and recorded:
        return tuple(str(t) for t in recorded)
    splits = record.get("splits")
    train = splits.get("train") if isinstance(splits, dict) else None
    train = train if isinstance(train, dict) else {}
    if train.get("file") and Path(train["file"]).is_file():
        from tacgen.data.provenance import file_sha256

        if file_sha256(train["file"]) == train.get("sha256"):
            return split_library(train["file"])
    raise UsageError(
        "--library auto: the checkpoint records no training tactics and its training split "
        "is not at hand; give --library-from TRAIN.json"
    )


def _provenance(ckpt: str | None) -> dict[str, Any]:
    if ckpt is None:
        raise UsageError("--library auto reads the checkpoint; with --server give --library-from")
    from tacgen.nn.checkpoint import read_provenance

    return read_provenance(Path(ckpt).expanduser()) or {}
