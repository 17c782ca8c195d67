"""masked_topk / select_topk equal a brute-force full masked sort, ties included."""

from __future__ import annotations

import numpy as np
import pytest

from tacgen.data.corpus import AccessibleSet
from tacgen.retrieval.search import masked_topk, select_topk


def random_sets(
    rng: np.random.Generator, files: int, queries: int, density: float
) -> tuple[list[AccessibleSet], int]:
    sizes = rng.integers(0, 40, size=files)  # (files,)
    hi = np.cumsum(sizes)
    lo = hi - sizes
    premise_file = np.repeat(np.arange(files, dtype=np.int32), sizes)  # (premises,)
    sets = []
    for _ in range(queries):
        own = int(rng.integers(files))
        file_mask = rng.random(files) < density
        file_mask[own] = False
        own_hi = int(rng.integers(lo[own], hi[own] + 1))
        sets.append(AccessibleSet(file_mask, lo, hi, premise_file, own, own_hi))
    return sets, int(hi[-1])


def brute_force(
    scores: np.ndarray, sets: list[AccessibleSet], k: int
) -> tuple[np.ndarray, np.ndarray]:
    indices = np.full((len(sets), k), -1, dtype=np.int64)
    values = np.full((len(sets), k), -np.inf, dtype=np.float32)
    for q, access in enumerate(sets):
        ok = np.flatnonzero(access.mask(np.arange(scores.shape[1])))
        order = np.lexsort((ok, -scores[q, ok]))[:k]  # full sort: score desc, index asc
        indices[q, : len(order)] = ok[order]
        values[q, : len(order)] = scores[q, ok[order]]
    return indices, values


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("density", [0.0, 0.03, 0.3, 1.0])
def test_select_equals_full_sort(seed: int, density: float) -> None:
    rng = np.random.default_rng(seed)
    sets, n = random_sets(rng, files=int(rng.integers(1, 120)), queries=6, density=density)
    # Few distinct values: many ties, at the cut-off too.
    scores = rng.integers(-5, 6, size=(len(sets), n)).astype(np.float32)  # (queries, n)
    if seed % 2:
        scores = rng.standard_normal((len(sets), n)).astype(np.float32)
    for k in (1, 3, 10, 50, 400):
        for overfetch in (2, 4):
            got = select_topk(scores, sets, k, overfetch)
            want = brute_force(scores, sets, k)
            assert np.array_equal(got[0], want[0]), (seed, density, k)
            assert np.array_equal(got[1], want[1]), (seed, density, k)


@pytest.mark.parametrize("seed", range(4))
def test_masked_topk_with_duplicate_embeddings(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    sets, n = random_sets(rng, files=200, queries=9, density=0.5)
    distinct = rng.standard_normal((7, 16)).astype(np.float32)
    embeddings = distinct[rng.integers(0, 7, size=n)]  # (n, 16): only 7 distinct rows
    queries = rng.standard_normal((len(sets), 16)).astype(np.float32)
    indices, values = masked_topk(queries, embeddings, sets, k=25)
    want = brute_force(queries @ embeddings.T, sets, 25)
    assert indices.dtype == np.int64 and values.dtype == np.float32
    assert np.array_equal(indices, want[0]) and np.array_equal(values, want[1])


def test_padding_when_fewer_accessible_than_k() -> None:
    lo, hi = np.array([0, 3]), np.array([3, 5])
    premise_file = np.array([0, 0, 0, 1, 1], dtype=np.int32)
    access = AccessibleSet(np.array([True, False]), lo, hi, premise_file, 1, 4)
    scores = np.array([[0.5, 2.0, 0.5, 9.0, 7.0]], dtype=np.float32)
    indices, values = select_topk(scores, [access], k=6)
    assert indices.tolist() == [[3, 1, 0, 2, -1, -1]]  # premise 4 ends after the theorem
    assert values[0, :4].tolist() == [9.0, 2.0, 0.5, 0.5] and np.isneginf(values[0, 4:]).all()


def test_shapes_are_checked() -> None:
    rng = np.random.default_rng(0)
    sets, n = random_sets(rng, files=5, queries=2, density=1.0)
    with pytest.raises(ValueError, match="queries"):
        masked_topk(np.zeros((3, 4), np.float32), np.zeros((n, 4), np.float32), sets, 2)
    with pytest.raises(ValueError, match="premises"):
        select_topk(np.zeros((2, n + 1), np.float32), sets, 2)
    empty = masked_topk(np.zeros((0, 4), np.float32), np.zeros((n, 4), np.float32), [], 3)
    assert empty[0].shape == (0, 3)


@pytest.mark.parametrize("layout", ["random", "increasing", "best_inaccessible", "few_values"])
def test_large_rows_sampled_threshold(layout: str) -> None:
    # Rows longer than the threshold sample (strided), incl. the growth loop's worst case:
    # the best scores all in files the theorem cannot see.
    rng = np.random.default_rng(7)
    sets, n = random_sets(rng, files=1500, queries=5, density=0.4)
    scores = rng.standard_normal((len(sets), n)).astype(np.float32)  # (queries, n)
    if layout == "increasing":
        scores = np.sort(scores, axis=1)
    elif layout == "few_values":
        scores = np.round(scores * 2)
    elif layout == "best_inaccessible":
        for q, access in enumerate(sets):
            scores[q, ~access.mask(np.arange(n))] += 10.0
    for k in (1, 100, 1000):
        got = select_topk(scores, sets, k)
        want = brute_force(scores, sets, k)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
