"""Searchers: the exact searcher is the full masked sort, and accessibility stays exact above
an approximate searcher (over-fetch, filter, counted exact fallback)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import torch

from tacgen.data.corpus import AccessibleSet, Corpus
from tacgen.retrieval.exact import ExactSearcher
from tacgen.retrieval.searcher import AccessibleSearch, SearchSettings

PER_FILE = 40


def write_corpus(path: Path, files: int = 4) -> Corpus:
    """File i imports file i - 1 (so all earlier ones); PER_FILE premises each."""
    with path.open("w") as out:
        for i in range(files):
            decls = [
                {"full_name": f"F{i}.p{n}", "code": f"theorem p{n} : True", "kind": "theorem",
                 "start": [3 * n + 1, 1], "end": [3 * n + 2, 10]}
                for n in range(PER_FILE)
            ]  # fmt: skip
            imports = [f"Lib/F{i - 1}.lean"] if i else []
            row = {"path": f"Lib/F{i}.lean", "imports": imports, "premises": decls}
            out.write(json.dumps(row) + "\n")
    return Corpus(path)


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    return write_corpus(tmp_path / "corpus.jsonl")


def unit(rows: int, dim: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((rows, dim), dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def brute_force(
    queries: np.ndarray, embeddings: np.ndarray, access: Sequence[AccessibleSet], k: int
) -> np.ndarray:
    """Sort every accessible score (stable: ties by lower index), keep k, pad with -1."""
    out = np.full((len(access), k), -1, dtype=np.int64)
    for q, a in enumerate(access):
        idx = a.indices()
        order = idx[np.argsort(-(embeddings[idx] @ queries[q]), kind="stable")][:k]
        out[q, : len(order)] = order
    return out


def sets(corpus: Corpus) -> list[AccessibleSet]:
    """From nothing accessible to almost everything (theorem in the last file)."""
    return [
        corpus.accessible("Lib/F0.lean", (1, 1)),  # nothing
        corpus.accessible("Lib/F0.lean", (3 * 5 + 1, 1)),  # 5 of its own file
        corpus.accessible("Lib/F1.lean", (3 * 20 + 1, 1)),  # F0 and 20 of F1
        corpus.accessible("Lib/F3.lean", (3 * 30 + 1, 1)),  # F0-F2 and 30 of F3
    ]


def test_exact_searcher_is_the_full_masked_sort(corpus: Corpus) -> None:
    e, q = unit(len(corpus), 16, 0), unit(4, 16, 1)
    access = sets(corpus)
    exact = ExactSearcher(torch.from_numpy(e))
    ids, scores = exact.search(q, 7, access)
    assert np.array_equal(ids, brute_force(q, e, access, 7))
    assert ids[0].tolist() == [-1] * 7 and np.all(np.isneginf(scores[0]))
    assert ids[1, 5:].tolist() == [-1, -1] and set(ids[1, :5].tolist()) == set(range(5))
    everything, _ = exact.search(q, 5)
    assert np.array_equal(everything, np.argsort(-(q @ e.T), axis=1, kind="stable")[:, :5])


class TopOfAll:
    """An 'approximate' searcher that ignores accessibility: the exact top-m of all."""

    exact = False

    def __init__(self, embeddings: np.ndarray) -> None:
        self.inner = ExactSearcher(torch.from_numpy(embeddings))
        self.calls = 0

    def search(
        self, queries: np.ndarray, k: int, allowed: Sequence[AccessibleSet] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        self.calls += 1
        return self.inner.search(queries, k)


def test_filter_keeps_only_accessible_and_falls_back_when_too_few_survive(
    corpus: Corpus,
) -> None:
    e, q = unit(len(corpus), 16, 2), unit(2, 16, 3)
    # Premises of F2 and F3, which a theorem of F1 cannot use, are near the queries: the
    # top candidates are all inaccessible to it.
    q[1] = q[0] + 0.05 * q[1]
    e[2 * PER_FILE :] = q[0] + 0.05 * unit(2 * PER_FILE, 16, 4)
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    access = [corpus.accessible("Lib/F1.lean", (3 * 20 + 1, 1))] * 2  # 60 premises
    exact = ExactSearcher(torch.from_numpy(e))
    search = AccessibleSearch(exact, TopOfAll(e), SearchSettings(2, 4), premises=len(e))
    ids, scores = search.search(q, 3, access)
    assert np.array_equal(ids, brute_force(q, e, access, 3))  # exact despite the index
    assert all(access[0].mask(ids[ids >= 0]))
    np.testing.assert_allclose(scores, np.einsum("qkd,qd->qk", e[ids], q), rtol=1e-5)
    assert search.stats.queries == 2 and search.stats.fallbacks == 2
    assert search.stats.fallback_rate == 1.0


def test_no_fallback_when_enough_candidates_are_accessible(corpus: Corpus) -> None:
    e, q = unit(len(corpus), 16, 4), unit(5, 16, 5)
    access = [corpus.accessible("Lib/F3.lean", (3 * 30 + 1, 1))] * 5  # 150 of 160
    approximate = TopOfAll(e)
    search = AccessibleSearch(
        ExactSearcher(torch.from_numpy(e)), approximate, SearchSettings(4, 8), len(e)
    )
    ids, _ = search.search(q, 4, access)
    assert np.array_equal(ids, brute_force(q, e, access, 4))
    assert approximate.calls == 1 and search.stats.fallbacks == 0
    assert search.stats.queries == 5 and search.stats.direct == 0


def test_small_accessible_sets_are_searched_exactly_at_once(corpus: Corpus) -> None:
    e, q = unit(len(corpus), 16, 6), unit(4, 16, 7)
    access = sets(corpus)  # 0, 5, 60, 150 accessible; 16 candidates would be fetched
    approximate = TopOfAll(e)
    search = AccessibleSearch(
        ExactSearcher(torch.from_numpy(e)), approximate, SearchSettings(4, 16), len(e)
    )
    ids, _ = search.search(q, 4, access)
    assert np.array_equal(ids, brute_force(q, e, access, 4))
    assert search.stats.direct == 2 and search.stats.queries == 4


def test_search_settings_validate() -> None:
    with pytest.raises(ValueError, match=">= 1"):
        SearchSettings(overfetch=0)
    assert SearchSettings(4, 64).candidates(10, 1000) == 64
    assert SearchSettings(4, 64).candidates(100, 1000) == 400
    assert SearchSettings(4, 64).candidates(100, 50) == 50
