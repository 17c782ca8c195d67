"""Approximate-nearest-neighbour (ANN) index files, beside the embeddings file.

``tacgen index --out premises.safetensors`` also writes ``premises.ann``: a compressed
index of the same embeddings that answers one query in a few milliseconds instead of
reading the whole float32 matrix. The file is::

    b"tacgen-ann-index/1\\n"  8-byte little-endian header length  JSON header  payload

The header names the backend (a key of :data:`ANN_BACKENDS`), its settings (``nprobe``:
the one chosen at build time, see :mod:`tacgen.retrieval.calibrate`), the build-time
:class:`Calibration` (absent from files written before it existed), and what the
index was built from: the corpus fingerprint, the number of premises, the width and the
encoder (as stamped in the embeddings file). Loading checks all of them against the
embeddings in use, so an index of another corpus, width or encoder, or a damaged file,
is a one-line :class:`IndexFileError` naming the file. The payload is the backend's own
serialization. Backend libraries are imported only when an index is built or loaded.
"""

from __future__ import annotations

import importlib
import json
import os
import struct
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from tacgen.core.atomic import atomic_path
from tacgen.core.errors import IndexFileError, one_line
from tacgen.retrieval.searcher import Searcher

ANN_FORMAT = b"tacgen-ann-index/1\n"
"""The first bytes of an index file written by this version."""

ANN_SUFFIX = ".ann"
"""An ANN index sits beside its embeddings file, with this suffix."""

ANN_BACKENDS = {
    "faiss-ivf-sq8": "tacgen.retrieval.ann_faiss:FaissIVFSearcher",
}
"""Backend name -> ``module:class`` of its :class:`AnnSearcher` (a new one is one line)."""


