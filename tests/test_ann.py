"""The ANN index: agrees with the exact search, keeps accessibility exact, refuses damaged or
mismatched files in one line, and ``tacgen index`` / ``--exact`` build and bypass it."""

from __future__ import annotations

import sys
from pathlib import Path

import faiss
import numpy as np
import pytest
import torch

from tacgen.cli import main
from tacgen.core.errors import IndexFileError
from tacgen.data.corpus import Corpus
from tacgen.retrieval.ann import (
    ANN_FORMAT,
    AnnSettings,
    AnnStamp,
    ann_path,
    build_ann,
    load_ann,
    save_ann,
)
from tacgen.retrieval.ann_faiss import FaissIVFSearcher
from tacgen.retrieval.exact import ExactSearcher
from tacgen.retrieval.loading import load_retriever
from tacgen.retrieval.searcher import AccessibleSearch, SearchSettings
from test_indexing import checkpoint  # noqa: F401 - a fixture
from test_searchers import PER_FILE, brute_force, unit, write_corpus

STAMP = AnnStamp("ab" * 32, 4 * PER_FILE, 16, {"weights_sha256": "00"})


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    return write_corpus(tmp_path / "corpus.jsonl")


def test_ann_and_exact_agree_on_a_small_corpus(corpus: Corpus) -> None:
    e, q = unit(len(corpus), 16, 0), unit(20, 16, 1)
    ann = build_ann(e, AnnSettings(nlist=2, nprobe=2))  # scans every list
    assert isinstance(ann, FaissIVFSearcher) and not ann.exact
    access = [corpus.accessible("Lib/F3.lean", (3 * 30 + 1, 1))] * 20  # 150 of 160
    search = AccessibleSearch(ExactSearcher(torch.from_numpy(e)), ann, premises=len(e))
    ids, scores = search.search(q, 5, access)
    # 8-bit codes may swap near ties; scanning every list, nothing else differs.
    assert recall(ids, brute_force(q, e, access, 5)) >= 0.95
    exact_scores = np.einsum("qkd,qd->qk", e[ids], q)  # (queries, k)
    np.testing.assert_allclose(scores, exact_scores, atol=0.05)
    assert search.stats.queries == 20 and search.stats.fallbacks == search.stats.direct == 0
    unfiltered, _ = ann.search(q, 5)
    assert recall(unfiltered, ExactSearcher(torch.from_numpy(e)).search(q, 5)[0]) >= 0.95


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of each row of ``truth`` found in the same row of ``found``."""
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth)]))


def clustered(files: int, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Premises of file i around the i-th axis: one k-means list per file."""
    noise = 0.05 * unit(files * PER_FILE, dim, 2)
    e = np.repeat(np.eye(dim, dtype=np.float32)[:files], PER_FILE, axis=0) + noise
    return e / np.linalg.norm(e, axis=1, keepdims=True), np.eye(dim, dtype=np.float32)


def test_accessibility_stays_exact_and_the_fallback_is_counted(corpus: Corpus) -> None:
    e, axes = clustered(4, 16)
    ann = build_ann(e, AnnSettings(nlist=4, nprobe=1))  # scans the query's list only
    # Queries along F3's axis, from a theorem of F1: F3's list holds nothing accessible.
    q = np.stack([axes[3], axes[3] + 0.1 * axes[0], axes[0]])
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    access = [corpus.accessible("Lib/F1.lean", (3 * 20 + 1, 1))] * 3  # F0 and 20 of F1
    exact = ExactSearcher(torch.from_numpy(e))
    search = AccessibleSearch(exact, ann, SearchSettings(overfetch=2, min_candidates=8))
    ids, _ = search.search(q, 5, access)
    assert all(access[0].mask(ids.ravel()))
    assert np.array_equal(ids[:2], brute_force(q[:2], e, access[:2], 5))  # the fallbacks
    assert np.all(ids[2] < PER_FILE)  # from F0's list, in 8-bit order
    assert (search.stats.queries, search.stats.fallbacks) == (3, 2)  # the third: F0's list
    assert search.stats.fallback_rate == pytest.approx(2 / 3)
    found, _ = ann.search(q[:1], 5, access[:1])
    assert found.tolist() == [[-1] * 5]  # the index itself returns nothing inaccessible


