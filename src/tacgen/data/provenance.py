"""Provenance: which data a model was trained on, and whether an evaluation overlaps it.

Checkpoints store a record of their training data (``checkpoint["tacgen_provenance"]``):
the split folder, each split file's SHA-256 and theorem count, the formatting options, the
predictions file's hash, tacgen's version, the training split's most frequent tactics
(``frequent_tactics``), and one 64-bit hash per training theorem
(file path and full name), so that evaluating on theorems it was trained on is detected.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tacgen.core.errors import UsageError

logger = logging.getLogger(__name__)

KEY = "tacgen_provenance"
"""Where checkpoints keep the record."""


def tacgen_version() -> str:
    """The installed tacgen's version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tacgen")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def record(
    data_path: str | Path,
    files: Mapping[str, Path],
    train_theorems: Iterable[tuple[str, str]],
    extra: Mapping[str, Any],
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
) -> dict[str, Any]:
    """A provenance record for a checkpoint.

    Args:
        data_path: the split folder.
        files: the split files loaded, by split name.
        train_theorems: (file_path, full_name) of the training theorems.
        extra: what else to record (formatting options, predictions, corpus).
        cache_dir: where split hashes are remembered (see :func:`file_sha256`).
        use_cache: whether they are.

    Returns:
        The record (plain values: it travels in ``weights_only`` checkpoints).
    """
    return {
        "tacgen_version": tacgen_version(),
        "data_path": str(data_path),
        "splits": {
            name: {"file": str(f), "sha256": file_sha256(f, cache_dir, use_cache)}
            for name, f in files.items()
        },
        **extra,
        "train_theorems": sorted({theorem_hash(f, n) for f, n in train_theorems}),
    }


FREQUENT_TACTICS = 64
"""How many of the training split's most frequent tactics a checkpoint records (the tactic
library of ``tacgen prove --library auto``)."""


def frequent_tactics(tactics: Iterable[str], k: int = FREQUENT_TACTICS) -> list[str]:
    """The ``k`` most frequent tactics, most frequent first (ties: first seen first).

    Args:
        tactics: formatted tactics (premise marks are removed here).

    Returns:
        Distinct tactics, without marks.
    """
    from collections import Counter

    from tacgen.data.formatting import remove_marks

    counts = Counter(remove_marks(t) for t in tactics)
    return [tactic for tactic, _ in counts.most_common(k) if tactic.strip()]


def theorem_hash(file_path: str, full_name: str) -> int:
    """A 64-bit identity of a theorem (signed, so that it fits an int64)."""
    digest = hashlib.blake2b(f"{file_path}\0{full_name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def file_sha256(
    path: str | Path, cache_dir: str | Path | None = None, use_cache: bool = True
) -> str:
    """SHA-256 of a file, remembered by the split cache while the file is unchanged.

    Args:
        path: the file.
        cache_dir: the cache folder (the data module's); the default cache when None.
        use_cache: remember the hash there; False hashes the file and writes nothing.

    Returns:
        The hex digest.
    """
    from tacgen.data.cache import SplitCache, sha256_of

    if not use_cache:
        return sha256_of(Path(path))
    return SplitCache(cache_dir).content_hash(Path(path))


def check_overlap(
    record: Mapping[str, Any] | None,
    theorems: Iterable[tuple[str, str]],
    what: str,
    strict: bool = False,
) -> int:
    """Warns (or, when ``strict``, refuses) when evaluated theorems were trained on.

    Args:
        record: a checkpoint's provenance (None: nothing is known, nothing is checked).
        theorems: (file_path, full_name) of what is about to be evaluated.
        what: the evaluated data, for the message.
        strict: raise instead of warning.

    Returns:
        How many evaluated theorems the model was trained on.

    Raises:
        UsageError: with ``strict``, when there is any overlap.
    """
    if not record or not record.get("train_theorems"):
        return 0
    trained = set(record["train_theorems"])
    keys = set(theorems)
    overlap = sum(theorem_hash(f, n) in trained for f, n in keys)
    if overlap:
        message = (
            f"{overlap} of the {len(keys)} theorems of {what} were in the training data of this "
            f"model ({record.get('data_path')}): scores on them are not held-out"
        )
        if strict:
            raise UsageError(message + " (--strict-provenance)")
        logger.warning("warning: %s", message)
    return overlap