@dataclass(frozen=True)
class AnnSettings:
    """How an ANN index is built and searched (stored in the index file)."""

    backend: str = "faiss-ivf-sq8"
    """A key of :data:`ANN_BACKENDS`."""
    nlist: int = 0
    """Inverted lists (k-means cells); 0: ``min(1024, premises // 39)``, at least 1."""
    nprobe: int = 64
    """Lists scanned per query (more: better recall, slower). ``tacgen index`` stores the
    calibrated one; files written before calibration hold this default."""

    def __post_init__(self) -> None:
        if self.backend not in ANN_BACKENDS:
            raise ValueError(f"unknown ANN backend {self.backend!r}; known: {list(ANN_BACKENDS)}")
        if self.nlist < 0 or self.nprobe < 1:
            raise ValueError(f"need nlist >= 0 and nprobe >= 1, got {self.nlist}, {self.nprobe}")

    def lists(self, premises: int) -> int:
        """The number of inverted lists for a corpus of ``premises``."""
        return self.nlist or max(1, min(1024, premises // 39))


class AnnSearcher(Searcher, Protocol):
    """An approximate :class:`Searcher` that can be built and serialized."""

    settings: AnnSettings
    """How it was built, and the ``nprobe`` it searches with (may be replaced)."""

    @classmethod
    def build(cls, embeddings: np.ndarray, settings: AnnSettings) -> AnnSearcher:
        """Indexes (premises, dim) float32 unit vectors."""
        ...

    @classmethod
    def from_bytes(cls, payload: np.ndarray, settings: AnnSettings) -> AnnSearcher:
        """Restores an index from :meth:`to_bytes`' (bytes,) uint8 array."""
        ...

    def to_bytes(self) -> np.ndarray:
        """The index as a (bytes,) uint8 array."""
        ...


def ann_path(embeddings_path: str | os.PathLike[str]) -> Path:
    """Where the ANN index of an embeddings file lives (``x.safetensors`` -> ``x.ann``)."""
    return Path(embeddings_path).with_suffix(ANN_SUFFIX)


def _backend(name: str) -> type[AnnSearcher]:
    module, _, cls = ANN_BACKENDS[name].partition(":")
    return getattr(importlib.import_module(module), cls)  # type: ignore[no-any-return]


def build_ann(embeddings: np.ndarray, settings: AnnSettings | None = None) -> AnnSearcher:
    """Builds an ANN index of (premises, dim) float32 unit vectors.

    Args:
        embeddings: the premise embeddings, in corpus order (ids are row numbers).
        settings: the backend and its parameters.

    Returns:
        The searcher.
    """
    settings = settings or AnnSettings()
    matrix = np.ascontiguousarray(embeddings, dtype=np.float32)  # (premises, dim)
    return _backend(settings.backend).build(matrix, settings)


@dataclass(frozen=True)
class AnnStamp:
    """What an ANN index was built from, checked when it is loaded."""

    corpus_fingerprint: str
    num_premises: int
    dim: int
    encoder: Mapping[str, Any]


@dataclass(frozen=True)
class Calibration:
    """How the index's search compared with the exact one at build time (in the file).

    Measured on proxy queries (:func:`tacgen.retrieval.calibrate.calibrate`), searched as
    :class:`~tacgen.retrieval.searcher.AccessibleSearch` searches: accessible Recall@10
    against the exact float32 search, and single-query latencies of both.
    """

    nprobe: int
    """The ``nprobe`` chosen (or fixed by the user) and stored in the settings."""
    recall: float
    """Estimated accessible Recall@10 at ``nprobe``."""
    queries: int
    """Proxy queries it was estimated on (0: none had more accessible premises than the
    candidates fetched, so every search is exact at once)."""
    target: float
    """The Recall@10 aimed at."""
    ann_ms: float
    """Median single-query latency through the index at ``nprobe``, milliseconds."""
    exact_ms: float
    """Median single-query latency of the exact float32 search, milliseconds."""
    calibrated: bool = True
    """Whether ``nprobe`` was chosen by calibration (False: fixed with ``--nprobe``)."""
    use_exact: bool = False
    """Searchers should search the float32 embeddings exactly instead of the index: the
    calibration found it short of the target at every ``nprobe``, or no faster."""
    curve: tuple[tuple[int, float], ...] = ()
    """``(nprobe, recall)`` of every ``nprobe`` tried, in order."""

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Calibration:
        """The calibration from its header object (``asdict`` of one)."""
        curve = tuple((int(p), float(r)) for p, r in raw.get("curve", ()))
        return cls(**{**raw, "curve": curve})

    @property
    def reached(self) -> bool:
        """Whether the estimated recall reaches the target."""
        return self.recall >= self.target

    def summary(self, nlist: int) -> str:
        """One line: the lists, ``nprobe`` and the estimated recall."""
        return (
            f"ANN index: nlist {nlist}, nprobe {self.nprobe}, estimated Recall@10 "
            f"{self.recall:.3f} on {self.queries} proxy queries (target {self.target:g}; "
            f"p50 {self.ann_ms:.2f} ms, exact search {self.exact_ms:.2f} ms)"
        )

    def warning(self, nlist: int) -> str | None:
        """One line when the index misses the target or is no faster than exact, else None."""
        problems = []
        if not self.reached:
            where = "even nprobe = nlist" if self.calibrated else "nprobe"
            problems.append(
                f"{where} ({self.nprobe} of {nlist}) reaches only Recall@10 "
                f"{self.recall:.3f} < {self.target:g}"
            )
        if self.queries and self.ann_ms >= self.exact_ms:
            problems.append(
                f"the index ({self.ann_ms:.2f} ms) is no faster than the exact search "
                f"({self.exact_ms:.2f} ms)"
            )
        if not problems:
            return None
        if self.use_exact:
            advice = "searches will be exact (the index says so; --nprobe N forces it)"
        else:
            advice = "search with --exact, or rebuild without --nprobe to calibrate"
        return f"warning: {' and '.join(problems)}: {advice}"


def save_ann(
    path: str | os.PathLike[str],
    searcher: AnnSearcher,
    settings: AnnSettings,
    stamp: AnnStamp,
    calibration: Calibration | None = None,
) -> Path:
    """Writes an ANN index file atomically.

    Args:
        path: destination (conventionally :func:`ann_path` of the embeddings file).
        searcher: the built index.
        settings: how it was built.
        stamp: what it was built from.
        calibration: its build-time calibration, if any.

    Returns:
        The written path.
    """
    fields: dict[str, Any] = {"settings": asdict(settings), **asdict(stamp)}
    fields["encoder"] = dict(stamp.encoder)
    if calibration is not None:
        fields["calibration"] = asdict(calibration)
    header = json.dumps(fields, sort_keys=True).encode()
    payload = searcher.to_bytes()
    target = Path(path)
    with atomic_path(target) as partial, partial.open("wb") as out:
        out.write(ANN_FORMAT + struct.pack("<Q", len(header)) + header)
        payload.tofile(out)
    return target


def _read_header(path: Path) -> tuple[dict[str, Any], int]:
    try:
        with path.open("rb") as handle:
            magic = handle.read(len(ANN_FORMAT))
            if magic != ANN_FORMAT:
                raise IndexFileError(f"{path}: not a tacgen ANN index (no {ANN_FORMAT!r} header)")
            (size,) = struct.unpack("<Q", handle.read(8))
            header = json.loads(handle.read(size))
    except IndexFileError:
        raise
    except (OSError, ValueError, struct.error) as error:
        raise IndexFileError(f"{path}: unreadable ANN index ({one_line(error)})") from error
    if not isinstance(header, dict):
        raise IndexFileError(f"{path}: unreadable ANN index (header is not an object)")
    return header, len(ANN_FORMAT) + 8 + size


def read_calibration(path: str | os.PathLike[str], stamp: AnnStamp) -> Calibration | None:
    """The build-time calibration of an ANN index file, after checking its stamp.

    Args:
        path: the index file.
        stamp: the corpus, shape and encoder of the embeddings in use.

    Returns:
        The calibration, or None for a file written without one (the stored ``nprobe``,
        64 then, is used as it is).

    Raises:
        FileNotFoundError: when the file does not exist.
        IndexFileError: when it is damaged, or built from another corpus, width or encoder.
    """
    source = Path(path)
    header, _ = _stamped_header(source, stamp)
    raw = header.get("calibration")
    try:
        return None if raw is None else Calibration.from_json(raw)
    except (TypeError, ValueError, AttributeError) as error:
        raise IndexFileError(f"{source}: unreadable ANN calibration ({one_line(error)})") from error


def _stamped_header(source: Path, stamp: AnnStamp) -> tuple[dict[str, Any], int]:
    """An index file's header and data offset, checked against the embeddings' stamp."""
    if not source.is_file():
        raise FileNotFoundError(f"ANN index not found: {source}")
    header, offset = _read_header(source)
    _check_stamp(source, header, stamp)
    return header, offset


def load_ann(
    path: str | os.PathLike[str], stamp: AnnStamp, nprobe: int | None = None
) -> AnnSearcher:
    """Reads an ANN index file and checks that it was built from these embeddings.

    Args:
        path: the index file.
        stamp: the corpus, shape and encoder of the embeddings in use.
        nprobe: search with this ``nprobe`` instead of the stored one (the calibrated
            one, or 64 in files written before calibration).

    Returns:
        The searcher.

    Raises:
        FileNotFoundError: when the file does not exist.
        IndexFileError: when it is damaged, or built from another corpus, width or encoder.
    """
    source = Path(path)
    header, offset = _stamped_header(source, stamp)
    try:
        settings = AnnSettings(**header["settings"])
        if nprobe is not None:
            settings = replace(settings, nprobe=nprobe)
        payload = np.fromfile(source, dtype=np.uint8, offset=offset)  # (bytes,)
        return _backend(settings.backend).from_bytes(payload, settings)
    except (KeyError, TypeError, ValueError, RuntimeError) as error:  # faiss: RuntimeError
        raise IndexFileError(f"{source}: unreadable ANN index ({one_line(error)})") from error


def _check_stamp(source: Path, header: Mapping[str, Any], stamp: AnnStamp) -> None:
    rebuild = "; rebuild it with 'tacgen index'"
    stored = header.get("corpus_fingerprint", "")
    if stored != stamp.corpus_fingerprint:
        raise IndexFileError(
            f"{source}: built from another corpus (fingerprint {str(stored)[:12]}…, this "
            f"corpus is {stamp.corpus_fingerprint[:12]}…){rebuild}"
        )
    shape = (header.get("num_premises"), header.get("dim"))
    if shape != (stamp.num_premises, stamp.dim):
        raise IndexFileError(
            f"{source}: indexes {shape[0]} premises of width {shape[1]}, the embeddings are "
            f"{stamp.num_premises} of width {stamp.dim}{rebuild}"
        )
    encoder = header.get("encoder", {})
    if encoder.get("weights_sha256") != stamp.encoder.get("weights_sha256"):
        raise IndexFileError(f"{source}: built from another encoder's embeddings{rebuild}")