def test_round_trip_and_damaged_files(tmp_path: Path) -> None:
    e = unit(4 * PER_FILE, 16, 3)
    settings = AnnSettings(nlist=2, nprobe=2)
    path = save_ann(tmp_path / "i.ann", build_ann(e, settings), settings, STAMP)
    loaded = load_ann(path, STAMP)
    assert isinstance(loaded, FaissIVFSearcher) and loaded.settings == settings
    assert [p.name for p in tmp_path.iterdir()] == ["i.ann"]  # no temporary file left
    q = unit(3, 16, 4)
    assert np.array_equal(loaded.search(q, 4)[0], build_ann(e, settings).search(q, 4)[0])
    data = path.read_bytes()
    damaged = {
        "junk.ann": (b"not an index at all", "not a tacgen ANN index"),
        "cut.ann": (data[: len(data) // 2], "unreadable ANN index"),
        "header.ann": (ANN_FORMAT + b"\x05\x00\x00\x00\x00\x00\x00\x00{]", "unreadable"),
    }
    for name, (content, message) in damaged.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(IndexFileError, match=message) as caught:
            load_ann(tmp_path / name, STAMP)
        assert "\n" not in str(caught.value) and name in str(caught.value)
    with pytest.raises(FileNotFoundError, match="ANN index not found"):
        load_ann(tmp_path / "none.ann", STAMP)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"corpus_fingerprint": "cd" * 32}, "built from another corpus"),
        ({"dim": 32}, "width 16, the embeddings are 160 of width 32"),
        ({"num_premises": 161}, "indexes 160 premises"),
        ({"encoder": {"weights_sha256": "11"}}, "another encoder"),
    ],
)
def test_mismatched_index_is_refused(tmp_path: Path, change: dict, message: str) -> None:
    settings = AnnSettings(nlist=1)
    path = save_ann(tmp_path / "i.ann", build_ann(unit(160, 16, 5), settings), settings, STAMP)
    other = AnnStamp(**{**STAMP.__dict__, **change})
    with pytest.raises(IndexFileError, match=message) as caught:
        load_ann(path, other)
    assert "\n" not in str(caught.value) and "rebuild it with 'tacgen index'" in str(caught.value)


def test_settings_validate() -> None:
    with pytest.raises(ValueError, match="unknown ANN backend"):
        AnnSettings(backend="nope")
    with pytest.raises(ValueError, match="nprobe >= 1"):
        AnnSettings(nprobe=0)
    assert AnnSettings().lists(180_000) == 1024 and AnnSettings().lists(14) == 1
    assert AnnSettings(nlist=7).lists(180_000) == 7
    assert ann_path("a/premises.safetensors") == Path("a/premises.ann")
    assert faiss.__version__  # the dev extra installs it


def test_index_builds_the_ann_index_and_exact_bypasses_it(
    checkpoint: tuple[Path, Path],  # noqa: F811 - the fixture
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "argv", ["tacgen"])
    ckpt, _ = checkpoint
    out = tmp_path / "idx" / "premises.safetensors"
    assert main(["index", "--ckpt", str(ckpt), "--out", str(out), "--nprobe", "3"]) == 0
    assert f"and its ANN index {out.with_suffix('.ann')}" in capsys.readouterr().out
    assert out.with_suffix(".ann").is_file()
    retriever = load_retriever(str(ckpt), index=str(out))
    assert retriever.uses_ann and retriever._ann.settings.nprobe == 3  # type: ignore[union-attr]
    assert retriever.search_stats.queries == 0
    retriever.retrieve("⊢ True", "Lib/B.lean", "t", (35, 1), 3)
    stats = retriever.search_stats  # 14 premises: fewer than the 64 candidates
    assert (stats.queries, stats.direct, stats.fallbacks) == (1, 1, 0)
    exact_retriever = load_retriever(str(ckpt), index=str(out), exact=True)
    assert not exact_retriever.uses_ann
    exact_retriever.retrieve("⊢ True", "Lib/B.lean", "t", (35, 1), 3)
    assert exact_retriever.search_stats.queries == 0  # nothing approximate to count
    args = ["--state", "⊢ True", "--file-path", "Lib/B.lean", "--position", "35", "1"]
    ann_rows = main(["retrieve", "--ckpt", str(ckpt), "--index", str(out), *args, "--json"])
    assert ann_rows == 0
    ann_out = capsys.readouterr().out
    out.with_suffix(".ann").write_bytes(b"damaged")
    assert main(["retrieve", "--ckpt", str(ckpt), "--index", str(out), *args, "--json"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "premises.ann: not a tacgen ANN index" in err
    exact = ["retrieve", "--ckpt", str(ckpt), "--index", str(out), "--exact", *args, "--json"]
    assert main(exact) == 0
    assert capsys.readouterr().out == ann_out  # all 14 premises: searched exactly at once
    assert main(["index", "--ckpt", str(ckpt), "--out", str(out), "--no-ann"]) == 0
    assert not out.with_suffix(".ann").exists()  # the stale index went with the old build
