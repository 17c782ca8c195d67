"""Calibrating an ANN index at build time: the smallest ``nprobe`` that reaches a recall.

How many inverted lists a query must scan to find its true top-10 depends on the
embeddings: on clustered ones a few percent of the lists hold the neighbours, on
unclustered ones nearly all of them must be scanned (BENCHMARKS.md, issue 19). So
``tacgen index`` does not trust a fixed ``nprobe``: it measures, on proxy queries, the
accessible Recall@10 of the index against the exact float32 search, for ``nprobe`` = 1, 2,
4, ... up to ``nlist``, and keeps the smallest that reaches the target (0.99 by default).

**The proxy queries.** Proof states are not premises, but a trained retriever puts a state
near the premises its proof uses, each accessible to the theorem. A proxy query is asked
at a random premise's position (so it sees what a theorem there sees: not that premise,
nor what follows it in its file), and is the sum of ``mix`` (3) premises drawn at random
from those accessible there, plus isotropic Gaussian noise of ``noise`` (1) times the
sum's norm. The drawn premises are unrelated to each other, so a proxy lies between
clusters, the hard case for an inverted file: on the synthetic data of
``benchmarks/bench_ann.py`` proxies needed as many lists as the real queries, or more
(BENCHMARKS.md). A single premise plus noise was too easy there (it chose 16-32 lists
where the queries needed 64). Only proxies with more accessible premises than
:class:`~tacgen.retrieval.searcher.AccessibleSearch` fetches candidates count (the others
are searched exactly, recall 1 whatever ``nprobe`` is). Recall is measured as the search
runs: over-fetched, filtered by accessibility, with the exact fallback.

When even ``nprobe = nlist`` misses the target, or the index is no faster than the exact
search, the file says to search exactly (:attr:`Calibration.use_exact`); ``--nprobe``
fixes ``nprobe`` instead (measured, never overruled).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from tacgen.data.corpus import AccessibleSet, Corpus
from tacgen.retrieval.ann import (
    AnnSearcher,
    AnnSettings,
    AnnStamp,
    Calibration,
    ann_path,
    build_ann,
    read_calibration,
    save_ann,
)
from tacgen.retrieval.exact import ExactSearcher
from tacgen.retrieval.searcher import AccessibleSearch, SearchSettings

logger = logging.getLogger(__name__)

RECALL_K = 10
"""Recall@``RECALL_K`` is what is calibrated (the issue's target)."""


@dataclass(frozen=True)
class CalibrationSettings:
    """How :func:`calibrate` chooses ``nprobe``."""

    target_recall: float = 0.99
    """The accessible Recall@10 to reach."""
    queries: int = 500
    """Proxy queries to estimate it on."""
    mix: int = 3
    """Accessible premises summed into a proxy query (the premises its proof uses)."""
    noise: float = 1.0
    """Norm of the Gaussian noise added to a proxy, relative to the sum of its premises."""
    timing_queries: int = 30
    """Proxy queries timed one at a time, through the index and exactly."""
    nprobe: int | None = None
    """Fix ``nprobe`` (measure it only, and never switch to exact); None: calibrate."""
    seed: int = 0
    """Seed of the proxies."""

    def __post_init__(self) -> None:
        if not 0.0 < self.target_recall <= 1.0:
            raise ValueError(f"target_recall must be in (0, 1], got {self.target_recall}")
        if min(self.queries, self.timing_queries, self.mix) < 1 or self.noise < 0:
            raise ValueError("need queries, timing_queries and mix >= 1, and noise >= 0")
        if self.nprobe is not None and self.nprobe < 1:
            raise ValueError(f"nprobe must be >= 1, got {self.nprobe}")


def nprobe_ladder(nlist: int) -> list[int]:
    """1, 2, 4, ... below ``nlist``, then ``nlist``."""
    ladder = [1 << i for i in range(nlist.bit_length()) if 1 << i < nlist]
    return [*ladder, nlist]


def proxy_queries(
    embeddings: np.ndarray, corpus: Corpus, settings: CalibrationSettings, least: int
) -> tuple[np.ndarray, list[AccessibleSet]]:
    """Proxy queries and their accessible sets (see the module doc).

    Args:
        embeddings: (premises, dim) float32 unit rows, in corpus order.
        corpus: the corpus they embed.
        settings: how many proxies, their premises and noise, the seed.
        least: keep only proxies with more than this many accessible premises.

    Returns:
        ``(queries, allowed)``: (proxies, dim) float32 unit rows (at most
        ``settings.queries``; fewer, or none, when few premises have enough accessible
        ones) and one accessible set each.
    """
    rng = np.random.default_rng(settings.seed)
    used: list[np.ndarray] = []
    allowed: list[AccessibleSet] = []
    for i in rng.permutation(len(corpus))[: 20 * settings.queries].tolist():
        premise = corpus.premises[i]
        access = corpus.accessible(premise.path, premise.start)  # not i, nor what follows
        if len(access) > least:
            used.append(rng.choice(access.indices(), size=settings.mix))
            allowed.append(access)
            if len(allowed) == settings.queries:
                break
    queries = embeddings[np.array(used, dtype=np.int64).reshape(-1, settings.mix)].sum(axis=1)
    noise = rng.standard_normal(queries.shape, dtype=np.float32)  # (proxies, dim)
    scale = settings.noise * np.linalg.norm(queries, axis=1, keepdims=True)
    queries += noise * scale / np.maximum(np.linalg.norm(noise, axis=1, keepdims=True), 1e-12)
    queries /= np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
    return queries.astype(np.float32, copy=False), allowed


def recall_at(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of each row's valid (>= 0) ``truth`` ids found in the same row."""
    shares = [
        len(set(f[f >= 0].tolist()) & set(t[t >= 0].tolist())) / max(1, int((t >= 0).sum()))
        for f, t in zip(found, truth)
    ]
    return float(np.mean(shares)) if shares else 1.0


def median_ms(
    search: AccessibleSearch, queries: np.ndarray, allowed: Sequence[AccessibleSet]
) -> float:
    """Median latency of searching ``queries`` one at a time, milliseconds."""
    search.search(queries[:1], RECALL_K, allowed[:1])  # warm-up
    times = []
    for q in range(len(queries)):
        start = time.perf_counter()
        search.search(queries[q : q + 1], RECALL_K, allowed[q : q + 1])
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1e3) if times else 0.0


def calibrate(
    ann: AnnSearcher, embeddings: np.ndarray, corpus: Corpus, settings: CalibrationSettings
) -> Calibration:
    """Chooses the smallest ``nprobe`` whose estimated Recall@10 reaches the target.

    Args:
        ann: the built index (its ``settings.nprobe`` is set to the choice).
        embeddings: the (premises, dim) float32 rows it indexes, in corpus order.
        corpus: the corpus they embed (for the proxies' accessible sets).
        settings: the target, the proxies, or a fixed ``nprobe``.

    Returns:
        The calibration to store in the index file.
    """
    nlist = ann.settings.lists(len(embeddings))
    exact = ExactSearcher(torch.from_numpy(embeddings))
    search = AccessibleSearch(exact, ann, SearchSettings(), premises=len(embeddings))
    least = search.settings.candidates(RECALL_K, len(embeddings))
    queries, allowed = proxy_queries(embeddings, corpus, settings, least)
    ladder = [settings.nprobe] if settings.nprobe is not None else nprobe_ladder(nlist)
    curve: list[tuple[int, float]] = []
    if len(queries):
        truth, _ = exact.search(queries, RECALL_K, allowed)  # (proxies, 10)
        for nprobe in ladder:
            ann.settings = replace(ann.settings, nprobe=nprobe)
            curve.append((nprobe, recall_at(search.search(queries, RECALL_K, allowed)[0], truth)))
            if curve[-1][1] >= settings.target_recall:
                break
    else:  # every search is exact at once: nothing to estimate, scan every list
        curve.append((ladder[-1], 1.0))
    nprobe, recall = curve[-1]
    ann.settings = replace(ann.settings, nprobe=nprobe)
    timed = queries[: settings.timing_queries], allowed[: settings.timing_queries]
    ann_ms = median_ms(search, *timed)
    exact_ms = median_ms(AccessibleSearch(exact, None), *timed)
    fixed = settings.nprobe is not None
    slow = len(queries) > 0 and ann_ms >= exact_ms
    use_exact = not fixed and (recall < settings.target_recall or slow)
    return Calibration(
        nprobe, recall, len(queries), settings.target_recall, ann_ms, exact_ms,
        calibrated=not fixed, use_exact=use_exact, curve=tuple(curve),
    )  # fmt: skip


def write_calibrated_ann(
    embeddings_path: str | os.PathLike[str],
    embeddings: np.ndarray,
    corpus: Corpus,
    settings: AnnSettings,
    stamp: AnnStamp,
    calibration: CalibrationSettings | None = None,
) -> tuple[Path, Calibration]:
    """Builds, calibrates and writes the ANN index of an embeddings file beside it.

    Args:
        embeddings_path: the embeddings file (the index goes to :func:`ann_path` of it).
        embeddings: its (premises, dim) float32 rows.
        corpus: the corpus they embed.
        settings: the backend and its lists (its ``nprobe`` is replaced by the choice).
        stamp: what the embeddings were computed from.
        calibration: the target and proxies; the defaults when None.

    Returns:
        The index file's path and its calibration.
    """
    matrix = np.ascontiguousarray(embeddings, dtype=np.float32)  # (premises, dim)
    ann = build_ann(matrix, settings)
    chosen = calibrate(ann, matrix, corpus, calibration or CalibrationSettings())
    path = save_ann(ann_path(embeddings_path), ann, ann.settings, stamp, chosen)
    return path, chosen


def prefers_exact(path: str | os.PathLike[str], stamp: AnnStamp) -> bool:
    """Whether an ANN index file's calibration says to search exactly.

    ``tacgen index`` warned about it when it wrote the file; here it is logged at debug
    level only (a command's error stays one line).

    Raises:
        IndexFileError: when the file is damaged, or built from other embeddings.
    """
    chosen = read_calibration(path, stamp)
    if chosen is None or not chosen.use_exact:
        return False
    logger.debug(
        "%s: searching exactly, as its calibration says (Recall@10 %.3f at nprobe %d, "
        "target %g; %.2f ms against %.2f ms exact)",
        path, chosen.recall, chosen.nprobe, chosen.target, chosen.ann_ms, chosen.exact_ms,
    )  # fmt: skip
    return True
