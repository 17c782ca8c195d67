"""The faiss ANN backend: an inverted file (IVF) of 8-bit scalar-quantized vectors.

``faiss.IndexIVFScalarQuantizer`` with ``QT_8bit`` codes (one byte per dimension, with a
per-dimension range learnt from the embeddings) and inner-product similarity: a quarter of
the float32 matrix, plus the cell centroids. A query scans the ``nprobe`` cells nearest to
it; with accessible sets, only accessible premises are kept while scanning (a bitmap), so
the filter loses nothing of what was scanned. faiss (the ``ann`` extra, ``faiss-cpu``) is
imported only here, when an index is built, loaded or searched.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tacgen.core.errors import ConfigError
from tacgen.data.corpus import AccessibleSet
from tacgen.retrieval.ann import AnnSettings

_TRAIN_PER_LIST = 64
"""Premises sampled per list to train the quantizers (all of them when fewer)."""


def _faiss() -> Any:
    try:
        import faiss
    except ImportError as error:  # pragma: no cover - the dev extra installs it
        raise ConfigError(
            "the ANN index needs faiss: pip install 'tacgen[ann]' (or search with --exact)"
        ) from error
    return faiss


class FaissIVFSearcher:
    """Approximate top-k by inner product over a faiss IVF index of 8-bit codes."""

    exact = False

    def __init__(self, index: Any, settings: AnnSettings) -> None:
        """Wraps a built or loaded faiss index.

        Args:
            index: a ``faiss.IndexIVFScalarQuantizer``.
            settings: its settings (``nprobe`` is used when searching).
        """
        self.index, self.settings = index, settings

    @property
    def size(self) -> int:
        """The number of indexed vectors."""
        return int(self.index.ntotal)

    @classmethod
    def build(cls, embeddings: np.ndarray, settings: AnnSettings) -> FaissIVFSearcher:
        """Trains the cells and quantizer on, and indexes, (premises, dim) float32 rows."""
        faiss = _faiss()
        premises, dim = embeddings.shape
        lists = settings.lists(premises)
        cells = faiss.IndexFlatIP(dim)  # the centroids
        index = faiss.IndexIVFScalarQuantizer(
            cells, dim, lists, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        index.cp.seed = 1234  # k-means start: the same index from the same embeddings
        sample = np.random.default_rng(0).permutation(premises)[: _TRAIN_PER_LIST * lists]
        index.train(embeddings[np.sort(sample)])  # (sample, dim)
        index.add(embeddings)  # ids are row numbers
        return cls(index, settings)

    @classmethod
    def from_bytes(cls, payload: np.ndarray, settings: AnnSettings) -> FaissIVFSearcher:
        """Restores an index serialized by :meth:`to_bytes`."""
        return cls(_faiss().deserialize_index(payload), settings)

    def to_bytes(self) -> np.ndarray:
        """faiss' serialization, (bytes,) uint8."""
        return np.asarray(_faiss().serialize_index(self.index))

    def search(
        self, queries: np.ndarray, k: int, allowed: Sequence[AccessibleSet] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The approximate ``k`` best premises of each query.

        Args:
            queries: (queries, dim) float32.
            k: how many per query.
            allowed: when given, only these premises are kept while scanning (a bitmap,
                one query at a time); accessibility is still checked above, by
                ``AccessibleSearch``.

        Returns:
            ``(ids, scores)``: (queries, k) int64 and float32 (approximate dot products),
            best first, padded with -1 and -inf.
        """
        faiss = _faiss()
        queries = np.ascontiguousarray(queries, dtype=np.float32)  # (queries, dim)
        nprobe = min(self.settings.nprobe, int(self.index.nlist))
        if allowed is None:
            params = faiss.SearchParametersIVF(nprobe=nprobe)
            return _result(*self.index.search(queries, k, params=params))
        if len(allowed) != queries.shape[0]:
            raise ValueError(f"{queries.shape[0]} queries but {len(allowed)} accessible sets")
        ids = np.empty((len(allowed), k), dtype=np.int64)  # (queries, k)
        scores = np.empty((len(allowed), k), dtype=np.float32)  # (queries, k)
        for q, access in enumerate(allowed):
            bits = np.packbits(premise_mask(access), bitorder="little")  # (premises / 8,)
            selector = faiss.IDSelectorBitmap(self.size, faiss.swig_ptr(bits))
            params = faiss.SearchParametersIVF(nprobe=nprobe, sel=selector)
            found = self.index.search(queries[q : q + 1], k, params=params)  # (1, k) x2
            ids[q], scores[q] = (row[0] for row in _result(*found))
        return ids, scores


def premise_mask(access: AccessibleSet) -> np.ndarray:
    """(premises,) bool: the premises of the imported files, and of the own file before
    the theorem."""
    mask = access.file_mask[access.premise_file]  # (premises,)
    mask[int(access.file_lo[access.own_file]) : access.own_hi] = True
    return mask


def _result(scores: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # faiss' (scores, ids) as tacgen's (ids, scores), padding scored -inf.
    ids = ids.astype(np.int64, copy=False)  # (queries, k)
    scores = np.where(ids >= 0, scores, -np.inf).astype(np.float32, copy=False)  # (queries, k)
    return ids, scores
