"""Premise embedding files: the encoded corpus, stamped with what it was encoded from.

An index file is a safetensors file holding one ``(premises, dim)`` float32 tensor
``embeddings`` (row i is the corpus' premise i) and string metadata:

* ``format``: :data:`INDEX_FORMAT`;
* ``corpus_fingerprint``: SHA-256 of the corpus file the rows belong to;
* ``num_premises``, ``dim``: the shape, checked on load;
* ``encoder``: a JSON object describing the encoder (model name, max_seq_len, a checksum
  of its weights), checked on load when the caller knows the encoder.

Loading refuses another corpus, another shape or another encoder with a one-line error
naming the file. Files are written to a temporary name and renamed, so a reader never
sees half a file.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tacgen.core.atomic import atomic_path
from tacgen.core.errors import IndexFileError, one_line

INDEX_FORMAT = "tacgen-premise-index/1"
"""The ``format`` metadata value of index files written by this version."""

_TENSOR = "embeddings"


@dataclass(frozen=True)
class PremiseIndex:
    """The corpus' premise embeddings and what they were computed from."""

    embeddings: torch.Tensor
    """(premises, dim) float32 L2-normalised premise embeddings, in corpus order."""
    corpus_fingerprint: str
    """SHA-256 of the corpus file the rows belong to."""
    encoder: Mapping[str, Any]
    """What encoded them: model name, max_seq_len, weights checksum."""

    def __post_init__(self) -> None:
        if self.embeddings.dim() != 2:
            raise ValueError(
                f"embeddings must be (premises, dim), got shape {tuple(self.embeddings.shape)}"
            )
        if not self.corpus_fingerprint:
            raise ValueError("corpus_fingerprint must not be empty")


def save_index(path: str | os.PathLike[str], index: PremiseIndex) -> Path:
    """Writes an index file atomically (temporary name in the same folder, then rename).

    Args:
        path: destination, conventionally ``*.safetensors``.
        index: the embeddings and their provenance.

    Returns:
        The written path.
    """
    from safetensors.torch import save_file

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    embeddings = index.embeddings.detach().to("cpu", torch.float32).contiguous()
    metadata = {
        "format": INDEX_FORMAT,
        "corpus_fingerprint": index.corpus_fingerprint,
        "num_premises": str(embeddings.shape[0]),
        "dim": str(embeddings.shape[1]),
        "encoder": json.dumps(dict(index.encoder), sort_keys=True),
    }
    with atomic_path(target) as partial:
        save_file({_TENSOR: embeddings}, str(partial), metadata=metadata)
    return target


def _mapped(path: Path) -> torch.Tensor:
    # The tensor as a copy-on-write memory map: pages are read from disk when first used.
    with path.open("rb") as handle:
        (size,) = struct.unpack("<Q", handle.read(8))
        entry = json.loads(handle.read(size))[_TENSOR]
    if entry["dtype"] != "F32":
        raise IndexFileError(f"{path}: embeddings are {entry['dtype']}, expected F32")
    start = 8 + size + int(entry["data_offsets"][0])
    rows = np.memmap(path, dtype="<f4", mode="c", offset=start, shape=tuple(entry["shape"]))
    return torch.from_numpy(rows)


def _read(path: Path, mmap: bool = False) -> tuple[torch.Tensor, dict[str, str]]:
    from safetensors import safe_open

    if not path.is_file():
        raise FileNotFoundError(f"embeddings file not found: {path}")
    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = dict(handle.metadata() or {})
            if _TENSOR not in handle.keys():  # noqa: SIM118 - safe_open has no __contains__
                raise IndexFileError(f"{path}: not a premise index (no '{_TENSOR}' tensor)")
            embeddings = _mapped(path) if mmap else handle.get_tensor(_TENSOR)
    except IndexFileError:
        raise
    except Exception as error:  # safetensors raises its own error types
        reason = one_line(error)
        raise IndexFileError(f"{path}: not a readable safetensors file ({reason})") from error
    return embeddings, metadata


def load_index(
    path: str | os.PathLike[str],
    corpus_fingerprint: str,
    num_premises: int,
    dim: int | None = None,
    encoder: Mapping[str, Any] | None = None,
    mmap: bool = False,
) -> PremiseIndex:
    """Reads an index file and checks that it belongs to the corpus (and encoder).

    Args:
        path: the index file.
        corpus_fingerprint: SHA-256 of the corpus the caller retrieves from.
        num_premises: number of premises of that corpus.
        dim: the encoder's embedding size, or None not to check it.
        encoder: the caller's encoder description (as stored by :func:`save_index`), or
            None not to check it.
        mmap: map the embeddings from the file instead of reading them (pages are read
            when first used: the exact fallback of an ANN index reads few of them).

    Returns:
        The index, embeddings as float32 on CPU.

    Raises:
        FileNotFoundError: when the file does not exist.
        IndexFileError: when it is unreadable, was built from another corpus or encoder,
            or has the wrong shape.
    """
    source = Path(path)
    embeddings, metadata = _read(source, mmap)
    if metadata.get("format") != INDEX_FORMAT:
        raise IndexFileError(
            f"{source}: not a tacgen premise index (format {metadata.get('format')!r}, "
            f"expected {INDEX_FORMAT!r})"
        )
    stamped = metadata.get("corpus_fingerprint", "")
    if stamped != corpus_fingerprint:
        raise IndexFileError(
            f"{source}: built from another corpus (fingerprint {stamped[:12]}…, this corpus "
            f"is {corpus_fingerprint[:12]}…); rebuild it with 'tacgen index'"
        )
    expected = (num_premises, dim if dim is not None else embeddings.shape[-1])
    if embeddings.dim() != 2 or tuple(embeddings.shape) != expected:
        raise IndexFileError(
            f"{source}: embeddings have shape {tuple(embeddings.shape)}, expected "
            f"{expected} (premises, encoder dim); rebuild it with 'tacgen index'"
        )
    stored = json.loads(metadata.get("encoder", "{}"))
    _check_encoder(source, stored, encoder)
    return PremiseIndex(embeddings if mmap else embeddings.to(torch.float32), stamped, stored)


def _check_encoder(
    source: Path, stored: Mapping[str, Any], expected: Mapping[str, Any] | None
) -> None:
    if expected is None:
        return
    for key in ("weights_sha256", "max_seq_len"):
        if key in stored and key in expected and stored[key] != expected[key]:
            raise IndexFileError(
                f"{source}: built with another encoder ({key} {stored[key]!r}, the retriever "
                f"has {expected[key]!r}); rebuild it with 'tacgen index'"
            )
